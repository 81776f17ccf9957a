#include "core/demo/demo_workspace.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <unistd.h>

#include "core/common/numbers.h"
#include "core/config/compose.h"
#include "core/config/sweep.h"
#include "core/data/dataset_repository.h"
#include "core/data/importer.h"
#include "core/demo/demo_datasets.h"
#include "core/demo/embedded_resources.h"
#include "core/metrics/series_ops.h"
#include "core/objects/object_store.h"
#include "core/registry/packaging.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"

namespace fs = std::filesystem;

namespace wb::demo {

Result<std::vector<std::string>> writeDemoConfigs(const Workspace& ws) {
  struct File {
    const char* path;
    const char* text;
  };
  static const File kFiles[] = {
      {"optim/adam.yaml", "# optimiser group: pick with `defaults: [{optim: adam}]` or optim=sgd\n"
                          "name: adam\nlr: 0.002\nweight_decay: 0.0\n"},
      {"optim/sgd.yaml", "name: sgd\nlr: 0.05\nmomentum: 0.9\nweight_decay: 0.0005\n"},
      {"digits-lenet.yaml",
       "# LeNet on the procedural digits. Try: wb train digits-lenet optim=sgd trainer.epochs=5\n"
       "defaults:\n  - optim: adam\n  - _self_\n"
       "experiment: digits\n"
       "data:\n  dataset: digits@latest\n"
       "  transforms: [{name: normalize, mean: [0.1], std: [0.3]}]\n"
       "  batch_size: 64\n  workers: 2\n"
       "model:\n  type: lenet\n"
       "trainer:\n  epochs: 8\n  seed: 1\n"
       "  early_stopping: {monitor: val_loss, patience: 3}\n"
       "  checkpoint: {monitor: val_accuracy, mode: max}\n"},
      {"shapes-resnet.yaml",
       "# A small ResNet on 64x64 RGB circles and squares, with augmentation\n"
       "defaults:\n  - optim: adam\n  - _self_\n"
       "experiment: shapes\n"
       "data:\n  dataset: shapes@latest\n"
       "  transforms:\n    - {name: random_crop, size: 56, padding: 4}\n"
       "    - {name: hflip}\n    - {name: normalize}\n"
       "  batch_size: 32\n  workers: 2\n"
       "model:\n  type: resnet_small\n  channels: [16, 32, 64]\n  blocks: 1\n"
       "  pool: max  # the corners matter wherever they are; average pooling dilutes them\n"
       "optim:\n  lr: 0.003\n"
       "scheduler:\n  name: cosine\n"
       "trainer:\n  epochs: 10\n  seed: 2\n"
       "  checkpoint: {monitor: val_accuracy, mode: max}\n"},
      {"iris-mlp.yaml",
       "# An MLP on the Iris table\n"
       "experiment: iris\n"
       "data:\n  dataset: iris@latest\n  transforms: [{name: standardize}]\n"
       "  batch_size: 16\n  workers: 0\n"
       "model:\n  type: mlp\n  hidden: [16, 16]\n"
       "optim:\n  name: adam\n  lr: 0.01\n"
       "trainer:\n  epochs: 60\n  seed: 7\n"},
      {"headlines-text.yaml",
       "# A fastText-style classifier of real and fake headlines\n"
       "experiment: headlines\n"
       "data:\n  dataset: headlines@latest\n"
       "  transforms:\n    - {name: lowercase}\n    - {name: tokenize}\n"
       "    - {name: ngrams, n: 2}\n    - {name: vocabulary, max_size: 20000, min_freq: 1}\n"
       "  batch_size: 32\n  workers: 0\n"
       "model:\n  type: text_bag\n  embed_dim: 32\n"
       "optim:\n  name: adam\n  lr: 0.01\n"
       "trainer:\n  epochs: 10\n  seed: 4\n"},
      {"headlines-transformer.yaml",
       "# A small Transformer encoder: unlike text_bag it sees word order.\n"
       "experiment: headlines\n"
       "data:\n  dataset: headlines@latest\n"
       "  transforms:\n    - {name: lowercase}\n    - {name: tokenize}\n"
       "    - {name: vocabulary, max_size: 20000, min_freq: 1}\n"
       "  batch_size: 32\n  workers: 0\n"
       "model:\n  type: text_transformer\n  d_model: 64\n  heads: 4\n  layers: 2\n"
       "optim:\n  name: adamw\n  lr: 0.001\n"
       "trainer:\n  epochs: 10\n  seed: 4\n"},
      {"iris-sweep.yaml",
       "# A grid over learning rate and width: wb sweep iris-sweep\n"
       "defaults:\n  - iris-mlp\n  - _self_\n"
       "trainer:\n  epochs: 30\n"
       "sweep:\n  method: grid\n  metric: {name: val/accuracy, goal: maximize}\n"
       "  parameters:\n    optim.lr: {values: [0.03, 0.01, 0.003]}\n"
       "    model.hidden: {values: [[8], [32, 32]]}\n"},
      {"iris-bayes.yaml",
       "# Bayes search: a few random runs, then each proposed from the results so far.\n"
       "# wb sweep iris-bayes\n"
       "defaults:\n  - iris-mlp\n  - _self_\n"
       "trainer:\n  epochs: 20\n"
       "sweep:\n  method: bayes\n  metric: {name: val/loss, goal: minimize}\n  run_cap: 12\n"
       "  parameters:\n    optim.lr: {distribution: log_uniform, min: 0.0001, max: 0.3}\n"
       "    model.hidden: {values: [[8], [32], [32, 32]]}\n"},
  };
  std::vector<std::string> written;
  for (const auto& f : kFiles) {
    const fs::path p = ws.configsDir() / f.path;
    std::error_code ec;
    if (fs::exists(p, ec)) continue;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p);
    out << f.text;
    if (!out) return makeError("cannot write", p.string());
    written.push_back(f.path);
  }
  return written;
}

Result<std::vector<std::string>> importDemoDatasets(
    const Workspace& ws, const std::function<bool(const std::string&)>& progress) {
  const fs::path data_dir = ws.root() / "data";
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return makeError("cannot create folder: " + ec.message(), data_dir.string());
  auto db = ws.connect();
  if (!db) return db.error();
  data::DatasetRepository repo(**db);
  auto existing = repo.list();
  if (!existing) return existing.error();
  if (existing->size() >= 4) {
    std::vector<std::string> refs;
    for (const auto& d : *existing) refs.push_back(d.name + "@" + std::to_string(d.latest_version));
    return refs;
  }
  if (progress && !progress("generating demo data")) return makeError("cancelled");
  if (auto st = writeDemoDatasets(data_dir); !st) return st.error();
  std::ofstream(data_dir / "iris.csv") << resources::irisCsv();

  struct Spec {
    const char* name;
    data::SourceFormat format;
    fs::path source;
    const char* message;
  };
  const std::vector<Spec> specs = {
      {"digits", data::SourceFormat::ImageFolder, data_dir / kDigitsDir,
       "procedural 28x28 digits, 10 classes"},
      {"shapes", data::SourceFormat::ImageFolder, data_dir / kShapesDir,
       "64x64 RGB circles and squares"},
      {"iris", data::SourceFormat::Table, data_dir / "iris.csv", "Fisher's Iris table"},
      {"headlines", data::SourceFormat::Text, data_dir / kHeadlinesCsv,
       "real and fake news headlines"},
  };
  std::vector<std::string> refs;
  for (const auto& spec : specs) {
    if (progress && !progress(std::string("importing ") + spec.name)) return makeError("cancelled");
    data::ImportOptions o;
    o.dataset = spec.name;
    o.format = spec.format;
    o.source = spec.source;
    o.message = spec.message;
    if (spec.format == data::SourceFormat::Table) o.target_column = "species";
    if (spec.format == data::SourceFormat::Text) {
      o.text_columns = {"title", "body"};
      o.target_column = "label";
      o.key_column = "id";
    }
    auto r = data::importDataset(ws, o);
    if (!r) return r.error();
    refs.push_back(r->version.ref());
  }
  return refs;
}

namespace {

// The demo's sweep, expanded as `wb sweep CONFIG [trainer.epochs=N]` expands it.
struct DemoSweep {
  fs::path config;
  std::vector<config::SweepChild> children;
  std::string metric;  // stored key: "val/accuracy"
  bool maximize = false;
};

Result<DemoSweep> expandDemoSweep(const Workspace& ws, const DemoOptions& o) {
  config::ComposeOptions co;
  co.configs_dir = ws.configsDir();
  co.display_root = ws.root();
  DemoSweep sweep;
  sweep.config = ws.configsDir() / (o.sweep_config + ".yaml");
  std::vector<std::string> overrides;
  if (o.epochs > 0) overrides.push_back("trainer.epochs=" + std::to_string(o.epochs));
  auto children = config::expandSweep(sweep.config, overrides, co);
  if (!children) return children.error();
  if (children->empty()) return makeError("the demo sweep has no runs", sweep.config.string());
  sweep.children = std::move(*children);
  auto composed = config::composeConfig(sweep.config, overrides, co);
  if (!composed) return composed.error();
  if (const auto* block = composed->tree.find("sweep")) {
    auto spec = config::parseSweep(*block);
    if (!spec) return spec.error();
    sweep.metric = metrics::storedMetricKey(spec->metric_name);
    sweep.maximize = spec->goal == config::MetricGoal::Maximize;
  }
  return sweep;
}

// The parent run `wb sweep` makes: the GUI lists the children under it.
Result<store::Run> createSweepParent(store::RunRepository& runs, const DemoSweep& sweep) {
  store::NewRun parent;
  const auto& experiment = sweep.children.front().config.experiment;
  parent.experiment = experiment.empty() ? "Default" : experiment;
  parent.name = "sweep-" + sweep.config.stem().string();
  parent.pid = ::getpid();
  std::ifstream in(sweep.config);
  parent.config_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  parent.tags = {{"sweep", ""}, {"demo", ""}};
  parent.params = {{"sweep.runs", std::to_string(sweep.children.size())}, {"sweep.metric", sweep.metric}};
  return runs.create(parent);
}

// One run, trained in this process by the trainer `wb train` runs; PHASE names it in progress.
Result<DemoRunResult> trainRun(const Workspace& ws, const train::TrainRequest& request,
                               const std::string& phase, int run_index, int run_count,
                               const std::function<bool(const DemoProgress&)>& progress) {
  std::atomic<bool> stop{false};
  auto outcome = train::runTraining(ws, request, [&](const nlohmann::json& event) {
    if (!progress || event.value("event", "") != "epoch") return;
    DemoProgress p;
    p.phase = phase;
    p.run_index = run_index;
    p.run_count = run_count;
    p.run_name = request.run_name;
    p.epoch = event.value("epoch", 0);
    p.epochs = event.value("epochs", 0);
    p.val_accuracy = event["metrics"].value("val/accuracy", 0.0);
    if (!progress(p)) stop = true;  // the trainer saves a checkpoint and marks the run killed
  }, stop);
  if (!outcome) return outcome.error();
  if (outcome->status == store::RunStatus::Killed) return makeError("cancelled", request.run_name);
  if (outcome->status != store::RunStatus::Finished)
    return makeError("the demo run failed: " + outcome->message, request.run_name);
  const auto& last = outcome->final_metrics;
  auto metric = [&](const char* key) { return last.count(key) ? last.at(key) : 0.0; };
  return DemoRunResult{outcome->run_id, request.run_name, metric("val/accuracy"), metric("val/loss"), last};
}

Result<DemoRunResult> trainChild(const Workspace& ws, const config::SweepChild& child,
                                 const store::Run& parent, int run_count,
                                 const std::function<bool(const DemoProgress&)>& progress) {
  train::TrainRequest request;
  request.config = child.config;
  request.config_text = config::toYaml(child.config);
  request.run_name = parent.name + "-" + std::to_string(child.index + 1);
  request.parent_run_id = parent.id;
  request.extra_params = child.params;
  return trainRun(ws, request, "training", child.index, run_count, progress);
}

// The digits CNN, as `wb train digits-lenet trainer.epochs=N --name digits-lenet` trains it.
Result<DemoRunResult> trainDigits(const Workspace& ws, const DemoOptions& o, int run_index, int run_count,
                                  const std::function<bool(const DemoProgress&)>& progress) {
  config::ComposeOptions co;
  co.configs_dir = ws.configsDir();
  co.display_root = ws.root();
  const fs::path primary = ws.configsDir() / (o.digits_config + ".yaml");
  const std::vector<std::string> overrides = {"trainer.epochs=" + std::to_string(o.digits_epochs)};
  auto config = config::loadExperimentConfig(primary, overrides, co);
  if (!config) return config.error();
  train::TrainRequest request;
  request.config = *config;
  request.config_text = config::toYaml(*config);
  request.run_name = o.digits_config;
  if (auto composed = config::composeConfig(primary, overrides, co)) request.source = composed->tree;
  return trainRun(ws, request, "training digits", run_index, run_count, progress);
}

// "best sweep-iris-sweep-3: val/accuracy 0.9667", as `wb sweep` ends its parent.
std::string bestLine(const DemoSweep& sweep, const std::vector<DemoRunResult>& runs) {
  const DemoRunResult* best = nullptr;
  double best_value = 0;
  for (const auto& r : runs) {
    const auto it = r.final_metrics.find(sweep.metric);
    if (it == r.final_metrics.end()) continue;
    if (!best || (sweep.maximize ? it->second > best_value : it->second < best_value)) {
      best = &r;
      best_value = it->second;
    }
  }
  return best ? "best " + best->name + ": " + sweep.metric + " " + formatGeneral(best_value, 4) : "";
}

// One version to register: MODEL from RUN, with ALIAS.
struct DemoRegistration {
  const char* model;
  const DemoRunResult* run;
  const char* alias;
  const char* description;
};

// The sweep's children, best val/accuracy first (ties: grid order, as bestLine picks).
std::vector<const DemoRunResult*> rankByValAccuracy(const std::vector<DemoRunResult>& runs) {
  std::vector<const DemoRunResult*> ranked;
  for (const auto& r : runs) ranked.push_back(&r);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const DemoRunResult* a, const DemoRunResult* b) { return a->val_accuracy > b->val_accuracy; });
  return ranked;
}

// What `wb models register RUN --name MODEL --alias ALIAS` does: package the run's best
// checkpoint, then let the registry number the version and stamp it into the bundle.
Result<DemoModel> registerDemoVersion(const Workspace& ws, registry::ModelRegistry& models,
                                      const DemoRegistration& r) {
  registry::PackageOptions po;
  po.run_id = r.run->run_id;
  po.description = r.description;
  po.tags = {{"demo", ""}};
  auto packaged = registry::packageRun(ws, po);
  if (!packaged) return packaged.error();
  registry::NewVersion version = packaged->version;
  version.name = r.model;
  version.alias = r.alias;
  version.actor = kDemoActor;
  if (version.description.empty()) version.description = r.description;
  const auto& files = packaged->files;
  auto made = models.registerVersion(version, [&files](const std::string& name, int number) {
    return registry::finishBundle(files, name, number);
  });
  if (!made) return made.error();
  return DemoModel{r.model, made->version, r.alias, r.run->run_id, false};
}

// Where ALIAS of a model registered by an earlier demo points now (version 0: nowhere).
DemoModel existingDemoModel(registry::ModelRegistry& models, const DemoRegistration& r) {
  DemoModel m{r.model, 0, r.alias, {}, true};
  if (auto v = models.resolve(std::string(r.model) + "@" + r.alias)) {
    m.version = v->version;
    m.run_id = v->run_id;
  }
  return m;
}

// digits-cnn@production, iris@production (best iris child) and iris@staging (the next best);
// a model that existed before this call is skipped as a whole.
Result<std::vector<DemoModel>> registerDemoModels(const Workspace& ws, const DemoResult& result,
                                                  const std::function<bool(const DemoProgress&)>& progress) {
  auto db = ws.connect();
  if (!db) return db.error();
  objects::ObjectStore objects(ws.objectsDir());
  registry::ModelRegistry models(**db, objects);
  auto listed = models.models();
  if (!listed) return listed.error();
  std::set<std::string> existing;
  for (const auto& m : *listed) existing.insert(m.name);

  const auto ranked = rankByValAccuracy(result.runs);
  std::vector<DemoRegistration> plan = {
      {kDigitsModel, &result.digits_run, "production", "LeNet on the demo's procedural digits"}};
  if (!ranked.empty()) plan.push_back({kIrisModel, ranked[0], "production", "MLP on Iris: the sweep's best run"});
  if (ranked.size() > 1) plan.push_back({kIrisModel, ranked[1], "staging", "MLP on Iris: the sweep's next best run"});

  std::vector<DemoModel> out;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& r = plan[i];
    if (progress) {
      DemoProgress p;
      p.phase = "registering";
      p.run_index = static_cast<int>(i);
      p.run_count = static_cast<int>(plan.size());
      p.run_name = std::string(r.model) + "@" + r.alias;
      if (!progress(p)) return makeError("cancelled");
    }
    if (existing.count(r.model)) {
      out.push_back(existingDemoModel(models, r));
      continue;
    }
    auto made = registerDemoVersion(ws, models, r);
    if (!made) return Error{"cannot register " + std::string(r.model) + ": " + made.error().message,
                            made.error().context};
    out.push_back(*made);
  }
  return out;
}

}  // namespace

Result<DemoResult> createDemoWorkspace(const DemoOptions& options,
                                       const std::function<bool(const DemoProgress&)>& progress) {
  auto ws = Workspace::isWorkspace(options.dir) ? Workspace::open(options.dir)
                                                : Workspace::create(options.dir, "Workbench demo");
  if (!ws) return ws.error();
  if (auto written = writeDemoConfigs(*ws); !written) return written.error();
  DemoResult result;
  result.workspace = ws->root();
  auto datasets = importDemoDatasets(*ws, [&](const std::string& what) {
    DemoProgress p;
    p.phase = "datasets";
    p.run_name = what;
    return !progress || progress(p);
  });
  if (!datasets) return datasets.error();
  result.datasets = *datasets;

  auto sweep = expandDemoSweep(*ws, options);
  if (!sweep) return sweep.error();
  auto db = ws->connect();
  if (!db) return db.error();
  store::RunRepository runs(**db);
  auto parent = createSweepParent(runs, *sweep);
  if (!parent) return parent.error();
  result.sweep_run_id = parent->id;
  const int run_count = static_cast<int>(sweep->children.size()) + 1;  // the sweep, then digits
  for (const auto& child : sweep->children) {
    auto run = trainChild(*ws, child, *parent, run_count, progress);
    if (!run) {
      const bool cancelled = run.error().message == "cancelled";
      (void)runs.setStatus(parent->id, cancelled ? store::RunStatus::Killed : store::RunStatus::Failed,
                           run.error().text());
      return run.error();
    }
    result.runs.push_back(*run);
  }
  if (auto st = runs.setStatus(parent->id, store::RunStatus::Finished, bestLine(*sweep, result.runs)); !st)
    return st.error();

  auto digits = trainDigits(*ws, options, run_count - 1, run_count, progress);
  if (!digits) return digits.error();
  result.digits_run = *digits;
  auto registered = registerDemoModels(*ws, result, progress);
  if (!registered) return registered.error();
  result.models = *registered;
  return result;
}

}  // namespace wb::demo
