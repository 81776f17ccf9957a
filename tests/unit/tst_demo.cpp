// The demo workspace: its runs are made by the real trainer from the demo's own configs.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <set>

#include "core/config/compose.h"
#include "core/config/experiment_config.h"
#include "core/config/sweep.h"
#include "core/data/dataset_repository.h"
#include "core/demo/demo_workspace.h"
#include "core/objects/object_store.h"
#include "core/registry/packaging.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace wb;

namespace {

std::set<std::string> artifactPaths(store::RunRepository& runs, const std::string& id) {
  std::set<std::string> out;
  if (auto arts = runs.artifacts(id); arts)
    for (const auto& a : *arts) out.insert(a.path);
  return out;
}

std::set<std::string> keySet(const std::vector<std::string>& keys) { return {keys.begin(), keys.end()}; }

// The sweep child with the best final val/accuracy, ties to grid order; SKIP excluded.
const demo::DemoRunResult* bestChild(const std::vector<demo::DemoRunResult>& runs, const std::string& skip = {}) {
  const demo::DemoRunResult* best = nullptr;
  for (const auto& r : runs)
    if (r.run_id != skip && (!best || r.val_accuracy > best->val_accuracy)) best = &r;
  return best;
}

std::map<std::string, int> aliasesOf(const std::vector<registry::RegisteredModel>& models, const std::string& name) {
  for (const auto& m : models)
    if (m.name == name) return m.aliases;
  return {};
}

}  // namespace

class TestDemo : public QObject {
  Q_OBJECT

  QTemporaryDir m_tmp;
  demo::DemoOptions m_options;
  std::optional<demo::DemoResult> m_made;
  std::vector<demo::DemoProgress> m_events;  // every progress event of the demo, in order

 private Q_SLOTS:
  // One demo workspace for every test: `wb demo` with the sweep at 2 epochs.
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_options.dir = fs::path(m_tmp.path().toStdString()) / "demo";
    m_options.epochs = 2;
    auto made = demo::createDemoWorkspace(m_options, [&](const demo::DemoProgress& p) {
      m_events.push_back(p);
      return true;
    });
    WB_VERIFY_OK(made);
    m_made = *made;
  }

  // Issue 11: the demo had its own training loop that logged other keys (no test/*, no
  // sys/* but one) and params of its own. Now every demo run must look exactly like a
  // `wb train` run of the same config: metric keys, params, artifacts and dataset link.
  void demoRunsMatchATrainRunOfTheSameConfig() {
    QVERIFY(m_made);
    const auto& made = m_made;
    const int epoch_events = static_cast<int>(
        std::count_if(m_events.begin(), m_events.end(), [](const auto& p) { return p.phase == "training"; }));
    auto ws = Workspace::open(m_options.dir);
    WB_VERIFY_OK(ws);

    // The sweep config's grid, as `wb sweep iris-sweep trainer.epochs=2` expands it.
    config::ComposeOptions co;
    co.configs_dir = ws->configsDir();
    co.display_root = ws->root();
    const fs::path sweep_config = ws->configsDir() / "iris-sweep.yaml";
    const std::vector<std::string> epochs = {"trainer.epochs=2"};
    auto children = config::expandSweep(sweep_config, epochs, co);
    WB_VERIFY_OK(children);
    QVERIFY(children->size() >= 2);
    QCOMPARE(made->runs.size(), children->size());
    QCOMPARE(epoch_events, static_cast<int>(2 * children->size()));

    // `wb train iris-sweep trainer.epochs=2 <the first child's values>`.
    auto overrides = epochs;
    overrides.insert(overrides.end(), (*children)[0].overrides.begin(), (*children)[0].overrides.end());
    auto config = config::loadExperimentConfig(sweep_config, overrides, co);
    WB_VERIFY_OK(config);
    train::TrainRequest request;
    request.config = *config;
    request.config_text = config::toYaml(*config);
    std::atomic<bool> stop{false};
    auto trained = train::runTraining(*ws, request, {}, stop);
    WB_VERIFY_OK(trained);
    QCOMPARE(std::string(store::toString(trained->status)), std::string("finished"));

    auto db = ws->connect();
    WB_VERIFY_OK(db);
    store::RunRepository runs(**db);
    store::MetricsReader reader(**db);
    data::DatasetRepository datasets(**db);
    const std::string demo_id = made->runs[0].run_id;
    const std::string train_id = trained->run_id;

    auto demo_keys = reader.keys(demo_id);
    auto train_keys = reader.keys(train_id);
    WB_VERIFY_OK(demo_keys);
    WB_VERIFY_OK(train_keys);
    QCOMPARE(keySet(*demo_keys), keySet(*train_keys));
    for (const char* key : {"train/loss", "val/loss", "val/accuracy", "test/accuracy"})
      QVERIFY2(keySet(*demo_keys).count(key), key);
    QVERIFY(std::any_of(demo_keys->begin(), demo_keys->end(),
                        [](const std::string& k) { return k.starts_with("sys/"); }));

    // Params from the resolved config (the same values), plus the sweep's own as `wb sweep`
    // lists them for a child.
    auto demo_params = runs.params(demo_id);
    auto train_params = runs.params(train_id);
    WB_VERIFY_OK(demo_params);
    WB_VERIFY_OK(train_params);
    for (const auto& [key, value] : *train_params)
      QCOMPARE(QString::fromStdString(key + "=" + demo_params->at(key)), QString::fromStdString(key + "=" + value));
    for (const auto& [key, value] : *demo_params)
      QVERIFY2(train_params->count(key) || (*children)[0].params.count(key), key.c_str());
    QCOMPARE(demo_params->at("trainer.epochs"), std::string("2"));
    QCOMPARE(artifactPaths(runs, demo_id), artifactPaths(runs, train_id));

    // The dataset version it read, as for any run.
    auto demo_inputs = datasets.runInputs(demo_id);
    auto train_inputs = datasets.runInputs(train_id);
    WB_VERIFY_OK(demo_inputs);
    WB_VERIFY_OK(train_inputs);
    QCOMPARE(demo_inputs->size(), std::size_t(1));
    QCOMPARE(demo_inputs->at(0).first.ref(), train_inputs->at(0).first.ref());

    // Grouped under a finished sweep parent, as `wb sweep` leaves it.
    auto child = runs.find(demo_id);
    auto parent = runs.find(made->sweep_run_id);
    WB_VERIFY_OK(child);
    WB_VERIFY_OK(parent);
    QCOMPARE(child->parent_run_id, made->sweep_run_id);
    QCOMPARE(std::string(store::toString(child->status)), std::string("finished"));
    QCOMPARE(std::string(store::toString(parent->status)), std::string("finished"));
    for (const auto& r : made->runs) {
      QVERIFY(r.val_accuracy >= 0 && r.val_accuracy <= 1);
      QVERIFY(r.final_metrics.count("test/accuracy"));
    }
  }
  // Issue 12: after the sweep the demo trains the digits CNN (the last run), then registers,
  // and says so in its progress (the GUI's dialog and `wb demo` show each phase).
  void demoReportsTrainingDigitsAndRegistering() {
    QVERIFY(m_made);
    std::vector<std::string> phases;  // in order, repeats collapsed
    for (const auto& p : m_events)
      if (phases.empty() || phases.back() != p.phase) phases.push_back(p.phase);
    QCOMPARE(phases, (std::vector<std::string>{"datasets", "training", "training digits", "registering"}));
    const int run_count = static_cast<int>(m_made->runs.size()) + 1;
    int digits_epochs = 0;
    std::vector<std::string> registering;
    for (const auto& p : m_events) {
      if (p.phase == "training" || p.phase == "training digits") QCOMPARE(p.run_count, run_count);
      if (p.phase == "training digits") {
        ++digits_epochs;
        QCOMPARE(p.run_index, run_count - 1);
        QCOMPARE(p.epochs, m_options.digits_epochs);
        QCOMPARE(p.run_name, m_options.digits_config);
      }
      if (p.phase == "registering") registering.push_back(p.run_name);
    }
    QCOMPARE(digits_epochs, m_options.digits_epochs);
    QCOMPARE(registering, (std::vector<std::string>{"digits-cnn@production", "iris@production", "iris@staging"}));

    // The digits run is an ordinary finished run of the digits experiment.
    auto ws = Workspace::open(m_options.dir);
    WB_VERIFY_OK(ws);
    auto db = ws->connect();
    WB_VERIFY_OK(db);
    store::RunRepository runs(**db);
    auto digits = runs.find(m_made->digits_run.run_id);
    WB_VERIFY_OK(digits);
    QCOMPARE(std::string(store::toString(digits->status)), std::string("finished"));
    QCOMPARE(digits->experiment, std::string("digits"));
    auto params = runs.params(digits->id);
    WB_VERIFY_OK(params);
    QCOMPARE(params->at("trainer.epochs"), std::to_string(m_options.digits_epochs));
    QVERIFY(m_made->digits_run.final_metrics.count("test/accuracy"));
  }

  // Issue 12: `wb demo` registers digits-cnn@production, iris@production (the sweep's best
  // child by val/accuracy) and iris@staging (the next best) the way `wb models register`
  // does, and every registered bundle loads and reproduces its examples.
  void demoRegistersItsModels() {
    QVERIFY(m_made);
    auto ws = Workspace::open(m_options.dir);
    WB_VERIFY_OK(ws);
    auto db = ws->connect();
    WB_VERIFY_OK(db);
    objects::ObjectStore objects(ws->objectsDir());
    registry::ModelRegistry reg(**db, objects);
    auto models = reg.models();
    WB_VERIFY_OK(models);
    QCOMPARE(models->size(), std::size_t(2));
    QCOMPARE(aliasesOf(*models, demo::kDigitsModel), (std::map<std::string, int>{{"production", 1}}));
    QCOMPARE(aliasesOf(*models, demo::kIrisModel), (std::map<std::string, int>{{"production", 1}, {"staging", 2}}));

    const auto* best = bestChild(m_made->runs);
    QVERIFY(best);
    const auto* next = bestChild(m_made->runs, best->run_id);
    QVERIFY(next);
    auto iris = reg.versions(demo::kIrisModel);
    WB_VERIFY_OK(iris);
    QCOMPARE(iris->size(), std::size_t(2));  // newest first
    QCOMPARE(iris->at(1).version, 1);
    QCOMPARE(iris->at(1).run_id, best->run_id);
    QCOMPARE(iris->at(0).version, 2);
    QCOMPARE(iris->at(0).run_id, next->run_id);
    auto digits = reg.versions(demo::kDigitsModel);
    WB_VERIFY_OK(digits);
    QCOMPARE(digits->size(), std::size_t(1));
    QCOMPARE(digits->at(0).run_id, m_made->digits_run.run_id);
    QCOMPARE(digits->at(0).model_type, std::string("lenet"));
    QCOMPARE(digits->at(0).dataset, std::string("digits@1"));
    QVERIFY2(digits->at(0).metrics["test/accuracy"].value("last", 0.0) > 0.8, "the demo's CNN learns the digits");
    for (const auto& v : *iris) {
      QCOMPARE(v.model_type, std::string("mlp"));
      QCOMPARE(v.dataset, std::string("iris@1"));
    }
    QCOMPARE(m_made->models.size(), std::size_t(3));
    for (const auto& m : m_made->models) QVERIFY2(!m.existed && m.version >= 1, m.name.c_str());

    for (const char* name : {demo::kDigitsModel, demo::kIrisModel}) {
      auto events = reg.history(name);
      WB_VERIFY_OK(events);
      QVERIFY(!events->empty());
      for (const auto& e : *events) QCOMPARE(e.actor, std::string(demo::kDemoActor));
    }
    auto all = reg.allVersions();
    WB_VERIFY_OK(all);
    QCOMPARE(all->size(), std::size_t(3));
    for (const auto& v : *all) {
      const std::string label = v.model + "/" + std::to_string(v.version);
      auto bytes = reg.bundleBytes(v);
      WB_VERIFY_OK(bytes);
      auto loaded = registry::loadBundle(*bytes, label);
      WB_VERIFY_OK(loaded);
      auto check = registry::checkExamples(*loaded);
      WB_VERIFY_OK(check);
      QVERIFY2(check->passed && check->count > 0, label.c_str());
    }
  }

  // Issue 12: the demo run again on its workspace trains again but registers nothing twice.
  void rerunRegistersNoDuplicates() {
    QVERIFY(m_made);
    demo::DemoOptions again = m_options;
    again.epochs = 1;
    again.digits_epochs = 1;
    auto made = demo::createDemoWorkspace(again);
    WB_VERIFY_OK(made);
    QCOMPARE(made->models.size(), std::size_t(3));
    for (const auto& m : made->models) QVERIFY2(m.existed, m.name.c_str());
    QCOMPARE(made->models[0].version, 1);  // digits-cnn@production
    QCOMPARE(made->models[2].version, 2);  // iris@staging
    auto ws = Workspace::open(m_options.dir);
    WB_VERIFY_OK(ws);
    auto db = ws->connect();
    WB_VERIFY_OK(db);
    objects::ObjectStore objects(ws->objectsDir());
    registry::ModelRegistry reg(**db, objects);
    auto all = reg.allVersions();
    WB_VERIFY_OK(all);
    QCOMPARE(all->size(), std::size_t(3));
    auto models = reg.models();
    WB_VERIFY_OK(models);
    QCOMPARE(aliasesOf(*models, demo::kIrisModel), (std::map<std::string, int>{{"production", 1}, {"staging", 2}}));
  }
};

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"
