// bench_train: training throughput of our trainer against a plain PyTorch loop, and the cost
// of logging and events per step.
//
//   bench_train [DIR] [--quick] [--threads T] [--workers W] [--epochs E] [--python PATH] [--keep]
//
// Generates deterministic data: the demo digits (28×28 gray PNG, 10 classes), the demo shapes
// (64×64 RGB JPEG, 2 classes, resized to 32×32 by the pipeline on both sides) and a table of
// 20,000 rows × 20 numeric features with 5 classes (a noisy linear rule). Each is imported into
// a workspace with the default 80/10/10 split. Then, per model at the factory's defaults:
//
//   mlp           on the table, transforms [standardize]
//   lenet         on the digits, transforms [normalize 0.1307/0.3081]
//   resnet_small  on the shapes, transforms [resize 32, normalize 0.5/0.25]
//
// "ours" is the whole product path, wb::train::runTraining(): the DataLoader with W worker
// threads (decoded-image cache on auto, as a user gets it), Adam lr 1e-3, batch 64, metric
// logging to the workspace database every 50 steps, one JSON event per step-log and epoch
// serialised the way `wb train --json` prints them (to /dev/null here), validation each epoch,
// best/last checkpoints into the object store, the final test evaluation. Its samples/s is the
// stored per-epoch sys/samples_per_s (the training loop of an epoch only, timed inside the
// trainer), best of the epochs after the first (warm-up).
//
// "PyTorch" is bench_train_peer.py under the Debian python3-torch: the same layers and sizes
// in torch.nn, Adam lr 1e-3, the same batch size and torch.set_num_threads(T), the same train
// split samples, a loop doing forward, cross_entropy, zero_grad, backward, step, loss.item()
// and the correct count; one warm-up epoch, then timed epochs, best epoch. The row that
// carries the target is the loop a PyTorch user typically writes: images through a Dataset +
// DataLoader (W worker processes, persistent) over the very object files our loader reads;
// the table as preloaded tensors batched by a random permutation. Extra rows for information:
// images preloaded as tensors (no decode cost: pure loop against pure loop), and the table
// through DataLoader(TensorDataset).
//
// The logging figure is sys/time_logging_ms / (data + forward + backward + optimizer +
// metrics + logging ms) per step, averaged over the epochs after the first. "metrics" is
// loss.item(), the NaN check and the running loss/accuracy (the PyTorch loop does the same);
// "logging" is what the tracking adds: every N steps the metric write and the step event.
//
// Exits 0 when it could measure: it is a report, not a test. Not registered with ctest.

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/experiment_config.h"
#include "core/data/dataset_repository.h"
#include "core/data/importer.h"
#include "core/demo/demo_datasets.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace wb;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBatch = 64;
constexpr int kTableFeatures = 20;
constexpr int kTableClasses = 5;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

[[noreturn]] void die(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "bench_train: %s: %s\n", what.c_str(), why.c_str());
  std::exit(2);
}

template <class T>
T take(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error().text());
  return std::move(r).value();
}

// 20 standard-normal features; the class is the argmax of a fixed random linear map plus noise.
void writeTable(const fs::path& file, int rows) {
  std::mt19937_64 rng(20240601);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> w(std::size_t(kTableFeatures) * kTableClasses);
  for (auto& v : w) v = normal(rng);
  std::ofstream out(file, std::ios::trunc);
  for (int f = 0; f < kTableFeatures; ++f) out << 'f' << f << ',';
  out << "label\n";
  std::vector<double> x(kTableFeatures);
  char cell[32];
  for (int r = 0; r < rows; ++r) {
    for (auto& v : x) v = normal(rng);
    int best = 0;
    double best_score = -1e300;
    for (int c = 0; c < kTableClasses; ++c) {
      double s = 0.5 * normal(rng);
      for (int f = 0; f < kTableFeatures; ++f) s += w[std::size_t(c) * kTableFeatures + f] * x[std::size_t(f)];
      if (s > best_score) best_score = s, best = c;
    }
    for (int f = 0; f < kTableFeatures; ++f) {
      std::snprintf(cell, sizeof cell, "%.5f,", x[std::size_t(f)]);
      out << cell;
    }
    out << "class" << best << '\n';
  }
  if (!out) die("write", file.string());
}

data::Manifest importSet(const Workspace& ws, const std::string& name, data::SourceFormat format,
                         const fs::path& source, std::size_t expected) {
  if (auto db = ws.connect(); db) {
    data::DatasetRepository repo(**db);
    if (auto v = repo.resolve(name + "@latest"); v && std::size_t(v->sample_count) == expected)
      return take(data::loadManifest(ws, *v), "manifest " + name);
  }
  data::ImportOptions o;
  o.dataset = name;
  o.format = format;
  o.source = source;
  if (format == data::SourceFormat::Table) o.target_column = "label";
  const auto t0 = Clock::now();
  auto result = take(data::importDataset(ws, o), "import " + name);
  std::printf("  imported %zu samples of %s in %.1f s\n", result.samples, name.c_str(),
              secondsSince(t0));
  return take(data::loadManifest(ws, result.version), "manifest " + name);
}

std::size_t classIndex(const data::Manifest& m, const std::string& label) {
  return std::size_t(std::find(m.classes.begin(), m.classes.end(), label) - m.classes.begin());
}

// The train split as "path,class" lines: the object files our loader reads.
fs::path writeImageList(const Workspace& ws, const data::Manifest& m, const fs::path& file) {
  std::ofstream out(file, std::ios::trunc);
  for (const auto& s : m.samples)
    if (s.split == data::Split::Train)
      out << data::samplePath(ws, m, s).string() << ',' << classIndex(m, s.label) << '\n';
  return file;
}

// The train split of the table as "f0,…,f19,class" lines, raw (the peer standardises).
fs::path writeTableRows(const data::Manifest& m, const fs::path& file) {
  const int target = m.columnIndex("label");
  std::ofstream out(file, std::ios::trunc);
  for (const auto& s : m.samples) {
    if (s.split != data::Split::Train) continue;
    for (std::size_t c = 0; c < s.values.size(); ++c)
      if (int(c) != target) out << s.values[c] << ',';
    out << classIndex(m, s.label) << '\n';
  }
  return file;
}

struct Ours {
  std::vector<double> epoch_samples_per_s;  // every epoch, the first is the warm-up
  std::map<std::string, double> step_ms;    // mean over the epochs after the first
  double run_seconds = 0;                   // the whole runTraining call
  std::size_t events = 0;
  std::string status;

  double best() const {
    if (epoch_samples_per_s.size() <= 1)
      return epoch_samples_per_s.empty() ? 0 : epoch_samples_per_s.front();
    return *std::max_element(epoch_samples_per_s.begin() + 1, epoch_samples_per_s.end());
  }
  double stepTotal() const {
    double t = 0;
    for (const char* k : {"data", "forward", "backward", "optimizer", "metrics", "logging"}) t += step_ms.at(k);
    return t;
  }
};

Ours runOurs(const Workspace& ws, const std::string& model, const std::string& dataset,
             const std::string& transforms, int workers, int epochs, int log_every) {
  const std::string yaml = "experiment: bench_train\n"
                           "data:\n"
                           "  dataset: " + dataset + "@latest\n"
                           "  transforms: " + transforms + "\n"
                           "  batch_size: " + std::to_string(kBatch) + "\n"
                           "  workers: " + std::to_string(workers) + "\n"
                           "model:\n"
                           "  type: " + model + "\n"
                           "optim:\n"
                           "  name: adam\n"
                           "  lr: 0.001\n"
                           "trainer:\n"
                           "  epochs: " + std::to_string(epochs) + "\n"
                           "  seed: 1\n"
                           "  device: cpu\n"
                           "  log_every_n_steps: " + std::to_string(log_every) + "\n";
  train::TrainRequest request;
  request.config = take(config::parseExperimentYaml(yaml, "bench_train.yaml"), "config");
  request.config_text = config::toYaml(request.config);
  Ours out;
  // As `wb train --json`: every event serialised to one line on a stream.
  FILE* sink = std::fopen("/dev/null", "w");
  if (!sink) die("open", "/dev/null");
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  auto outcome = take(train::runTraining(
                          ws, request,
                          [&](const json& e) {
                            const std::string line =
                                e.dump(-1, ' ', false, json::error_handler_t::replace);
                            std::fputs(line.c_str(), sink);
                            std::fputc('\n', sink);
                            std::fflush(sink);
                            ++out.events;
                          },
                          stop),
                      "train " + model);
  out.run_seconds = secondsSince(t0);
  std::fclose(sink);
  out.status = std::string(store::toString(outcome.status));
  if (outcome.status != store::RunStatus::Finished) die("train " + model, outcome.message);

  auto db = take(ws.connect(), "connect");
  store::MetricsReader reader(*db);
  auto series = [&](const std::string& key) {
    std::vector<double> v;
    for (const auto& p : take(reader.series(outcome.run_id, key), key)) v.push_back(p.value);
    return v;
  };
  out.epoch_samples_per_s = series("sys/samples_per_s");
  for (const char* part : {"data", "forward", "backward", "optimizer", "metrics", "logging"}) {
    const auto v = series(std::string("sys/time_") + part + "_ms");
    const std::size_t from = v.size() > 1 ? 1 : 0;
    double sum = 0;
    for (std::size_t i = from; i < v.size(); ++i) sum += v[i];
    out.step_ms[part] = v.size() > from ? sum / double(v.size() - from) : 0;
  }
  return out;
}

struct PeerResult {
  double samples_per_s = 0;
  std::vector<double> epoch_samples_per_s;
};

std::map<std::string, PeerResult> runPeer(const std::string& python, const std::string& args) {
  const std::string cmd = "'" + python + "' '" + WB_TRAIN_PEER_SCRIPT + "' " + args;
  std::map<std::string, PeerResult> results;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return results;
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int rc = ::pclose(pipe);
  const auto line = out.rfind("{\"model\"");
  if (rc != 0 || line == std::string::npos) {
    std::fprintf(stderr, "bench_train: the PyTorch peer failed (exit %d): %s\n", rc, out.c_str());
    return results;
  }
  try {
    const json j = json::parse(out.substr(line));
    for (const auto& [source, r] : j.at("results").items()) {
      PeerResult p;
      p.samples_per_s = r.at("samples_per_s").get<double>();
      p.epoch_samples_per_s = r.value("epoch_samples_per_s", std::vector<double>{});
      results[source] = p;
    }
  } catch (const std::exception&) {
    std::fprintf(stderr, "bench_train: unreadable peer output: %s\n", out.c_str());
  }
  return results;
}

std::string rates(const std::vector<double>& v) {
  std::string out;
  for (double r : v) out += (out.empty() ? "" : ", ") + std::to_string(std::llround(r));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<fs::path> dir;
  int threads = 1, workers = 2, epochs = 0;
  bool quick = false, keep = false;
  std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a, "needs a value");
      return argv[++i];
    };
    if (a == "--threads") {
      threads = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--workers") {
      workers = std::max(0, std::atoi(value().c_str()));
    } else if (a == "--epochs") {
      epochs = std::max(2, std::atoi(value().c_str()));
    } else if (a == "--python") {
      python = value();
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--keep") {
      keep = true;
    } else if (a == "-h" || a == "--help") {
      std::printf("bench_train [DIR] [--quick] [--threads T] [--workers W] [--epochs E] "
                  "[--python PATH] [--keep]\n");
      return 0;
    } else if (!a.empty() && a[0] != '-' && !dir) {
      dir = fs::path(a);
    } else {
      die(a, "unknown argument");
    }
  }
  if (epochs == 0) epochs = quick ? 2 : 4;  // ours: the first epoch is the warm-up
  const int peer_epochs = epochs - 1;       // peer: one warm-up epoch, then these
  demo::DemoDataOptions demo_opts;
  demo_opts.digits_per_class = quick ? 200 : 500;
  demo_opts.shapes_per_class = quick ? 150 : 1000;
  demo_opts.headlines = 20;
  const int table_rows = quick ? 5000 : 20000;

  at::set_num_threads(threads);
  fs::path root;
  bool temporary = false;
  if (dir) {
    root = *dir;
    fs::create_directories(root);
  } else {
    std::string templ = (fs::temp_directory_path() / "wb-bench-train-XXXXXX").string();
    if (!::mkdtemp(templ.data())) die("mkdtemp", templ);
    root = templ;
    temporary = true;
  }
  std::printf("bench_train: %s\n  batch %d, %d intra-op thread(s) on both sides, %d loader "
              "workers, ours %d epochs (first = warm-up), PyTorch 1 warm-up + %d\n",
              root.string().c_str(), kBatch, threads, workers, epochs, peer_epochs);

  const auto t_all = Clock::now();
  const fs::path src = root / ("src-" + std::to_string(demo_opts.digits_per_class) + "-" +
                               std::to_string(demo_opts.shapes_per_class));
  if (!fs::exists(src / ".generated")) {
    const auto t0 = Clock::now();
    if (auto st = demo::writeDemoDatasets(src, demo_opts); !st) die("demo data", st.error().text());
    writeTable(src / "table.csv", table_rows);
    std::ofstream(src / ".generated") << "ok\n";
    std::printf("  generated the data in %.1f s\n", secondsSince(t0));
  }
  const fs::path ws_dir = root / "ws";
  Workspace ws = Workspace::isWorkspace(ws_dir) ? take(Workspace::open(ws_dir), "open")
                                                : take(Workspace::create(ws_dir), "create");
  const auto digits = importSet(ws, "digits", data::SourceFormat::ImageFolder, src / demo::kDigitsDir,
                                std::size_t(demo_opts.digits_per_class) * 10);
  const auto shapes = importSet(ws, "shapes", data::SourceFormat::ImageFolder, src / demo::kShapesDir,
                                std::size_t(demo_opts.shapes_per_class) * 2);
  const auto table = importSet(ws, "table", data::SourceFormat::Table, src / "table.csv",
                               std::size_t(table_rows));
  auto trainCount = [](const data::Manifest& m) {
    return std::count_if(m.samples.begin(), m.samples.end(),
                         [](const data::Sample& s) { return s.split == data::Split::Train; });
  };
  std::printf("  train split: table %td rows, digits %td, shapes %td images\n", trainCount(table),
              trainCount(digits), trainCount(shapes));

  const std::string common = " --batch " + std::to_string(kBatch) + " --threads " +
                             std::to_string(threads) + " --workers " + std::to_string(workers) +
                             " --warmup 1 --epochs " + std::to_string(peer_epochs);
  struct Case {
    std::string model, dataset, transforms, peer_args, primary, primary_label;
    std::vector<std::pair<std::string, std::string>> extra;  // source, label
    double target;
  };
  const std::vector<Case> cases = {
      {"mlp", "table", "[{name: standardize}]",
       "--model mlp --classes " + std::to_string(table.classes.size()) + " --table '" +
           writeTableRows(table, root / "table_train.csv").string() + "' --sources tensors,dataloader",
       "tensors", "preloaded tensors",
       {{"dataloader", "DataLoader(TensorDataset)"}}, 1.5},
      {"lenet", "digits", "[{name: normalize, mean: [0.1307], std: [0.3081]}]",
       "--model lenet --classes " + std::to_string(digits.classes.size()) + " --list '" +
           writeImageList(ws, digits, root / "digits_train.list").string() +
           "' --mode L --mean 0.1307 --std 0.3081 --sources files,tensors",
       "files", "Dataset+DataLoader, PNG files",
       {{"tensors", "preloaded tensors"}}, 1.5},
      {"resnet_small", "shapes",
       "[{name: resize, size: 32}, {name: normalize, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}]",
       "--model resnet_small --classes " + std::to_string(shapes.classes.size()) + " --list '" +
           writeImageList(ws, shapes, root / "shapes_train.list").string() +
           "' --mode RGB --resize 32 --mean 0.5 0.5 0.5 --std 0.25 0.25 0.25 --sources " +
           (quick ? "files" : "files,tensors"),
       "files", "Dataset+DataLoader, JPEG files",
       {{"tensors", "preloaded tensors"}}, 1.0},
  };

  struct Row {
    const Case* c;
    Ours ours;
    std::map<std::string, PeerResult> peer;
  };
  std::vector<Row> rows;
  for (const Case& c : cases) {
    std::printf("\n%s: ours...", c.model.c_str());
    std::fflush(stdout);
    Row row{&c, runOurs(ws, c.model, c.dataset, c.transforms, workers, epochs, 50), {}};
    std::printf(" %.1f s; PyTorch...", row.ours.run_seconds);
    std::fflush(stdout);
    const auto t0 = Clock::now();
    row.peer = runPeer(python, c.peer_args + common);
    std::printf(" %.1f s\n", secondsSince(t0));
    std::printf("  per-epoch samples/s  ours: %s\n", rates(row.ours.epoch_samples_per_s).c_str());
    for (const auto& [source, p] : row.peer)
      std::printf("  per-epoch samples/s  PyTorch %s: %s\n", source.c_str(),
                  rates(p.epoch_samples_per_s).c_str());
    rows.push_back(std::move(row));
  }

  std::printf("\ntraining throughput, samples/s (best epoch of each side; ours = stored "
              "sys/samples_per_s):\n");
  std::printf("%-13s %-32s %10s %10s %7s %7s  %s\n", "model", "PyTorch side", "ours", "PyTorch",
              "ratio", "target", "result");
  auto printRow = [](const std::string& model, const std::string& label, double ours,
                     const PeerResult* p, double target, bool primary) {
    char tgt[16];
    std::snprintf(tgt, sizeof tgt, ">= %.1fx", target);
    if (!p || p->samples_per_s <= 0) {
      std::printf("%-13s %-32s %10.0f %10s %7s %7s  %s\n", model.c_str(), label.c_str(), ours,
                  "n/a", "n/a", primary ? tgt : "", primary ? "NO PEER" : "info");
      return;
    }
    const double ratio = ours / p->samples_per_s;
    std::printf("%-13s %-32s %10.0f %10.0f %6.2fx %7s  %s\n", model.c_str(), label.c_str(), ours,
                p->samples_per_s, ratio, primary ? tgt : "",
                primary ? (ratio >= target ? "PASS" : "FAIL") : "info");
  };
  for (const Row& r : rows) {
    auto find = [&](const std::string& s) -> const PeerResult* {
      auto it = r.peer.find(s);
      return it == r.peer.end() ? nullptr : &it->second;
    };
    printRow(r.c->model, r.c->primary_label, r.ours.best(), find(r.c->primary), r.c->target, true);
    for (const auto& [source, label] : r.c->extra)
      if (find(source)) printRow(r.c->model, label, r.ours.best(), find(source), r.c->target, false);
  }

  std::printf("\nour step-time breakdown, ms per step (mean of the epochs after the first), and "
              "logging+events overhead (target < 2%%):\n");
  std::printf("%-13s %7s %8s %9s %9s %8s %8s %8s %9s  %s\n", "model", "data", "forward", "backward",
              "optimizer", "metrics", "logging", "total", "logging%", "result");
  for (const Row& r : rows) {
    const auto& s = r.ours.step_ms;
    const double total = r.ours.stepTotal();
    const double pct = total > 0 ? 100.0 * s.at("logging") / total : 0;
    std::printf("%-13s %7.3f %8.3f %9.3f %9.3f %8.4f %8.4f %8.3f %8.2f%%  %s\n", r.c->model.c_str(),
                s.at("data"), s.at("forward"), s.at("backward"), s.at("optimizer"), s.at("metrics"),
                s.at("logging"), total, pct, pct < 2.0 ? "PASS" : "FAIL");
  }
  // The worst case: a metric point and an event on every step (log_every_n_steps: 1).
  {
    const Ours every = runOurs(ws, "mlp", "table", "[{name: standardize}]", workers, epochs, 1);
    const double total = every.stepTotal();
    const double pct = total > 0 ? 100.0 * every.step_ms.at("logging") / total : 0;
    std::printf("%-13s %7.3f %8.3f %9.3f %9.3f %8.4f %8.4f %8.3f %8.2f%%  %s\n", "mlp, log 1/1",
                every.step_ms.at("data"), every.step_ms.at("forward"), every.step_ms.at("backward"),
                every.step_ms.at("optimizer"), every.step_ms.at("metrics"), every.step_ms.at("logging"),
                total, pct,
                ("info (every step logged; samples/s " + std::to_string(std::llround(every.best())) + ")").c_str());
  }
  std::printf("\nwhole runs (ours, incl. validation, checkpoints, test): ");
  for (const Row& r : rows)
    std::printf("%s %.1f s (%zu events)  ", r.c->model.c_str(), r.ours.run_seconds, r.ours.events);
  std::printf("\ntotal bench time %.0f s\n", secondsSince(t_all));
  std::fflush(stdout);
  if (temporary && !keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}
