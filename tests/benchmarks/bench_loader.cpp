// bench_loader: DataLoader throughput against PyTorch's Dataset/DataLoader on the same files.
//
//   bench_loader [DIR] [--workers N] [--epochs E] [--quick] [--python PATH] [--keep]
//
// Generates (deterministically) 28×28 grayscale PNGs in 10 class folders and 256×256 RGB
// JPEGs in 2 class folders, imports both into a workspace, then for each set runs our loader
// (N workers, batch 64, shuffle, train mode) for a warm-up epoch and E timed epochs, and runs
// bench_loader_peer.py (torch.utils.data.DataLoader with N worker processes) over the very
// same object files in three idioms: PIL + ToTensor + Normalize per sample, PIL with the float
// conversion batched, and torchvision.io decode on uint8 tensors with the conversion batched.
// Ours is compared with the BEST of them (named in the row). Prints samples/s of every side,
// the ratio and PASS/FAIL against the ≥ 2× target, a single-thread timing breakdown, and
// "readme-row:" lines for the README's figures table.
// With DIR the generated files and workspace are kept there and reused by later runs;
// without it a temporary folder is used and removed (unless --keep). Exits 0 when it could
// measure: it is a report, not a test. Not registered with ctest.

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/dataset_repository.h"
#include "core/data/image_codec.h"
#include "core/data/image_ops.h"
#include "core/data/importer.h"
#include "core/data/loader.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "tests/benchmarks/bench_rows.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace wb::data;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBatch = 64;
constexpr double kTargetRatio = 2.0;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

[[noreturn]] void die(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "bench_loader: %s: %s\n", what.c_str(), why.c_str());
  std::exit(2);
}

template <class T>
T take(wb::Result<T> r, const std::string& what) {
  if (!r) die(what, r.error().text());
  return std::move(r).value();
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) die("write", path.string());
}

// A digit-like stroke figure on a dark background with a little noise.
Image grayImage(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Image img = Image::zeros(28, 28, 1);
  const double cx = 14 + double(rng() % 7) - 3, cy = 14 + double(rng() % 7) - 3;
  const double r = 5 + double(rng() % 5), thick = 1.5 + double(rng() % 3) * 0.5;
  const double a = double(rng() % 628) / 100.0;
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      const double dx = x - cx, dy = y - cy;
      const double ring = std::abs(std::sqrt(dx * dx + dy * dy) - r);
      const double bar = std::abs(dx * std::cos(a) + dy * std::sin(a));
      const double d = std::min(ring, bar * 1.5);
      double v = d < thick ? 255 * (1 - d / (thick * 1.6)) : 0;
      v += double(rng() % 24);
      img.row(y)[x] = std::uint8_t(std::clamp(v, 0.0, 255.0));
    }
  return img;
}

// Smooth colour fields, edges and grain: JPEG-decodes like a photo, not like a flat fill.
Image rgbImage(std::uint64_t seed, int side) {
  std::mt19937_64 rng(seed);
  auto uni = [&](double lo, double hi) { return lo + (hi - lo) * double(rng() >> 11) * 0x1.0p-53; };
  double fx[3], fy[3], ph[3];
  for (int c = 0; c < 3; ++c) {
    fx[c] = uni(0.01, 0.12);
    fy[c] = uni(0.01, 0.12);
    ph[c] = uni(0, 6.28);
  }
  const int bx = int(rng() % side), by = int(rng() % side), bw = 30 + int(rng() % 90);
  Image img = Image::zeros(side, side, 3);
  for (int y = 0; y < side; ++y) {
    std::uint8_t* row = img.row(y);
    for (int x = 0; x < side; ++x) {
      const bool box = x >= bx && x < bx + bw && y >= by && y < by + bw;
      for (int c = 0; c < 3; ++c) {
        double v = 128 + 90 * std::sin(fx[c] * x + ph[c]) * std::cos(fy[c] * y + ph[c] * 0.5);
        if (box) v = 255 - v * 0.6;
        v += double(rng() % 33) - 16;
        row[x * 3 + c] = std::uint8_t(std::clamp(v, 0.0, 255.0));
      }
    }
  }
  return img;
}

// Writes `count` images into `classes` folders unless a marker says they are there already.
void generate(const fs::path& dir, int count, int classes, bool jpeg) {
  const fs::path marker = dir / (".generated-" + std::to_string(count));
  if (fs::exists(marker)) return;
  fs::remove_all(dir);
  for (int c = 0; c < classes; ++c) fs::create_directories(dir / ("class" + std::to_string(c)));
  const auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    const int cls = i % classes;
    const fs::path file = dir / ("class" + std::to_string(cls)) /
                          ((jpeg ? "img" : "digit") + std::to_string(i) + (jpeg ? ".jpg" : ".png"));
    const Image img = jpeg ? rgbImage(1000003ull * i + 17, 256) : grayImage(7919ull * i + 3);
    writeFile(file, take(jpeg ? encodeJpeg(img, 90) : encodePng(img), "encode"));
  }
  writeFile(marker, "");
  std::printf("  generated %d %s in %.1f s\n", count, jpeg ? "256x256 JPEGs" : "28x28 PNGs",
              secondsSince(t0));
}

Manifest importSet(const wb::Workspace& ws, const std::string& name, const fs::path& source,
                   int expected) {
  if (auto db = ws.connect(); db) {
    DatasetRepository repo(**db);
    if (auto v = repo.resolve(name + "@latest"); v && v->sample_count == expected) {
      return take(loadManifest(ws, *v), "manifest " + name);
    }
  }
  ImportOptions o;
  o.dataset = name;
  o.format = SourceFormat::ImageFolder;
  o.source = source;
  o.split.train = 1.0;  // every sample in the train split: both sides read all files
  o.split.val = 0;
  o.split.test = 0;
  const auto t0 = Clock::now();
  auto result = take(importDataset(ws, o), "import " + name);
  std::printf("  imported %zu samples of %s in %.1f s\n", result.samples, name.c_str(),
              secondsSince(t0));
  return take(loadManifest(ws, result.version), "manifest " + name);
}

struct Measured {
  double samples_per_s = 0;  // over all timed epochs
  double seconds = 0;
  std::size_t samples = 0;
  std::vector<double> epoch_samples_per_s;

  // The least disturbed epoch: the machine is shared, so other work only ever slows a side.
  double best() const {
    return epoch_samples_per_s.empty()
               ? samples_per_s
               : *std::max_element(epoch_samples_per_s.begin(), epoch_samples_per_s.end());
  }
};

std::string rates(const Measured& m) {
  std::string out;
  for (double r : m.epoch_samples_per_s) {
    out += (out.empty() ? "" : ", ") + std::to_string(static_cast<long long>(std::lround(r)));
  }
  return out;
}

Measured runOurs(const wb::Workspace& ws, const Manifest& m, const json& transforms, int workers,
                 int epochs, LoaderOptions::Cache cache) {
  LoaderOptions o;
  o.batch_size = kBatch;
  o.shuffle = true;
  o.seed = 1;
  o.workers = workers;
  o.cache = cache;
  o.mode = ImagePipeline::Mode::Train;
  auto loader = take(DataLoader::create(ws, m, transforms, o), "create loader");
  auto epoch = [&](int e) {
    std::size_t n = 0;
    loader->startEpoch(e);
    for (;;) {
      auto batch = take(loader->next(), "next batch");
      if (!batch) break;
      n += static_cast<std::size_t>(batch->inputs.size(0));
    }
    return n;
  };
  epoch(0);  // warm-up: page cache, allocator, and the decoded cache when it is on
  Measured out;
  for (int e = 1; e <= epochs; ++e) {
    const auto t0 = Clock::now();
    const std::size_t n = epoch(e);
    const double s = secondsSince(t0);
    out.samples += n;
    out.seconds += s;
    out.epoch_samples_per_s.push_back(double(n) / s);
  }
  out.samples_per_s = double(out.samples) / out.seconds;
  return out;
}

// Every idiom's figures by name ("pil", "pil_batched", "tvio"); empty when the peer failed.
std::map<std::string, Measured> runPeer(const std::string& python, const fs::path& list,
                                        const std::string& set, int workers, int epochs) {
  const std::string cmd = "'" + python + "' '" + WB_LOADER_PEER_SCRIPT + "' --list '" +
                          list.string() + "' --set " + set + " --workers " +
                          std::to_string(workers) + " --batch " + std::to_string(kBatch) +
                          " --warmup 1 --epochs " + std::to_string(epochs);
  std::map<std::string, Measured> results;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return results;
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int rc = ::pclose(pipe);
  const auto line = out.rfind("{\"torch\"");
  if (rc != 0 || line == std::string::npos) {
    std::fprintf(stderr, "bench_loader: the PyTorch peer failed (exit %d): %s\n", rc, out.c_str());
    return results;
  }
  try {
    const json j = json::parse(out.substr(line));
    for (const auto& [idiom, r] : j.at("results").items()) {
      Measured m;
      m.samples_per_s = r.at("samples_per_s").get<double>();
      m.seconds = r.at("seconds").get<double>();
      m.samples = r.at("samples").get<std::size_t>();
      m.epoch_samples_per_s = r.value("epoch_samples_per_s", std::vector<double>{});
      results[idiom] = m;
    }
  } catch (const std::exception&) {
    std::fprintf(stderr, "bench_loader: unreadable peer output: %s\n", out.c_str());
  }
  return results;
}

fs::path writeList(const wb::Workspace& ws, const Manifest& m, const fs::path& file) {
  std::ofstream out(file, std::ios::trunc);
  for (const Sample& s : m.samples) {
    const auto cls = std::find(m.classes.begin(), m.classes.end(), s.label) - m.classes.begin();
    out << samplePath(ws, m, s).string() << ',' << cls << '\n';
  }
  return file;
}

// Single-thread cost of each stage over the first `count` samples, in µs per sample.
void breakdown(const wb::Workspace& ws, const Manifest& m, const json& transforms, int count) {
  auto pipeline = take(ImagePipeline::fromJson(transforms), "pipeline");
  const Sample& first = m.samples.front();
  int w = 0, h = 0, c = 0;
  pipeline.outputShape(first.width, first.height, first.channels, w, h, c);
  std::vector<float> out(std::size_t(w) * h * c);
  double read_s = 0, decode_s = 0, apply_s = 0;
  count = std::min<int>(count, int(m.samples.size()));
  std::mt19937_64 rng(1);
  for (int i = 0; i < count; ++i) {
    const auto path = samplePath(ws, m, m.samples[std::size_t(i)]);
    auto t0 = Clock::now();
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    read_s += secondsSince(t0);
    t0 = Clock::now();
    auto img = take(decodeImage(bytes.data(), bytes.size(), 0), "decode");
    decode_s += secondsSince(t0);
    t0 = Clock::now();
    if (auto s = pipeline.apply(img, ImagePipeline::Mode::Train, rng, out.data(), w, h, c); !s)
      die("apply", s.error().text());
    apply_s += secondsSince(t0);
  }
  std::printf("    per sample, 1 thread: read %.1f us, decode %.1f us, transform %.1f us\n",
              1e6 * read_s / count, 1e6 * decode_s / count, 1e6 * apply_s / count);
}

struct Row {
  std::string figure, compared;
  Measured ours;
  const std::map<std::string, Measured>* peer;  // by idiom
};

// The peer idiom with the best epoch, or null.
const std::pair<const std::string, Measured>* bestPeer(const std::map<std::string, Measured>& peer) {
  const std::pair<const std::string, Measured>* best = nullptr;
  for (const auto& entry : peer)
    if (!best || entry.second.best() > best->second.best()) best = &entry;
  return best;
}

void report(const std::vector<Row>& rows, int workers) {
  std::printf("\nper-epoch samples/s:\n");
  for (const Row& r : rows) {
    std::printf("  %s\n    %s\n    ours: %s\n", r.figure.c_str(), r.compared.c_str(),
                rates(r.ours).c_str());
    for (const auto& [idiom, m] : *r.peer)
      std::printf("    PyTorch %-12s %s\n", (idiom + ":").c_str(), rates(m).c_str());
  }
  std::printf("\nbest epoch of each side, samples/s, against the best PyTorch idiom:\n");
  std::printf("%-60s %7s %10s %10s %-12s %7s  %s\n", "compared", "workers", "ours", "PyTorch",
              "idiom", "ratio", "result");
  for (const Row& r : rows) {
    const auto* best = bestPeer(*r.peer);
    const double theirs = best ? best->second.best() : 0;
    const double ratio = theirs > 0 ? r.ours.best() / theirs : 0;
    const std::string result = !best ? "NO PEER" : ratio >= kTargetRatio ? "PASS" : "FAIL";
    std::printf("%-60s %7d %10.0f %10.0f %-12s %6sx  %s\n", r.compared.substr(0, 60).c_str(),
                workers, r.ours.best(), theirs, best ? best->first.c_str() : "n/a",
                wb::formatFixed(ratio, 2).c_str(), result.c_str());
    std::string others;
    for (const auto& [idiom, m] : *r.peer)
      others += (others.empty() ? "" : ", ") + idiom + " " + wb::bench::grouped(m.best());
    wb::bench::readmeRow(r.figure, r.compared + " (PyTorch idioms, samples/s: " + others + ")",
                     wb::bench::versus(r.ours.best(), theirs, "samples/s") +
                         (best ? " against `" + best->first + "`" : ""),
                     "≥ 2× (" + result + ")");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<fs::path> dir;
  int workers = 2;
  int epochs = 3;
  bool quick = false, keep = false;
  std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a, "needs a value");
      return argv[++i];
    };
    if (a == "--workers") {
      workers = std::max(1, int(wb::parseInt(value()).value_or(1)));
    } else if (a == "--epochs") {
      epochs = std::max(1, int(wb::parseInt(value()).value_or(1)));
    } else if (a == "--python") {
      python = value();
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--keep") {
      keep = true;
    } else if (a == "-h" || a == "--help") {
      std::printf(
          "bench_loader [DIR] [--workers N] [--epochs E] [--quick] [--python PATH] [--keep]\n");
      return 0;
    } else if (!a.empty() && a[0] != '-' && !dir) {
      dir = fs::path(a);
    } else {
      die(a, "unknown argument");
    }
  }
  const int gray_count = quick ? 2000 : 20000;
  const int rgb_count = quick ? 200 : 2000;
  if (quick) epochs = 1;

  at::set_num_threads(1);  // as the peer: the loader's own threads are the parallelism
  fs::path root;
  bool temporary = false;
  if (dir) {
    root = *dir;
    fs::create_directories(root);
  } else {
    std::string templ = (fs::temp_directory_path() / "wb-bench-loader-XXXXXX").string();
    if (!::mkdtemp(templ.data())) die("mkdtemp", templ);
    root = templ;
    temporary = true;
  }
  std::printf("bench_loader: %s, %d workers, batch %d, %d timed epoch(s) after 1 warm-up\n",
              root.string().c_str(), workers, kBatch, epochs);
  generate(root / "gray28", gray_count, 10, false);
  generate(root / "rgb256", rgb_count, 2, true);

  const fs::path ws_dir = root / "ws";
  wb::Workspace ws = wb::Workspace::isWorkspace(ws_dir)
                         ? take(wb::Workspace::open(ws_dir), "open")
                         : take(wb::Workspace::create(ws_dir), "create");
  const Manifest gray = importSet(ws, "gray28", root / "gray28", gray_count);
  const Manifest rgb = importSet(ws, "rgb256", root / "rgb256", rgb_count);
  const fs::path gray_list = writeList(ws, gray, root / "gray28.list");
  const fs::path rgb_list = writeList(ws, rgb, root / "rgb256.list");

  const json gray_tf = json::parse(R"([{"name": "normalize", "mean": [0.1307], "std": [0.3081]}])");
  const json rgb_tf = json::parse(R"([{"name": "random_crop", "size": 224}, {"name": "hflip"},
      {"name": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}])");

  std::printf("\nsingle-thread breakdown of our loader's per-sample work:\n");
  std::printf("  28x28 gray PNG:\n");
  breakdown(ws, gray, gray_tf, 2000);
  std::printf("  256x256 RGB JPEG -> 224 crop + flip + normalize:\n");
  breakdown(ws, rgb, rgb_tf, 300);

  std::printf("\nrunning (ours, then PyTorch for each set)...\n");
  const auto gray_peer = runPeer(python, gray_list, "gray28", workers, epochs);
  const auto rgb_peer = runPeer(python, rgb_list, "rgb224", workers, epochs);
  const std::string n = std::to_string(workers) + " workers each side, batch " +
                        std::to_string(kBatch) + ", best epoch of " + std::to_string(epochs);
  const std::vector<Row> rows = {
      {"Loader, 28×28 gray PNG (" + wb::bench::grouped(gray_count) + " files), normalize",
       "files, no cache: ours (cache off) vs the best PyTorch DataLoader idiom; " + n,
       runOurs(ws, gray, gray_tf, workers, epochs, LoaderOptions::Cache::Off), &gray_peer},
      {"Loader, 28×28 gray PNG (" + wb::bench::grouped(gray_count) + " files), normalize",
       "ours reading its decoded-sample cache (files decoded once) vs the best PyTorch "
       "DataLoader idiom decoding every epoch; " + n,
       runOurs(ws, gray, gray_tf, workers, epochs, LoaderOptions::Cache::Auto), &gray_peer},
      {"Loader, 256×256 RGB JPEG (" + wb::bench::grouped(rgb_count) +
           " files) → random 224 crop + flip + normalize",
       "files, no cache: ours (cache off) vs the best PyTorch DataLoader idiom; " + n,
       runOurs(ws, rgb, rgb_tf, workers, epochs, LoaderOptions::Cache::Off), &rgb_peer},
  };
  report(rows, workers);
  std::fflush(stdout);
  if (temporary && !keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}
