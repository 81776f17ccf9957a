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
// Three comparisons per image model, each a row that says what it compares:
//
//   product (cache)  ours is the whole product path, wb::train::runTraining(): the DataLoader
//                    with W worker threads and the decoded-image cache on auto (on at these
//                    sizes: after the first epoch no image is decoded again), Adam lr 1e-3,
//                    batch 64, metric logging every 50 steps, one JSON event per step-log and
//                    epoch (to /dev/null), validation, checkpoints, the test evaluation. Its
//                    samples/s is the stored sys/samples_per_s of an epoch's training loop,
//                    best of the epochs after the first. PyTorch: Dataset + DataLoader (W
//                    worker processes, persistent) decoding every file with PIL every epoch.
//                    The cache is a real feature, but this row is not like for like.
//   files, no cache  ours: our DataLoader with the cache OFF (every epoch decodes every file)
//                    feeding a plain LibTorch loop (below); PyTorch: the same DataLoader as
//                    above. Both decode every image every epoch.
//   preloaded        both sides decode the train split once into one float tensor in memory
//                    and batch it by a fresh random permutation per epoch: loop against loop.
//
// The plain loop is the same on both sides: the model as our factory builds it (layer for
// layer the same in bench_train_peer.py), Adam lr 1e-3, forward, cross_entropy, zero_grad,
// backward, step, loss.item() and the correct count; one warm-up epoch, then timed epochs,
// best epoch; torch.set_num_threads(T) / at::set_num_threads(T). The table (mlp) is in memory
// on both sides: the product path and the plain loop against PyTorch on preloaded tensors.
//
// The logging figure is sys/time_logging_ms / (data + forward + backward + optimizer +
// metrics + logging ms) per step, averaged over the epochs after the first. "metrics" is
// loss.item(), the NaN check and the running loss/accuracy (the PyTorch loop does the same);
// "logging" is what the tracking adds: every N steps the metric write and the step event.
//
// Prints "readme-row:" lines for the README's figures table (run-benchmarks.sh collects them).
// Exits 0 when it could measure: it is a report, not a test. Not registered with ctest.

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
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
#include "core/data/loader.h"
#include "core/demo/demo_datasets.h"
#include "core/models/model_factory.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"
#include "tests/benchmarks/bench_rows.h"

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

// --- ours without the product's tracking: the plain loop of the like-for-like rows ----------

using StepFn = std::function<void(const at::Tensor& inputs, const at::Tensor& targets)>;
using EpochFn = std::function<void(int epoch, const StepFn& step)>;

// The peer's train(): Adam lr 1e-3, forward, cross_entropy, zero_grad, backward, step,
// loss.item() and the correct count; `warmup` untimed epochs, then `epochs` timed ones.
PeerResult plainLoop(const std::string& type, const models::ModelInput& input,
                     const EpochFn& epoch_fn, int warmup, int epochs) {
  torch::manual_seed(42);
  auto model = take(models::buildModel(type, nullptr, input), "model " + type);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  model->train(true);
  PeerResult out;
  for (int e = 0; e < warmup + epochs; ++e) {
    std::int64_t n = 0, correct = 0;
    double running_loss = 0;
    const auto t0 = Clock::now();
    epoch_fn(e, [&](const at::Tensor& x, const at::Tensor& y) {
      const at::Tensor logits = model->forward(x);
      at::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
      opt.zero_grad();
      loss.backward();
      opt.step();
      const std::int64_t b = y.size(0);
      running_loss += loss.item<double>() * double(b);
      correct += (logits.argmax(1) == y).sum().item<std::int64_t>();
      n += b;
    });
    const double s = secondsSince(t0);
    if (e >= warmup) out.epoch_samples_per_s.push_back(s > 0 ? double(n) / s : 0);
  }
  if (!out.epoch_samples_per_s.empty())
    out.samples_per_s =
        *std::max_element(out.epoch_samples_per_s.begin(), out.epoch_samples_per_s.end());
  return out;
}

std::unique_ptr<data::DataLoader> trainLoader(const Workspace& ws, const data::Manifest& m,
                                              const json& transforms, int workers,
                                              data::LoaderOptions::Cache cache, bool shuffle) {
  data::LoaderOptions o;
  o.batch_size = kBatch;
  o.shuffle = shuffle;
  o.seed = 1;
  o.workers = workers;
  o.cache = cache;
  o.mode = shuffle ? data::ImagePipeline::Mode::Train : data::ImagePipeline::Mode::Eval;
  return take(data::DataLoader::create(ws, m, transforms, o), "loader");
}

EpochFn loaderEpochs(data::DataLoader& loader) {
  return [&loader](int epoch, const StepFn& step) {
    loader.startEpoch(epoch);
    for (;;) {
      auto batch = take(loader.next(), "next batch");
      if (!batch) break;
      step(batch->inputs, batch->targets);
    }
  };
}

// The train split decoded and transformed once by our loader, batched by a fresh permutation
// per epoch, as the peer's "tensors" source does.
struct Preloaded {
  at::Tensor x, y;
  EpochFn epochs() const {
    return [this](int, const StepFn& step) {
      const std::int64_t n = x.size(0);
      const at::Tensor perm = torch::randperm(n);
      for (std::int64_t i = 0; i < n; i += kBatch) {
        const at::Tensor idx = perm.slice(0, i, std::min<std::int64_t>(i + kBatch, n));
        step(x.index_select(0, idx), y.index_select(0, idx));
      }
    };
  }
};

Preloaded preload(data::DataLoader& loader) {
  std::vector<at::Tensor> xs, ys;
  loaderEpochs(loader)(0, [&](const at::Tensor& x, const at::Tensor& y) {
    xs.push_back(x);
    ys.push_back(y);
  });
  return {torch::cat(xs), torch::cat(ys)};
}

// --- the cases ---------------------------------------------------------------------------

struct Settings {
  int threads = 1, workers = 2, epochs = 0;
  bool quick = false, keep = false;
  std::string python;
  std::optional<fs::path> dir;
};

struct Case {
  std::string model, dataset, transforms_yaml;
  json transforms;
  std::string peer_args;
  std::string what;  // "LeNet, 28×28 gray PNG digits"
  bool images = true;
  double target = 1.0;  // on the product row, as the issue set it
};

struct Row {
  const Case* c = nullptr;
  Ours ours;                     // the product path
  bool cache_on = false;         // what Cache::Auto resolved to for the product path
  PeerResult plain_files;        // ours, cache off, plain loop (images only)
  PeerResult plain_tensors;      // ours, preloaded, plain loop
  std::map<std::string, PeerResult> peer;
  std::int64_t train_samples = 0;
};

Row runCase(const Workspace& ws, const data::Manifest& m, const Case& c, const Settings& st,
            const std::string& common) {
  Row row;
  row.c = &c;
  row.train_samples = std::count_if(m.samples.begin(), m.samples.end(),
                                    [](const data::Sample& s) { return s.split == data::Split::Train; });
  std::printf("\n%s: ours (product path)...", c.model.c_str());
  std::fflush(stdout);
  row.ours = runOurs(ws, c.model, c.dataset, c.transforms_yaml, st.workers, st.epochs, 50);
  std::printf(" %.1f s; ours (plain loop)...", row.ours.run_seconds);
  std::fflush(stdout);
  const int peer_epochs = st.epochs - 1;
  auto probe = trainLoader(ws, m, c.transforms, st.workers, data::LoaderOptions::Cache::Auto, true);
  row.cache_on = probe->cacheEnabled();
  models::ModelInput input{probe->inputShape(), std::int64_t(probe->classCount()), 0};
  probe.reset();
  auto t0 = Clock::now();
  if (c.images) {
    auto files = trainLoader(ws, m, c.transforms, st.workers, data::LoaderOptions::Cache::Off, true);
    row.plain_files = plainLoop(c.model, input, loaderEpochs(*files), 1, peer_epochs);
  }
  {
    auto once = trainLoader(ws, m, c.transforms, st.workers, data::LoaderOptions::Cache::Off, false);
    const Preloaded pre = preload(*once);
    once.reset();
    row.plain_tensors = plainLoop(c.model, input, pre.epochs(), 1, peer_epochs);
  }
  std::printf(" %.1f s; PyTorch...", secondsSince(t0));
  std::fflush(stdout);
  t0 = Clock::now();
  row.peer = runPeer(st.python, c.peer_args + common);
  std::printf(" %.1f s\n", secondsSince(t0));
  std::printf("  per-epoch samples/s  ours, product path: %s\n",
              rates(row.ours.epoch_samples_per_s).c_str());
  if (c.images)
    std::printf("  per-epoch samples/s  ours, plain loop, files, cache off: %s\n",
                rates(row.plain_files.epoch_samples_per_s).c_str());
  std::printf("  per-epoch samples/s  ours, plain loop, preloaded tensors: %s\n",
              rates(row.plain_tensors.epoch_samples_per_s).c_str());
  for (const auto& [source, p] : row.peer)
    std::printf("  per-epoch samples/s  PyTorch %s: %s\n", source.c_str(),
                rates(p.epoch_samples_per_s).c_str());
  return row;
}

// One comparison: a console line and a README row.
void report(const std::string& figure, const std::string& compared, double ours,
            const PeerResult* peer, std::optional<double> target) {
  const double theirs = peer ? peer->samples_per_s : 0;
  const double ratio = theirs > 0 ? ours / theirs : 0;
  std::string result = "info";
  if (!peer || theirs <= 0)
    result = "NO PEER";
  else if (target)
    result = ratio >= *target ? "PASS" : "FAIL";
  std::printf("  %-60s %10.0f %10.0f %7sx  %s\n", compared.substr(0, 60).c_str(), ours, theirs,
              wb::formatFixed(ratio, 2).c_str(), result.c_str());
  bench::readmeRow(figure, compared, bench::versus(ours, theirs, "samples/s"),
                   target ? "≥ " + wb::formatFixed(*target, 1) + "× (" + result + ")" : "—");
}

void reportRow(const Row& r, const Settings& st) {
  auto find = [&](const std::string& s) -> const PeerResult* {
    auto it = r.peer.find(s);
    return it == r.peer.end() ? nullptr : &it->second;
  };
  const std::string figure = "Training " + r.c->what + ", " + std::to_string(r.train_samples) +
                             " train samples, batch " + std::to_string(kBatch);
  const std::string setup = "; " + std::to_string(st.workers) + " loader workers and " +
                            std::to_string(st.threads) + " intra-op thread(s) on each side";
  const std::string threads = "; " + std::to_string(st.threads) + " intra-op thread(s) on each side";
  std::printf("\n%s\n", figure.c_str());
  if (!r.c->images) {
    report(figure, "ours (whole product path, table in memory) vs PyTorch loop on preloaded tensors" + setup,
           r.ours.best(), find("tensors"), r.c->target);
    report(figure, "plain loop vs plain loop, both on the same preloaded tensors" + threads,
           r.plain_tensors.samples_per_s, find("tensors"), std::nullopt);
    if (find("dataloader"))
      std::printf("  (PyTorch through DataLoader(TensorDataset): %.0f samples/s)\n",
                  find("dataloader")->samples_per_s);
    return;
  }
  const std::string cache = r.cache_on ? "ours with its decoded-sample cache (each image decoded once, then read from memory)"
                                       : "ours (decoded-sample cache on auto: off at this size)";
  report(figure, cache + " vs PyTorch DataLoader decoding every file with PIL every epoch" + setup,
         r.ours.best(), find("files"), r.c->target);
  report(figure, "files, no cache on either side: our loader (cache off) vs PyTorch DataLoader (PIL), same plain loop" + setup,
         r.plain_files.samples_per_s, find("files"), std::nullopt);
  report(figure, "preloaded tensors on both sides (decoded once, no decoding while training), same plain loop" + threads,
         r.plain_tensors.samples_per_s, find("tensors"), std::nullopt);
}

void reportOverhead(const Workspace& ws, const std::vector<Row>& rows, const Settings& st) {
  std::printf("\nour step-time breakdown, ms per step (mean of the epochs after the first), and "
              "logging+events overhead (target < 2%%):\n");
  std::printf("%-13s %7s %8s %9s %9s %8s %8s %8s %9s  %s\n", "model", "data", "forward", "backward",
              "optimizer", "metrics", "logging", "total", "logging%", "result");
  auto line = [](const std::string& name, const Ours& o, const std::string& result) {
    const auto& s = o.step_ms;
    const double total = o.stepTotal();
    const double pct = total > 0 ? 100.0 * s.at("logging") / total : 0;
    std::printf("%-13s %7.3f %8.3f %9.3f %9.3f %8.4f %8.4f %8.3f %8.2f%%  %s\n", name.c_str(),
                s.at("data"), s.at("forward"), s.at("backward"), s.at("optimizer"), s.at("metrics"),
                s.at("logging"), total, pct, result.empty() ? (pct < 2.0 ? "PASS" : "FAIL") : result.c_str());
    return pct;
  };
  std::string shares;
  for (const Row& r : rows) {
    const double pct = line(r.c->model, r.ours, "");
    shares += (shares.empty() ? "" : ", ") + r.c->model + " " + wb::formatFixed(pct, 2) + "%";
  }
  // The worst case: a metric point and an event on every step (log_every_n_steps: 1).
  const Ours every = runOurs(ws, "mlp", "table", "[{name: standardize}]", st.workers, st.epochs, 1);
  const double pct = line("mlp, log 1/1", every,
                          "info (every step logged; samples/s " + std::to_string(std::llround(every.best())) + ")");
  bench::readmeRow("Logging and events per training step", "share of our step time spent on tracking, logging every 50 steps (and every step)",
                   shares + " (mlp every step: " + wb::formatFixed(pct, 2) + "%)", "< 2%");
}

Settings parseArgs(int argc, char** argv) {
  Settings st;
  st.python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a, "needs a value");
      return argv[++i];
    };
    auto number = [&](int lo) {
      const auto v = wb::parseInt(value());
      if (!v) die(a, "needs a whole number");
      return std::max(lo, int(*v));
    };
    if (a == "--threads") st.threads = number(1);
    else if (a == "--workers") st.workers = number(0);
    else if (a == "--epochs") st.epochs = number(2);
    else if (a == "--python") st.python = value();
    else if (a == "--quick") st.quick = true;
    else if (a == "--keep") st.keep = true;
    else if (a == "-h" || a == "--help") {
      std::printf("bench_train [DIR] [--quick] [--threads T] [--workers W] [--epochs E] "
                  "[--python PATH] [--keep]\n");
      std::exit(0);
    } else if (!a.empty() && a[0] != '-' && !st.dir) st.dir = fs::path(a);
    else die(a, "unknown argument");
  }
  if (st.epochs == 0) st.epochs = st.quick ? 2 : 4;  // ours: the first epoch is the warm-up
  return st;
}

fs::path makeRoot(const Settings& st, bool& temporary) {
  temporary = false;
  if (st.dir) {
    fs::create_directories(*st.dir);
    return *st.dir;
  }
  std::string templ = (fs::temp_directory_path() / "wb-bench-train-XXXXXX").string();
  if (!::mkdtemp(templ.data())) die("mkdtemp", templ);
  temporary = true;
  return templ;
}

}  // namespace

int main(int argc, char** argv) {
  const Settings st = parseArgs(argc, argv);
  const int peer_epochs = st.epochs - 1;  // peer and plain loops: one warm-up epoch, then these
  demo::DemoDataOptions demo_opts;
  demo_opts.digits_per_class = st.quick ? 200 : 500;
  demo_opts.shapes_per_class = st.quick ? 150 : 1000;
  demo_opts.headlines = 20;
  const int table_rows = st.quick ? 5000 : 20000;

  at::set_num_threads(st.threads);
  bool temporary = false;
  const fs::path root = makeRoot(st, temporary);
  std::printf("bench_train: %s\n  batch %d, %d intra-op thread(s) on both sides, %d loader "
              "workers, ours %d epochs (first = warm-up), plain loops 1 warm-up + %d\n",
              root.string().c_str(), kBatch, st.threads, st.workers, st.epochs, peer_epochs);

  const auto t_all = Clock::now();
  const fs::path src = root / ("src-" + std::to_string(demo_opts.digits_per_class) + "-" +
                               std::to_string(demo_opts.shapes_per_class));
  if (!fs::exists(src / ".generated")) {
    const auto t0 = Clock::now();
    if (auto s = demo::writeDemoDatasets(src, demo_opts); !s) die("demo data", s.error().text());
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

  const std::string common = " --batch " + std::to_string(kBatch) + " --threads " +
                             std::to_string(st.threads) + " --workers " + std::to_string(st.workers) +
                             " --warmup 1 --epochs " + std::to_string(peer_epochs);
  const std::vector<Case> cases = {
      {"mlp", "table", "[{name: standardize}]", json::parse(R"([{"name": "standardize"}])"),
       "--model mlp --classes " + std::to_string(table.classes.size()) + " --table '" +
           writeTableRows(table, root / "table_train.csv").string() + "' --sources tensors,dataloader",
       "MLP, table of 20 features", false, 1.5},
      {"lenet", "digits", "[{name: normalize, mean: [0.1307], std: [0.3081]}]",
       json::parse(R"([{"name": "normalize", "mean": [0.1307], "std": [0.3081]}])"),
       "--model lenet --classes " + std::to_string(digits.classes.size()) + " --list '" +
           writeImageList(ws, digits, root / "digits_train.list").string() +
           "' --mode L --mean 0.1307 --std 0.3081 --sources files,tensors",
       "LeNet, 28×28 gray PNG digits", true, 1.5},
      {"resnet_small", "shapes",
       "[{name: resize, size: 32}, {name: normalize, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}]",
       json::parse(R"([{"name": "resize", "size": 32},
                       {"name": "normalize", "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}])"),
       "--model resnet_small --classes " + std::to_string(shapes.classes.size()) + " --list '" +
           writeImageList(ws, shapes, root / "shapes_train.list").string() +
           "' --mode RGB --resize 32 --mean 0.5 0.5 0.5 --std 0.25 0.25 0.25 --sources files,tensors",
       "small ResNet, 64×64 RGB JPEG shapes resized to 32×32", true, 1.0},
  };
  const std::vector<const data::Manifest*> manifests = {&table, &digits, &shapes};

  std::vector<Row> rows;
  for (std::size_t i = 0; i < cases.size(); ++i)
    rows.push_back(runCase(ws, *manifests[i], cases[i], st, common));

  std::printf("\ntraining throughput, samples/s (best epoch of each side):\n");
  std::printf("  %-60s %10s %10s %8s  %s\n", "compared", "ours", "PyTorch", "ratio", "result");
  for (const Row& r : rows) reportRow(r, st);
  reportOverhead(ws, rows, st);

  std::printf("\nwhole runs (ours, incl. validation, checkpoints, test): ");
  for (const Row& r : rows)
    std::printf("%s %.1f s (%zu events)  ", r.c->model.c_str(), r.ours.run_seconds, r.ours.events);
  std::printf("\ntotal bench time %.0f s\n", secondsSince(t_all));
  std::fflush(stdout);
  if (temporary && !st.keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}
