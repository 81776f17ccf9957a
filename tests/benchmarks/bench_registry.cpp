// bench_registry: the model registry's figures on the demo workspace, printed as a report.
//
//   bench_registry [DIR] [--workspace WS] [--repeats N] [--versions N] [--keep]
//
// Without --workspace, creates the demo workspace as `wb demo` does (createDemoWorkspace:
// digits-cnn@production, iris@production, iris@staging) in a temporary folder under DIR
// (default: the system temp folder). With --workspace, uses that demo workspace; the register
// figure then adds versions named bench-<model> to it and deletes them again.
// For each demo model (its @production version): register time (packageRun +
// registerVersion), bundle size, export time (bundle bytes out of the registry to a file), load
// time (loadBundleFile + checkExamples), ONNX export time (exportOnnx) and parity
// (checkOnnxParity's max abs diff against LibTorch). Then the listing: N versions (1,000)
// registered in a fresh workspace with a trivial BundleMaker, and the median time of
// ModelRegistry::allVersions(). Exits 0 when it could measure: a report, not a test.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "core/demo/demo_workspace.h"
#include "core/objects/object_store.h"
#include "core/registry/onnx_export.h"
#include "core/registry/packaging.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "tests/benchmarks/bench_rows.h"

namespace fs = std::filesystem;
using namespace wb;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kActor = "bench_registry";
constexpr double kParityTarget = 1e-4;
constexpr double kListingTargetMs = 100;  // "shown instantly"

int g_failed = 0;

// The README rows, printed after the table so the table reads as one block.
struct Row {
  std::string figure, compared, measured, target;
};
std::vector<Row> g_rows;
void row(std::string figure, std::string compared, std::string measured, std::string target) {
  g_rows.push_back({std::move(figure), std::move(compared), std::move(measured), std::move(target)});
}

[[noreturn]] void die(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "bench_registry: %s: %s\n", what.c_str(), why.c_str());
  std::exit(1);
}

template <class T>
T take(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error().text());
  return std::move(*r);
}

// Median seconds of REPEATS calls of F.
double medianSeconds(int repeats, const std::function<void()>& f) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    f();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::string ms(double seconds) { return formatFixed(seconds * 1000, seconds < 0.01 ? 2 : 1) + " ms"; }

struct Args {
  fs::path dir = fs::temp_directory_path();
  fs::path workspace;  // empty: create the demo
  int repeats = 5;
  int versions = 1000;
  bool keep = false;
};

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg, "needs a value");
      return argv[++i];
    };
    auto number = [&](int min) {
      const auto n = parseInt(value());
      if (!n || *n < min) die(arg, "needs a number ≥ " + std::to_string(min));
      return static_cast<int>(*n);
    };
    if (arg == "--workspace") a.workspace = value();
    else if (arg == "--repeats") a.repeats = number(1);
    else if (arg == "--versions") a.versions = number(1);
    else if (arg == "--keep") a.keep = true;
    else if (arg == "-h" || arg == "--help") {
      std::printf("usage: bench_registry [DIR] [--workspace WS] [--repeats N] [--versions N] [--keep]\n");
      std::exit(0);
    } else if (!arg.starts_with("-")) a.dir = arg;
    else die(arg, "unknown option");
  }
  return a;
}

struct ModelFigures {
  std::string ref;  // "digits-cnn@production"
  std::string type;
  double register_s = 0;
  std::int64_t bundle_bytes = 0;
  double export_s = 0;
  double load_s = 0;
  int examples = 0;
  double onnx_s = 0;
  std::size_t onnx_bytes = 0;
  double parity = -1;  // < 0: not exported
  std::string runtime;
  std::string onnx_error;
};

// packageRun + registerVersion of V's run as bench-<model>, REPEATS times; the versions are
// deleted afterwards so a given workspace keeps only what it had (plus the empty name).
double registerSeconds(const Workspace& ws, registry::ModelRegistry& reg, const registry::ModelVersion& v,
                       int repeats) {
  const std::string name = "bench-" + v.model;
  std::vector<int> made;
  const double s = medianSeconds(repeats, [&] {
    registry::PackageOptions po;
    po.run_id = v.run_id;
    auto packaged = take(registry::packageRun(ws, po), "packageRun " + v.model);
    registry::NewVersion nv = packaged.version;
    nv.name = name;
    nv.actor = kActor;
    const auto& files = packaged.files;
    auto r = take(reg.registerVersion(nv, [&files](const std::string& n, int number) {
      return registry::finishBundle(files, n, number);
    }), "registerVersion " + name);
    made.push_back(r.version);
  });
  for (int number : made) take(reg.deleteVersion(name, number, kActor), "deleteVersion " + name);
  return s;
}

void measureOnnx(const registry::LoadedModel& loaded, int repeats, ModelFigures& f) {
  auto first = registry::exportOnnx(loaded);
  if (!first) {
    f.onnx_error = first.error().text();
    return;
  }
  f.onnx_bytes = first->size();
  f.onnx_s = medianSeconds(repeats, [&] { take(registry::exportOnnx(loaded), "exportOnnx " + f.ref); });
  auto batch = take(registry::exampleBatch(loaded.files), "exampleBatch " + f.ref);
  auto parity = take(registry::checkOnnxParity(*first, batch), "checkOnnxParity " + f.ref);
  f.parity = parity.max_abs_diff;
  f.runtime = parity.runtime;
}

ModelFigures measureModel(const Workspace& ws, registry::ModelRegistry& reg, const std::string& ref,
                          const fs::path& scratch, int repeats) {
  ModelFigures f;
  f.ref = ref;
  const auto v = take(reg.resolve(ref), "resolve " + ref);
  f.type = v.model_type;
  f.bundle_bytes = v.size_bytes;
  f.register_s = registerSeconds(ws, reg, v, repeats);

  const fs::path file = scratch / (v.model + ".wbmodel");
  f.export_s = medianSeconds(repeats, [&] {
    const auto bytes = take(reg.bundleBytes(v), "bundleBytes " + ref);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) die("write", file.string());
  });
  f.load_s = medianSeconds(repeats, [&] {
    auto loaded = take(registry::loadBundleFile(file), "loadBundleFile " + file.string());
    const auto check = take(registry::checkExamples(loaded), "checkExamples " + ref);
    if (!check.passed) die("checkExamples " + ref, "examples differ by " + formatGeneral(check.max_abs_diff, 3));
    f.examples = check.count;
  });
  auto loaded = take(registry::loadBundleFile(file), "loadBundleFile " + file.string());
  measureOnnx(loaded, repeats, f);
  return f;
}

void printModel(const ModelFigures& f, int repeats) {
  const std::string what = f.ref + " (" + f.type + ")";
  std::printf("%-28s %10s %12s %12s %14s %12s %12s  %s\n", what.c_str(), formatBytes(f.bundle_bytes).c_str(),
              ms(f.register_s).c_str(), ms(f.export_s).c_str(), ms(f.load_s).c_str(),
              f.parity < 0 ? "refused" : ms(f.onnx_s).c_str(),
              f.parity < 0 ? "-" : formatGeneral(f.parity, 2).c_str(),
              f.parity < 0 ? f.onnx_error.c_str() : (f.parity <= kParityTarget ? "PASS" : "FAIL"));
  if (f.parity > kParityTarget) ++g_failed;
  const std::string median = "median of " + std::to_string(repeats);
  row("Register " + what + ", its bundle",
                   "ours alone: register = packageRun + registerVersion of the demo run's best checkpoint; "
                   "export = bundle bytes from the registry to a file; load = loadBundleFile + checkExamples (" +
                       std::to_string(f.examples) + " examples); " + median,
                   "register " + ms(f.register_s) + ", bundle " + formatBytes(f.bundle_bytes) + ", export " +
                       ms(f.export_s) + ", load " + ms(f.load_s),
                   "measured");
  if (f.parity < 0) {
    row("ONNX export of " + what, "exportOnnx", "refused: " + f.onnx_error, "—");
    return;
  }
  row("ONNX export of " + what + ", parity",
                   "exportOnnx (opset " + std::to_string(registry::kOnnxOpset) + ", " + median +
                       "); parity: max abs diff of " + f.runtime + " against LibTorch on the bundle's examples",
                   ms(f.onnx_s) + " (" + formatBytes(f.onnx_bytes) + "), max abs diff " + formatGeneral(f.parity, 2),
                   "≤ 1e-4 (" + std::string(f.parity <= kParityTarget ? "PASS" : "FAIL") + ")");
}

// N versions over 20 names in a fresh workspace; each row carries TEMPLATE's signature,
// metrics and lineage (a real version's), its bundle is a few bytes (trivial BundleMaker).
void measureListing(const fs::path& dir, const registry::ModelVersion& templ, int versions, int repeats) {
  auto ws = take(Workspace::create(dir, "bench_registry listing"), "create " + dir.string());
  auto db = take(ws.connect(), "connect");
  objects::ObjectStore objects(ws.objectsDir());
  registry::ModelRegistry reg(*db, objects);
  const auto t0 = Clock::now();
  for (int i = 0; i < versions; ++i) {
    registry::NewVersion nv;
    nv.name = "model-" + std::to_string(i % 20);
    nv.model_type = templ.model_type;
    nv.run_id = templ.run_id;
    nv.dataset = templ.dataset;
    nv.signature = templ.signature;
    nv.metrics = templ.metrics;
    nv.lineage = templ.lineage;
    nv.tags = {{"owner", "bench"}, {"batch", std::to_string(i / 100)}};
    if (i < 20) nv.alias = "production";
    nv.actor = kActor;
    take(reg.registerVersion(nv, [](const std::string& name, int number) -> Result<std::string> {
      return "bench bundle " + name + "/" + std::to_string(number);
    }), "registerVersion " + nv.name);
  }
  const double register_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::size_t rows = 0;
  const int list_repeats = std::max(repeats, 21);
  const double list_s = medianSeconds(list_repeats, [&] { rows = take(reg.allVersions(), "allVersions").size(); });
  const double models_s = medianSeconds(list_repeats, [&] { take(reg.models(), "models"); });
  // The floor set by JSON alone: parsing each row's signature, metrics and lineage text.
  const std::string sig = templ.signature.dump(), met = templ.metrics.dump(), lin = templ.lineage.dump();
  const double parse_s = medianSeconds(5, [&] {
    for (std::size_t i = 0; i < rows; ++i) {
      auto a = nlohmann::json::parse(sig), b = nlohmann::json::parse(met), c = nlohmann::json::parse(lin);
      if (a.is_null() && b.is_null() && c.is_null()) die("parse", "empty");
    }
  });
  const bool pass = list_s * 1000 <= kListingTargetMs;
  if (!pass) ++g_failed;
  std::printf("\nlisting: %zu versions of 20 models (small bundles via a trivial BundleMaker; each row\n"
              "carries %s's signature, metrics and lineage: %s of JSON)\n",
              rows, (templ.model + "/" + std::to_string(templ.version)).c_str(), formatBytes(sig.size() + met.size() + lin.size()).c_str());
  std::printf("  registered in %s (%s per version, each its own transaction + object)\n",
              ms(register_s).c_str(), ms(register_s / versions).c_str());
  std::printf("  ModelRegistry::allVersions(): %s median of %d (target <= %s ms) %s\n", ms(list_s).c_str(),
              list_repeats, formatFixed(kListingTargetMs, 0).c_str(), pass ? "PASS" : "FAIL");
  std::printf("  ModelRegistry::models():      %s median of %d\n", ms(models_s).c_str(), list_repeats);
  std::printf("  of which the JSON floor: parsing %zu rows' signature+metrics+lineage alone takes %s\n", rows,
              ms(parse_s).c_str());
  row("Registry listing, " + bench::grouped(static_cast<double>(rows)) + " versions of 20 models",
                   "ours alone: ModelRegistry::allVersions() (the GUI's versions table), median of " +
                       std::to_string(list_repeats) + "; versions registered with a trivial BundleMaker (tiny "
                       "bundles) but real signature/metrics/lineage JSON",
                   ms(list_s), "≤ " + formatFixed(kListingTargetMs, 0) + " ms (" + (pass ? "PASS" : "FAIL") + ")");
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parseArgs(argc, argv);
  const auto start = Clock::now();
  const fs::path root = args.dir / ("bench-registry-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) die("create " + root.string(), ec.message());

  fs::path demo_dir = args.workspace;
  if (demo_dir.empty()) {
    demo_dir = root / "demo";
    demo::DemoOptions o;
    o.dir = demo_dir;
    const auto t0 = Clock::now();
    take(demo::createDemoWorkspace(o), "createDemoWorkspace");
    std::printf("bench_registry: demo workspace %s created in %s\n", demo_dir.c_str(),
                formatDuration(std::chrono::duration<double>(Clock::now() - t0).count()).c_str());
  }
  auto ws = take(Workspace::open(demo_dir), "open " + demo_dir.string());
  auto db = take(ws.connect(), "connect");
  objects::ObjectStore objects(ws.objectsDir());
  registry::ModelRegistry reg(*db, objects);

  std::printf("\n%-28s %10s %12s %12s %14s %12s %12s\n", "model", "bundle", "register", "export", "load+examples",
              "onnx export", "parity");
  std::vector<ModelFigures> figures;
  for (const char* model : {demo::kDigitsModel, demo::kIrisModel}) {
    figures.push_back(measureModel(ws, reg, std::string(model) + "@production", root, args.repeats));
    printModel(figures.back(), args.repeats);
  }
  std::printf("(median of %d each; register = packageRun + registerVersion; export = bundle bytes from the\n"
              " registry to a file; load = loadBundleFile + checkExamples; parity = max abs diff of %s\n"
              " against LibTorch on the bundle's examples, target <= 1e-4)\n",
              args.repeats, figures.front().runtime.empty() ? "OpenCV dnn" : figures.front().runtime.c_str());

  const auto templ = take(reg.resolve(std::string(demo::kIrisModel) + "@production"), "resolve iris");
  measureListing(root / "listing", templ, args.versions, args.repeats);

  std::printf("\n");
  for (const auto& r : g_rows) bench::readmeRow(r.figure, r.compared, r.measured, r.target);
  std::printf("\nbench_registry: %d figure(s) missed their target; total %s\n", g_failed,
              formatDuration(std::chrono::duration<double>(Clock::now() - start).count()).c_str());
  if (args.keep) {
    std::printf("bench_registry: kept %s\n", root.c_str());
  } else {
    fs::remove_all(root, ec);
    if (ec) std::fprintf(stderr, "bench_registry: cannot remove %s: %s\n", root.c_str(), ec.message().c_str());
  }
  return 0;
}
