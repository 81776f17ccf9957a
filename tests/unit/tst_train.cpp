// The trainer on real data: Iris (MLP) and procedural digits (LeNet), NaN detection, stop,
// determinism, checkpoints and the records a run leaves.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <signal.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <set>
#include <thread>

#include "core/common/numbers.h"
#include "core/config/experiment_config.h"
#include "core/data/dataset_repository.h"
#include "core/data/image_codec.h"
#include "core/data/importer.h"
#include "core/data/loader.h"
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

  // Object ids under the workspace's object store.
  std::set<std::string> objectIds() {
    std::set<std::string> ids;
    for (const auto& e : fs::recursive_directory_iterator(m_ws->objectsDir()))
      if (e.is_regular_file())
        ids.insert(e.path().parent_path().filename().string() + e.path().filename().string());
    return ids;
  }

  std::size_t runCount() {
    auto db = m_ws->connect();
    store::RunRepository runs(**db);
    auto all = runs.list();
    return all ? all->size() : 0;
  }

  static void writeFile(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }

  static std::string png(int w, int h, int channels, int seed) {
    data::Image img = data::Image::zeros(w, h, channels);
    for (std::size_t i = 0; i < img.pixels.size(); ++i)
      img.pixels[i] = static_cast<std::uint8_t>((i * 13 + static_cast<std::size_t>(seed) * 29) % 251);
    auto bytes = data::encodePng(img);
    return bytes ? *bytes : std::string();
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

  // Bug: the input shape came from the first training sample, so one 640x427 RGB photo that
  // sorts first among 28x28 gray digits made the whole dataset 3x427x640.
  void oddImageDoesNotDecideTheInputShape() {
    const fs::path src = fs::path(m_tmp.path().toStdString()) / "odd_src";
    for (const char* cls : {"a", "b"})
      for (int i = 0; i < 12; ++i)
        writeFile(src / cls / ("img_" + std::to_string(10 + i) + ".png"), png(28, 28, 1, i));
    writeFile(src / "a" / "000_photo.png", png(640, 427, 3, 99));  // sorts first
    data::ImportOptions o;
    o.dataset = "odd";
    o.format = data::SourceFormat::ImageFolder;
    o.source = src;
    o.split.train = 1;  // every sample in train: the photo is the first training sample
    o.split.val = 0;
    o.split.test = 0;
    WB_VERIFY_OK(data::importDataset(*m_ws, o));
    auto c = parse(R"(data:
  dataset: odd
  batch_size: 8
  workers: 0
model:
  type: lenet
trainer:
  epochs: 1
  checkpoint: {monitor: train_loss}
)");
    auto plan = train::planTraining(*m_ws, c);
    WB_VERIFY_OK(plan);
    QCOMPARE(plan->input_shape, (std::vector<std::int64_t>{1, 28, 28}));
    // The photo goes through the pipeline: resized to 28x28 and made gray in its batch.
    data::LoaderOptions lo;
    lo.workers = 0;
    lo.batch_size = 5;
    auto loader = data::DataLoader::open(*m_ws, "odd", nullptr, lo);
    WB_VERIFY_OK(loader);
    QCOMPARE((*loader)->inputShape(), (std::vector<std::int64_t>{1, 28, 28}));
    std::size_t seen = 0;
    for (;;) {
      auto b = (*loader)->next();
      WB_VERIFY_OK(b);
      if (!*b) break;
      QCOMPARE((*b)->inputs.size(1), std::int64_t{1});
      QCOMPARE((*b)->inputs.size(3), std::int64_t{28});
      seen += (*b)->indices.size();
    }
    QCOMPARE(seen, std::size_t(25));
  }

  // Bug: `checkpoint.monitor: val_acuracy` silently fell back to train/loss (best = epoch 1,
  // early stopping never fired). Now the dry run and the start reject it with a suggestion.
  void misspelledMonitorIsRejected() {
    auto c = parse(kIris);
    c.trainer.checkpoint.monitor = "val_acuracy";
    c.trainer.checkpoint.mode = config::MonitorMode::Max;
    auto plan = train::planTraining(*m_ws, c);
    QVERIFY(!plan.ok());
    QVERIFY2(plan.error().text().find("did you mean 'val_accuracy'") != std::string::npos,
             plan.error().text().c_str());
    QVERIFY2(plan.error().text().find("trainer.checkpoint.monitor") != std::string::npos,
             plan.error().text().c_str());
    const std::size_t runs_before = runCount();
    std::atomic<bool> stop{false};
    auto r = run(c, stop);
    QVERIFY(!r.ok());  // before a run exists
    QCOMPARE(runCount(), runs_before);

    c = parse(kIris);
    c.trainer.early_stopping.enabled = true;
    c.trainer.early_stopping.monitor = "val/los";
    plan = train::planTraining(*m_ws, c);
    QVERIFY(!plan.ok());
    QVERIFY2(plan.error().text().find("did you mean 'val/loss'") != std::string::npos,
             plan.error().text().c_str());
    // A regression metric on a classification task.
    c = parse(kIris);
    c.trainer.checkpoint.monitor = "val_rmse";
    plan = train::planTraining(*m_ws, c);
    QVERIFY(!plan.ok());
    QVERIFY2(plan.error().text().find("val_rmse") != std::string::npos, plan.error().text().c_str());
    // Valid names pass, in either spelling.
    c = parse(kIris);
    c.trainer.checkpoint.monitor = "val/f1_macro";
    c.trainer.early_stopping.enabled = true;
    c.trainer.early_stopping.monitor = "val_accuracy";
    WB_VERIFY_OK(train::planTraining(*m_ws, c));
  }

  void missingDatasetGetsASuggestion() {
    auto c = parse(kIris);
    c.data.dataset = "irsi@latest";
    auto plan = train::planTraining(*m_ws, c);
    QVERIFY(!plan.ok());
    QVERIFY2(plan.error().text().find("did you mean 'iris'") != std::string::npos,
             plan.error().text().c_str());
  }

  // Bug: the checkpoint and trainer.completed_epochs were saved before the epoch's metrics
  // were flushed, so a kill -9 after an epoch end left a hole in val/ after --resume. When an
  // epoch is announced (the checkpoint claims it complete), another connection must already
  // see its metrics.
  void epochMetricsAreDurableBeforeTheCheckpoint() {
    std::atomic<bool> stop{false};
    auto c = parse(kIris);
    c.trainer.epochs = 6;
    std::vector<std::string> problems;
    train::TrainRequest req;
    req.config = c;
    req.config_text = config::toYaml(c);
    auto r = train::runTraining(
        *m_ws, req,
        [&](const nlohmann::json& e) {
          if (e.value("event", "") != "epoch") return;
          const int epoch = e.value("epoch", 0);
          auto db = m_ws->connect();
          store::MetricsReader reader(**db);
          store::RunRepository runs(**db);
          auto params = runs.params(e.value("run_id", ""));
          auto val = reader.series(e.value("run_id", ""), "val/loss");
          const std::size_t points = val ? val->size() : 0;
          const auto done = params ? params->find("trainer.completed_epochs") : store::ParamMap::const_iterator();
          if (!params || done == params->end() || done->second != std::to_string(epoch) ||
              points != static_cast<std::size_t>(epoch))
            problems.push_back("epoch " + std::to_string(epoch) + ": " + std::to_string(points) +
                               " val/loss points");
          if (epoch == 3) stop = true;
        },
        stop);
    WB_VERIFY_OK(r);
    QVERIFY2(problems.empty(), problems.empty() ? "" : problems.front().c_str());
    QCOMPARE(int(r->status), int(store::RunStatus::Killed));
    // --resume continues after epoch 3 and the series has no hole and no repeat.
    auto resumed = train::resumeRequest(*m_ws, r->run_id);
    WB_VERIFY_OK(resumed);
    stop = false;
    auto r2 = train::runTraining(*m_ws, *resumed, {}, stop);
    WB_VERIFY_OK(r2);
    QCOMPARE(int(r2->status), int(store::RunStatus::Finished));
    const auto val = series(r->run_id, "val/loss");
    QCOMPARE(val.size(), std::size_t(6));
    for (std::size_t i = 0; i < val.size(); ++i) QCOMPARE(val[i].epoch, double(i + 1));
  }

  // The same bug end to end: `wb train` killed with SIGKILL right after an epoch end, then
  // resumed; the val/ series must have every epoch.
  void killedRunResumesWithoutAHole() {
    const fs::path cfg = m_ws->configsDir() / "iris-kill.yaml";
    writeFile(cfg, std::string(kIris) + "");
    QProcess p;
    const QString cli = qEnvironmentVariable("WB_CLI", QStringLiteral(WB_CLI_PATH));
    QVERIFY2(QFileInfo::exists(cli), qPrintable(cli));
    p.setProgram(cli);
    p.setArguments({QStringLiteral("-w"), QString::fromStdString(m_ws->root().string()),
                    QStringLiteral("--json"), QStringLiteral("train"), QString::fromStdString(cfg.string()),
                    QStringLiteral("trainer.epochs=200"), QStringLiteral("--name"),
                    QStringLiteral("kill-victim")});
    p.start();
    QVERIFY2(p.waitForStarted(10'000), qPrintable(p.errorString()));
    QByteArray out;
    bool killed = false;
    QElapsedTimer t;
    t.start();
    while (!killed && t.elapsed() < 60'000 && p.state() != QProcess::NotRunning) {
      p.waitForReadyRead(50);
      out += p.readAllStandardOutput();
      for (const auto& line : out.split('\n')) {
        if (!line.contains("\"event\":\"epoch\"")) continue;
        const auto e = nlohmann::json::parse(line.toStdString(), nullptr, false);
        if (e.is_object() && e.value("epoch", 0) >= 2) {
          ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
          killed = true;
          break;
        }
      }
    }
    QVERIFY2(killed, out.left(2000).constData());
    QVERIFY(p.waitForFinished(10'000));
    auto db = m_ws->connect();
    store::RunRepository runs(**db);
    auto victim = runs.find("kill-victim");
    WB_VERIFY_OK(victim);
    auto resumed = train::resumeRequest(*m_ws, victim->id);
    WB_VERIFY_OK(resumed);
    resumed->config.trainer.epochs = 200;  // as stored
    std::atomic<bool> stop{false};
    auto r = train::runTraining(*m_ws, *resumed, {}, stop);
    WB_VERIFY_OK(r);
    QCOMPARE(int(r->status), int(store::RunStatus::Finished));
    std::set<int> epochs;
    for (const auto& point : series(victim->id, "val/loss")) epochs.insert(int(point.epoch));
    QCOMPARE(int(epochs.size()), 200);
    QCOMPARE(*epochs.begin(), 1);
    QCOMPARE(*epochs.rbegin(), 200);
  }

  // Bug: regression targets were not scaled (first val/loss 26,877 on diabetes) and with
  // standardize_target the metrics came out in standardized units.
  void regressionTrainsInTargetUnits() {
    const fs::path csv = fs::path(m_tmp.path().toStdString()) / "reg.csv";
    {
      std::ofstream out(csv);
      out << "x1,x2,x3,y\n";
      std::uint64_t s = 12345;
      auto uniform = [&] {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<double>(s >> 11) / 9007199254740992.0 * 2 - 1;
      };
      for (int i = 0; i < 400; ++i) {
        const double x1 = uniform(), x2 = uniform(), x3 = uniform();
        const double y = 10000 + 3000 * x1 - 2000 * x2 * x2 + 500 * x3 + 100 * uniform();
        out << formatDouble(x1) << ',' << formatDouble(x2) << ',' << formatDouble(x3) << ','
            << formatDouble(y) << '\n';
      }
    }
    data::ImportOptions o;
    o.dataset = "reg";
    o.format = data::SourceFormat::Table;
    o.source = csv;
    o.target_column = "y";
    o.task = data::Task::Regression;
    WB_VERIFY_OK(data::importDataset(*m_ws, o));
    auto c = parse(R"(data:
  dataset: reg
  transforms: [{name: standardize}]
  batch_size: 32
  workers: 0
model:
  type: mlp
  hidden: [32]
optim: {name: adam, lr: 0.01}
trainer:
  epochs: 40
  seed: 5
  deterministic: true
)");
    std::atomic<bool> stop{false};
    auto r = run(c, stop);
    WB_VERIFY_OK(r);
    QCOMPARE(int(r->status), int(store::RunStatus::Finished));
    const double r2 = r->final_metrics["val/r2"];
    QVERIFY2(r2 > 0.9, qPrintable(QString::number(r2)));

    // val/rmse of the last epoch, computed directly from last.pt and the CSV's targets.
    auto db = m_ws->connect();
    store::RunRepository runs(**db);
    objects::ObjectStore objects(m_ws->objectsDir());
    std::string state, prep;
    auto arts = runs.artifacts(r->run_id);  // named: a temporary would die before the loop
    WB_VERIFY_OK(arts);
    for (const auto& a : *arts) {
      if (a.path == "checkpoints/last.pt") state = *objects.read(a.object_id);
      if (a.path == "preprocessing.json") prep = *objects.read(a.object_id);
    }
    auto model = models::buildModelFromState(state);
    WB_VERIFY_OK(model);
    (*model)->eval();
    const auto fitted = nlohmann::json::parse(prep);
    QVERIFY2(fitted.value("target_scale", 1.0) > 100, fitted.dump().c_str());  // stored, invertible
    data::DatasetRepository datasets(**db);
    auto version = datasets.resolve("reg");
    WB_VERIFY_OK(version);
    auto manifest = data::loadManifest(*m_ws, *version);
    WB_VERIFY_OK(manifest);
    data::LoaderOptions lo;
    lo.split = data::Split::Val;
    lo.shuffle = false;
    lo.workers = 0;
    lo.mode = data::ImagePipeline::Mode::Eval;
    auto loader = data::DataLoader::create(*m_ws, *manifest, fitted, lo);
    WB_VERIFY_OK(loader);
    double sq = 0;
    std::size_t n = 0;
    torch::NoGradGuard no_grad;
    for (;;) {
      auto b = (*loader)->next();
      WB_VERIFY_OK(b);
      if (!*b) break;
      auto out = (*model)->forward((*b)->inputs).squeeze(1).to(torch::kDouble);
      for (std::size_t k = 0; k < (*b)->indices.size(); ++k) {
        const double pred = out[static_cast<std::int64_t>(k)].item<double>() *
                                fitted.value("target_scale", 1.0) +
                            fitted.value("target_mean", 0.0);
        const double y = *parseDouble(manifest->samples[(*b)->indices[k]].label);
        sq += (pred - y) * (pred - y);
        ++n;
      }
    }
    QVERIFY(n > 0);
    const double rmse = std::sqrt(sq / static_cast<double>(n));
    const auto logged = series(r->run_id, "val/rmse");
    QVERIFY(!logged.empty());
    QVERIFY2(std::abs(logged.back().value - rmse) <= 1e-3 * rmse,
             qPrintable(QString::number(logged.back().value) + QStringLiteral(" vs ") + QString::number(rmse)));
    const auto loss = series(r->run_id, "val/loss");
    QVERIFY2(std::abs(loss.back().value - rmse * rmse) <= 1e-3 * rmse * rmse,
             qPrintable(QString::number(loss.back().value)));
  }

  // Bug: every epoch stored a new last.pt object and orphaned the previous one.
  void rollingCheckpointLeavesNoOrphans() {
    const auto before = objectIds();
    std::atomic<bool> stop{false};
    auto c = parse(kIris);
    c.trainer.epochs = 8;
    c.trainer.seed = 77;  // objects of its own, not shared with another test's identical run
    auto r = run(c, stop);
    WB_VERIFY_OK(r);
    auto db = m_ws->connect();
    store::RunRepository runs(**db);
    auto arts = runs.artifacts(r->run_id);
    WB_VERIFY_OK(arts);
    std::set<std::string> referenced;
    int last = 0, best = 0;
    for (const auto& a : *arts) {
      referenced.insert(a.object_id);
      last += a.path == "checkpoints/last.pt";
      best += a.path == "checkpoints/best.pt";
    }
    QCOMPARE(last, 1);
    QCOMPARE(best, 1);
    for (const auto& id : objectIds())
      if (!before.count(id)) QVERIFY2(referenced.count(id), ("orphan object " + id).c_str());
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
