// The demo workspace: its runs are made by the real trainer from the demo's own configs.
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <set>

#include "core/config/compose.h"
#include "core/config/experiment_config.h"
#include "core/config/sweep.h"
#include "core/data/dataset_repository.h"
#include "core/demo/demo_workspace.h"
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

}  // namespace

class TestDemo : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Issue 11: the demo had its own training loop that logged other keys (no test/*, no
  // sys/* but one) and params of its own. Now every demo run must look exactly like a
  // `wb train` run of the same config: metric keys, params, artifacts and dataset link.
  void demoRunsMatchATrainRunOfTheSameConfig() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    demo::DemoOptions options;
    options.dir = fs::path(tmp.path().toStdString()) / "demo";
    options.epochs = 2;
    int epoch_events = 0;
    auto made = demo::createDemoWorkspace(options, [&](const demo::DemoProgress& p) {
      if (p.phase == "training") ++epoch_events;
      return true;
    });
    WB_VERIFY_OK(made);
    auto ws = Workspace::open(options.dir);
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
};

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"
