// The trainer on real data: Iris (MLP) and procedural digits (LeNet), NaN detection, stop,
// determinism, checkpoints and the records a run leaves.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <atomic>
#include <thread>
#include <fstream>

#include "core/config/experiment_config.h"
#include "core/data/importer.h"
#include "core/demo/demo_datasets.h"
#include "core/models/model_factory.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace wb;

class TestTrain : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  std::optional<Workspace> m_ws;

  config::ExperimentConfig parse(const std::string& yaml) {
    auto c = config::parseExperimentYaml(yaml, "test.yaml");
    if (!c) qFatal("%s", c.error().text().c_str());
    return *c;
  }

  std::vector<store::MetricPoint> series(const std::string& run_id, const std::string& key) {
    auto db = m_ws->connect();
    store::MetricsReader reader(**db);
    auto s = reader.series(run_id, key);
    return s ? *s : std::vector<store::MetricPoint>{};
  }

  Result<train::TrainOutcome> run(const config::ExperimentConfig& c, const std::atomic<bool>& stop,
                                  std::vector<nlohmann::json>* events = nullptr) {
    train::TrainRequest r;
    r.config = c;
    r.config_text = config::toYaml(c);
    return train::runTraining(
        *m_ws, r, [&](const nlohmann::json& e) { if (events) events->push_back(e); }, stop);
  }

  static constexpr const char* kIris = R"(experiment: iris
data:
  dataset: iris@latest
  transforms: [{name: standardize}]
  batch_size: 16
  workers: 0
model:
  type: mlp
  hidden: [16]
optim:
  name: adam
  lr: 0.01
trainer:
  epochs: 25
  seed: 3
  deterministic: true
  log_every_n_steps: 4
)";

 private Q_SLOTS:
  void initTestCase() {
    torch::set_num_threads(1);
    QVERIFY(m_tmp.isValid());
    const fs::path root = m_tmp.path().toStdString();
    auto ws = Workspace::create(root / "ws");
    WB_VERIFY_OK(ws);
    m_ws = *ws;
    demo::DemoDataOptions small;
    small.digits_per_class = 120;
    small.shapes_per_class = 10;
    small.headlines = 40;
    WB_VERIFY_OK(demo::writeDemoDatasets(root / "src", small));
    data::ImportOptions o;
    o.dataset = "digits";
    o.format = data::SourceFormat::ImageFolder;
    o.source = root / "src" / demo::kDigitsDir;
    WB_VERIFY_OK(data::importDataset(*m_ws, o));
    o.dataset = "iris";
    o.format = data::SourceFormat::Table;
    o.source = fs::path(WB_SOURCE_DIR) / "resources" / "iris.csv";
    WB_VERIFY_OK(data::importDataset(*m_ws, o));
  }

  void irisMlpLearnsAndLeavesARecord() {
    std::atomic<bool> stop{false};
    std::vector<nlohmann::json> events;
    auto r = run(parse(kIris), stop, &events);
    WB_VERIFY_OK(r);
    QCOMPARE(int(r->status), int(store::RunStatus::Finished));
    QCOMPARE(r->epochs, 25);
    QVERIFY2(r->final_metrics["val/accuracy"] >= 0.8,
             qPrintable(QString::number(r->final_metrics["val/accuracy"])));
    QVERIFY(r->final_metrics.count("test/accuracy"));
    const auto loss = series(r->run_id, "train/loss");
    QCOMPARE(loss.size(), std::size_t(25));
    QVERIFY(loss.back().value < loss.front().value * 0.5);
    QVERIFY(!series(r->run_id, "train/loss_step").empty());
    QVERIFY(!series(r->run_id, "sys/time_forward_ms").empty());
    // Iris epochs take a few milliseconds: CPU % must not come from 10 ms /proc ticks.
    const auto cpu = series(r->run_id, "sys/cpu_percent");
    QCOMPARE(cpu.size(), std::size_t(25));
    const double cpu_cap = 100.0 * std::max(1u, std::thread::hardware_concurrency()) * 1.05;
    for (const auto& p : cpu) QVERIFY2(p.value >= 0 && p.value <= cpu_cap, qPrintable(QString::number(p.value)));
    // Events: started, one per epoch, finished.
    QCOMPARE(events.front().value("event", ""), std::string("started"));
    QCOMPARE(events.back().value("event", ""), std::string("finished"));
    int epochs = 0;
    for (const auto& e : events) epochs += e.value("event", "") == "epoch";
    QCOMPARE(epochs, 25);

    auto db = m_ws->connect();
    store::RunRepository runs(**db);
    auto stored = runs.find(r->run_id);
    WB_VERIFY_OK(stored);
    QVERIFY(stored->config_text.find("dataset: iris@latest") != std::string::npos);
    auto params = runs.params(r->run_id);
    WB_VERIFY_OK(params);
    QCOMPARE(params->at("data.version"), std::string("iris@1"));
    QCOMPARE(params->at("optim.lr"), std::string("0.01"));
    auto arts = runs.artifacts(r->run_id);
    WB_VERIFY_OK(arts);
    std::set<std::string> paths;
    for (const auto& a : *arts) paths.insert(a.path);
    for (const char* p : {"checkpoints/best.pt", "checkpoints/last.pt", "confusion_matrix_test.json",
                          "preprocessing.json"})
      QVERIFY2(paths.count(p), p);
    // The best checkpoint rebuilds the model by itself.
    objects::ObjectStore objects(m_ws->objectsDir());
    for (const auto& a : *arts)
      if (a.path == "checkpoints/best.pt") {
        auto bytes = objects.read(a.object_id);
        WB_VERIFY_OK(bytes);
        auto model = models::buildModelFromState(*bytes);
        WB_VERIFY_OK(model);
        QCOMPARE((*model)->type(), std::string("mlp"));
      }
  }

  void sameSeedSameMetrics() {
    std::atomic<bool> stop{false};
    auto c = parse(kIris);
    c.trainer.epochs = 5;
    auto a = run(c, stop);
    auto b = run(c, stop);
    WB_VERIFY_OK(a);
    WB_VERIFY_OK(b);
    const auto sa = series(a->run_id, "val/loss"), sb = series(b->run_id, "val/loss");
    QCOMPARE(sa.size(), std::size_t(5));
    QCOMPARE(sa.size(), sb.size());
    for (std::size_t i = 0; i < sa.size(); ++i) QCOMPARE(sa[i].value, sb[i].value);  // bit for bit
  }

  void digitsLeNetReachesHighAccuracy() {
    std::atomic<bool> stop{false};
    auto c = parse(R"(data:
  dataset: digits
  transforms: [{name: normalize, mean: [0.1], std: [0.3]}]
  batch_size: 32
  workers: 2
model:
  type: lenet
optim:
  name: adam
  lr: 0.002
trainer:
  epochs: 6
  seed: 1
)");
    auto r = run(c, stop);
    WB_VERIFY_OK(r);
    QCOMPARE(int(r->status), int(store::RunStatus::Finished));
    // 960 training images only (the full demo set reaches ~99%).
    QVERIFY2(r->final_metrics["val/accuracy"] >= 0.85,
             qPrintable(QString::number(r->final_metrics["val/accuracy"])));
  }

  void nanLossFailsTheRunWithAMessage() {
    std::atomic<bool> stop{false};
    auto c = parse(kIris);
    c.optim.name = config::OptimizerKind::Sgd;
    c.optim.lr = 1e30;
    auto r = run(c, stop);
    WB_VERIFY_OK(r);
    QCOMPARE(int(r->status), int(store::RunStatus::Failed));
    QVERIFY2(r->message.find("NaN") != std::string::npos ||
                 r->message.find("infinite") != std::string::npos,
             r->message.c_str());
    auto db = m_ws->connect();
    store::RunRepository runs(**db);
    QCOMPARE(runs.find(r->run_id)->status_message, r->message);
  }

  void stopMarksKilledWithACheckpoint() {
    std::atomic<bool> stop{false};
    auto c = parse(kIris);
    c.trainer.epochs = 1000;
    int epochs_seen = 0;
    train::TrainRequest req;
    req.config = c;
    auto r = train::runTraining(
        *m_ws, req,
        [&](const nlohmann::json& e) {
          if (e.value("event", "") == "epoch" && ++epochs_seen == 3) stop = true;
        },
        stop);
    WB_VERIFY_OK(r);
    QCOMPARE(int(r->status), int(store::RunStatus::Killed));
    QCOMPARE(r->epochs, 3);
    auto db = m_ws->connect();
    store::RunRepository runs(**db);
    auto arts = runs.artifacts(r->run_id);
    WB_VERIFY_OK(arts);
    bool last = false;
    for (const auto& a : *arts) last = last || a.path == "checkpoints/last.pt";
    QVERIFY(last);
  }

  void earlyStoppingEndsAStalledRun() {
    std::atomic<bool> stop{false};
    auto c = parse(kIris);
    c.trainer.epochs = 400;
    c.trainer.early_stopping.enabled = true;
    c.trainer.early_stopping.monitor = "val_loss";
    c.trainer.early_stopping.patience = 5;
    c.trainer.early_stopping.min_delta = 1e-3;
    std::vector<nlohmann::json> events;
    auto r = run(c, stop, &events);
    WB_VERIFY_OK(r);
    QCOMPARE(int(r->status), int(store::RunStatus::Finished));
    QVERIFY2(r->epochs < 400, qPrintable(QString::number(r->epochs)));
    bool early = false;
    for (const auto& e : events) early = early || e.value("event", "") == "early_stop";
    QVERIFY(early);
    // It stopped exactly `patience` epochs after the best val/loss (by min_delta).
    const auto loss = series(r->run_id, "val/loss");
    QCOMPARE(loss.size(), std::size_t(r->epochs));
    std::size_t best = 0;
    for (std::size_t i = 1; i < loss.size(); ++i)
      if (loss[i].value < loss[best].value - 1e-3) best = i;
    QCOMPARE(loss.size() - 1 - best, std::size_t(5));
  }

  void badDatasetFailsBeforeARunExists() {
    std::atomic<bool> stop{false};
    auto c = parse(kIris);
    c.data.dataset = "nosuch@1";
    auto r = run(c, stop);
    QVERIFY(!r.ok());
    QVERIFY(r.error().text().find("nosuch") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "tst_train.moc"
