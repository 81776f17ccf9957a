// The run queue against the real CLI: RunLauncher starts `wb train` / `wb sweep` processes,
// RunQueueModel and RunQueueWidget show them. No mocks: every run trains a tiny Iris MLP.
#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

#include <signal.h>
#include <sys/types.h>

#include "ui/experiments/run_launcher.h"
#include "ui/experiments/run_queue_model.h"
#include "ui/experiments/run_queue_widget.h"

using wb::ui::LaunchKind;
using wb::ui::LaunchStatus;
using wb::ui::RunEntry;
using wb::ui::RunLauncher;
using wb::ui::RunQueueModel;
using wb::ui::RunQueueWidget;

namespace wb::ui {
// Readable QCOMPARE failures.
char* toString(LaunchStatus s) { return qstrdup(qPrintable(statusName(s))); }
}  // namespace wb::ui

namespace {

constexpr int kRunTimeoutMs = 30000;

const char kIrisConfig[] =
    "# A tiny Iris MLP: each epoch takes milliseconds\n"
    "experiment: queue-test\n"
    "data:\n  dataset: iris@latest\n  transforms: [{name: standardize}]\n"
    "  batch_size: 16\n  workers: 0\n"
    "model:\n  type: mlp\n  hidden: [8]\n"
    "optim:\n  name: adam\n  lr: 0.01\n"
    "trainer:\n  epochs: 4\n  seed: 7\n  log_every_n_steps: 2\n";

QString cliPath() {
  const QByteArray env = qgetenv("WB_CLI");
  return env.isEmpty() ? QStringLiteral(WB_CLI_PATH) : QString::fromLocal8Bit(env);
}

QString sourceDir() {
  const QByteArray env = qgetenv("WB_SOURCE_DIR");
  return env.isEmpty() ? QStringLiteral(WB_SOURCE_DIR) : QString::fromLocal8Bit(env);
}

// Runs the CLI to completion (test setup only); returns stdout, fails the test on error.
QByteArray runCli(const QStringList& args) {
  QProcess p;
  p.start(cliPath(), args);
  if (!p.waitForFinished(60000)) qFatal("wb %s timed out", qPrintable(args.join(QLatin1Char(' '))));
  if (p.exitCode() != 0)
    qFatal("wb %s failed: %s", qPrintable(args.join(QLatin1Char(' '))),
           p.readAllStandardError().constData());
  return p.readAllStandardOutput();
}

bool writeFile(const QString& path, const QByteArray& text) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

// Every status a row of the launcher reports, in order, without repeats.
struct StatusRecorder {
  explicit StatusRecorder(RunLauncher* launcher) {
    QObject::connect(launcher, &RunLauncher::entryChanged, &context, [this, launcher](int row) {
      const RunEntry& e = launcher->entry(row);
      auto& seen = statuses[e.key];
      if (seen.isEmpty() || seen.last() != e.status) seen << e.status;
    });
  }
  QObject context;
  QHash<int, QList<LaunchStatus>> statuses;
};

}  // namespace

class TestRunQueue : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void runFinishesWithProgressMetricsAndLog();
  void badConfigIsAnError();
  void missingCliIsAnError();
  void stopEndsTheRunKilled();
  void secondRunWaitsInTheQueue();
  void sweepAddsOneRowPerChild();
  void stopSweepStopsItsChildren();
  void clearFinishedEmptiesTheQueue();
  void destroyingTheLauncherEndsItsRuns();

 private:
  QTemporaryDir m_dir;
  QString m_ws;
};

void TestRunQueue::initTestCase() {
  QVERIFY(m_dir.isValid());
  // One run at a time whatever the machine: the queue tests rely on runs waiting.
  qputenv("WB_MAX_RUNS", "1");
  QVERIFY2(QFile::exists(cliPath()), qPrintable(cliPath()));
  m_ws = m_dir.filePath(QStringLiteral("ws"));
  runCli({QStringLiteral("init"), m_ws});
  runCli({QStringLiteral("-w"), m_ws, QStringLiteral("data"), QStringLiteral("import"),
          sourceDir() + QStringLiteral("/resources/iris.csv"), QStringLiteral("--name"),
          QStringLiteral("iris"), QStringLiteral("--target"), QStringLiteral("species")});
  QVERIFY(writeFile(m_ws + QStringLiteral("/configs/iris.yaml"), kIrisConfig));
  QVERIFY(writeFile(m_ws + QStringLiteral("/configs/bad.yaml"),
                    QByteArray(kIrisConfig) + "learning_rate_typo: 3\n"));
}

void TestRunQueue::runFinishesWithProgressMetricsAndLog() {
  RunLauncher launcher(cliPath(), m_ws);
  RunQueueWidget widget(&launcher);
  widget.resize(1000, 600);
  widget.show();
  QAbstractItemModelTester tester(widget.model(),
                                  QAbstractItemModelTester::FailureReportingMode::QtTest);
  StatusRecorder recorder(&launcher);
  QSignalSpy finished(&launcher, &RunLauncher::runFinished);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  auto* stack = widget.findChild<QStackedWidget*>();
  QVERIFY(stack);
  QCOMPARE(stack->currentWidget(), widget.emptyStateLabel());
  QVERIFY(widget.emptyStateLabel()->text().contains(QStringLiteral("No runs yet")));

  const int job =
      launcher.launchRun(QStringLiteral("configs/iris.yaml"), {QStringLiteral("trainer.epochs=5")},
                         QStringLiteral("queue-a"));
  QVERIFY(job > 0);
  QVERIFY(launcher.hasActiveJobs());
  QCOMPARE(widget.model()->rowCount(), 1);
  QCOMPARE(stack->currentWidget(), widget.view());
  QCOMPARE(widget.selectedEntry()->job, job);  // a new job is selected for its log
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 1, kRunTimeoutMs);

  const RunEntry* e = widget.model()->entryAt(0);
  QVERIFY(e);
  QCOMPARE(e->status, LaunchStatus::Finished);
  QCOMPARE(e->name, QStringLiteral("queue-a"));
  QVERIFY(!e->run_id.isEmpty());
  QCOMPARE(e->exit_code, 0);
  QCOMPARE(e->epoch, 5);
  QCOMPARE(e->epochs, 5);
  QVERIFY(e->step > 0);
  QVERIFY(e->started_at.isValid() && e->ended_at.isValid());
  const auto seen = recorder.statuses.value(e->key);
  QVERIFY2(seen.contains(LaunchStatus::Running), "the model never showed the run running");
  QCOMPARE(seen.last(), LaunchStatus::Finished);

  auto* model = widget.model();
  QCOMPARE(model->data(model->index(0, RunQueueModel::kProgress), RunQueueModel::ProgressRole)
               .toDouble(),
           1.0);
  QVERIFY(model->index(0, RunQueueModel::kProgress)
              .data()
              .toString()
              .startsWith(QStringLiteral("epoch 5/5")));
  QCOMPARE(model->index(0, RunQueueModel::kStatus).data().toString(), QStringLiteral("finished"));
  QVERIFY(
      model->index(0, RunQueueModel::kMetrics).data().toString().contains(QStringLiteral("acc ")));
  QVERIFY(
      model->index(0, RunQueueModel::kSamples).data().toString().endsWith(QStringLiteral("/s")));
  QVERIFY(!model->index(0, RunQueueModel::kDuration).data().toString().isEmpty());
  QVERIFY(e->metrics.contains(QStringLiteral("val/accuracy")));

  QCOMPARE(finished.count(), 1);
  QCOMPARE(finished.at(0).at(0).toString(), e->run_id);
  QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("finished"));

  // The log: readable event lines, one per epoch.
  const QStringList log = launcher.log(job);
  QVERIFY(log.first().startsWith(QStringLiteral("$ ")));
  QCOMPARE(log.filter(QRegularExpression(QStringLiteral("^epoch \\d/5  train/loss"))).size(), 5);
  QVERIFY(!log.filter(QStringLiteral("run finished")).isEmpty());
  QTRY_VERIFY(widget.logView()->toPlainText().contains(QStringLiteral("epoch 5/5")));
  QVERIFY(widget.logView()->isReadOnly());

  // The latest-metrics panel lists the last epoch's metrics.
  QTRY_VERIFY(widget.metricsTable()->rowCount() > 0);
  bool has_accuracy = false;
  for (int r = 0; r < widget.metricsTable()->rowCount(); ++r)
    has_accuracy |= widget.metricsTable()->item(r, 0)->text() == QStringLiteral("val/accuracy");
  QVERIFY(has_accuracy);

  // Open in Runs: the button and a double-click both ask for the run.
  QSignalSpy open(&widget, &RunQueueWidget::openRunRequested);
  QVERIFY(widget.openRunButton()->isEnabled());
  QVERIFY(!widget.stopButton()->isEnabled());
  widget.openRunButton()->click();
  QCOMPARE(open.count(), 1);
  QCOMPARE(open.at(0).at(0).toString(), e->run_id);
  const QRect cell = widget.view()->visualRect(model->index(0, RunQueueModel::kRun));
  QTest::mouseClick(widget.view()->viewport(), Qt::LeftButton, {}, cell.center());
  QTest::mouseDClick(widget.view()->viewport(), Qt::LeftButton, {}, cell.center());
  QCOMPARE(open.count(), 2);
  QCOMPARE(widget.stopAction()->shortcut(), QKeySequence(QKeySequence::Delete));
}

void TestRunQueue::badConfigIsAnError() {
  RunLauncher launcher(cliPath(), m_ws);
  RunQueueModel model(&launcher);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  QSignalSpy finished(&launcher, &RunLauncher::runFinished);
  const int job = launcher.launchRun(QStringLiteral("configs/bad.yaml"));
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 1, kRunTimeoutMs);
  const RunEntry* e = model.entryAt(0);
  QVERIFY(e);
  QCOMPARE(e->status, LaunchStatus::Error);
  QCOMPARE(e->exit_code, 1);
  QVERIFY(e->run_id.isEmpty());
  // The CLI's own words, without its "wb: " prefix.
  QVERIFY2(e->error.contains(QStringLiteral("learning_rate_typo")), qPrintable(e->error));
  QVERIFY(!e->error.startsWith(QStringLiteral("wb: ")));
  QVERIFY(!launcher.log(job).filter(QStringLiteral("learning_rate_typo")).isEmpty());
  QCOMPARE(model.index(0, RunQueueModel::kStatus).data().toString(), QStringLiteral("error"));
  QVERIFY(model.index(0, RunQueueModel::kStatus)
              .data(Qt::ToolTipRole)
              .toString()
              .contains(QStringLiteral("learning_rate_typo")));
  QCOMPARE(finished.count(), 0);  // no run was created
  QVERIFY(!launcher.hasActiveJobs());
}

void TestRunQueue::missingCliIsAnError() {
  RunLauncher launcher(m_dir.filePath(QStringLiteral("no-such-wb")), m_ws);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  launcher.launchRun(QStringLiteral("configs/iris.yaml"));
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 1, 5000);
  QCOMPARE(launcher.entry(0).status, LaunchStatus::Error);
  QVERIFY(launcher.entry(0).error.contains(QStringLiteral("cannot start")));
  QVERIFY(!launcher.hasActiveJobs());
}

void TestRunQueue::stopEndsTheRunKilled() {
  RunLauncher launcher(cliPath(), m_ws);
  RunQueueWidget widget(&launcher);
  QAbstractItemModelTester tester(widget.model(),
                                  QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy finished(&launcher, &RunLauncher::runFinished);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  const int job = launcher.launchRun(QStringLiteral("configs/iris.yaml"),
                                     {QStringLiteral("trainer.epochs=100000")});
  QTRY_VERIFY_WITH_TIMEOUT(
      launcher.entry(0).status == LaunchStatus::Running && launcher.entry(0).epoch >= 2,
      kRunTimeoutMs);
  const RunEntry* e = widget.model()->entryAt(0);
  QVERIFY(e->eta_seconds > 0);
  QVERIFY(!widget.model()->index(0, RunQueueModel::kEta).data().toString().isEmpty());
  const double progress = e->progress;
  QVERIFY(progress > 0 && progress < 0.01);

  widget.selectRow(0);
  QVERIFY(widget.stopButton()->isEnabled());
  QVERIFY(!widget.openRunButton()->isEnabled());
  widget.stopButton()->click();
  QCOMPARE(widget.model()->index(0, RunQueueModel::kStatus).data().toString(),
           QStringLiteral("stopping…"));
  QCOMPARE(widget.stopAction()->text(), QStringLiteral("Kill"));
  QVERIFY(!widget.stopButton()->isEnabled());  // Kill only after the run had 5 s to checkpoint
  launcher.stop(job);                          // a second stop within 5 s does not kill
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 1, kRunTimeoutMs);

  e = widget.model()->entryAt(0);
  QCOMPARE(e->status, LaunchStatus::Killed);
  QCOMPARE(e->exit_code, 143);
  QVERIFY2(e->message.contains(QStringLiteral("checkpoint saved")), qPrintable(e->message));
  QCOMPARE(finished.count(), 1);
  QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("killed"));
  QVERIFY(widget.openRunButton()->isEnabled());  // a killed run can be opened (and resumed)
  QCOMPARE(widget.stopAction()->text(), QStringLiteral("Stop"));
  QVERIFY(!widget.stopButton()->isEnabled());
}

void TestRunQueue::secondRunWaitsInTheQueue() {
  RunLauncher launcher(cliPath(), m_ws);
  RunQueueModel model(&launcher);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  StatusRecorder recorder(&launcher);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  const int first =
      launcher.launchRun(QStringLiteral("configs/iris.yaml"),
                         {QStringLiteral("trainer.epochs=100000")}, QStringLiteral("queue-holder"));
  QTRY_VERIFY_WITH_TIMEOUT(launcher.entry(0).status == LaunchStatus::Running, kRunTimeoutMs);
  const int second =
      launcher.launchRun(QStringLiteral("configs/iris.yaml"), {}, QStringLiteral("queue-waiter"));
  QTRY_VERIFY_WITH_TIMEOUT(launcher.entry(1).status == LaunchStatus::Queued, kRunTimeoutMs);
  QCOMPARE(launcher.entry(1).queue_position, 0);
  QCOMPARE(launcher.entry(1).queue_limit, 1);
  QVERIFY(!launcher.entry(1).run_id.isEmpty());  // the run exists while it waits
  QCOMPARE(model.index(1, RunQueueModel::kStatus).data().toString(),
           QStringLiteral("queued · next"));
  QVERIFY(!launcher.log(second).filter(QStringLiteral("queued: next")).isEmpty());

  // Stopped while it waits: killed, without ever running.
  launcher.stop(second);
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 1, kRunTimeoutMs);
  const RunEntry& waiter = launcher.entry(1);
  QCOMPARE(waiter.status, LaunchStatus::Killed);
  QCOMPARE(waiter.exit_code, 143);
  QVERIFY(!recorder.statuses.value(waiter.key).contains(LaunchStatus::Running));
  QCOMPARE(launcher.entry(0).status, LaunchStatus::Running);
  launcher.stopAll();
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 2, kRunTimeoutMs);
  QCOMPARE(launcher.entry(launcher.rootRowOfJob(first)).status, LaunchStatus::Killed);
}

void TestRunQueue::sweepAddsOneRowPerChild() {
  RunLauncher launcher(cliPath(), m_ws);
  RunQueueModel model(&launcher);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy finished(&launcher, &RunLauncher::runFinished);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  const int sweep = launcher.launchSweep(
      QStringLiteral("configs/iris.yaml"),
      {QStringLiteral("optim.lr=0.01,0.02"), QStringLiteral("trainer.epochs=3")}, 2);
  // A run launched after the sweep: the children, reported later, still go under their parent.
  const int single =
      launcher.launchRun(QStringLiteral("configs/iris.yaml"), {QStringLiteral("trainer.epochs=1")});
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 2, 2 * kRunTimeoutMs);

  QCOMPARE(model.rowCount(), 4);
  QCOMPARE(model.entryAt(3)->job, single);
  QCOMPARE(model.entryAt(3)->status, LaunchStatus::Finished);
  const RunEntry* parent = model.entryAt(0);
  QCOMPARE(parent->kind, LaunchKind::Sweep);
  QCOMPARE(parent->job, sweep);
  QCOMPARE(parent->status, LaunchStatus::Finished);
  QCOMPARE(parent->sweep_runs, 2);
  QCOMPARE(parent->sweep_done, 2);
  QCOMPARE(parent->sweep_failed, 0);
  QCOMPARE(parent->exit_code, 0);
  QCOMPARE(parent->progress, 1.0);
  QVERIFY(!parent->run_id.isEmpty());
  QCOMPARE(model.index(0, RunQueueModel::kProgress).data().toString(), QStringLiteral("2/2 runs"));
  QStringList child_names;
  for (int row = 1; row <= 2; ++row) {
    const RunEntry* c = model.entryAt(row);
    QCOMPARE(c->kind, LaunchKind::SweepChild);
    QCOMPARE(c->job, sweep);
    QCOMPARE(c->parent_run_id, parent->run_id);
    QCOMPARE(c->status, LaunchStatus::Finished);
    QCOMPARE(c->epoch, 3);
    QCOMPARE(c->progress, 1.0);
    QVERIFY(c->metrics.contains(QStringLiteral("val/loss")));
    QVERIFY(
        model.index(row, RunQueueModel::kRun).data().toString().startsWith(QStringLiteral("↳ ")));
    child_names << c->name;
  }
  QVERIFY(child_names.at(0) != child_names.at(1));
  // Both children, the parent and the single run report their end.
  QCOMPARE(finished.count(), 4);
  // The interleaved log says whose line it is.
  const QStringList log = launcher.log(sweep);
  for (const auto& name : child_names)
    QVERIFY(!log.filter(QLatin1Char('[') + name + QStringLiteral("] epoch 3/3")).isEmpty());
  QVERIFY(!log.filter(QStringLiteral("sweep finished")).isEmpty());
}

void TestRunQueue::stopSweepStopsItsChildren() {
  RunLauncher launcher(cliPath(), m_ws);
  RunQueueModel model(&launcher);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  const int sweep = launcher.launchSweep(
      QStringLiteral("configs/iris.yaml"),
      {QStringLiteral("optim.lr=0.01,0.02"), QStringLiteral("trainer.epochs=100000")}, 2);
  auto child_running = [&] {
    for (const auto& e : launcher.entries())
      if (e.kind == LaunchKind::SweepChild && e.status == LaunchStatus::Running && e.epoch >= 1)
        return true;
    return false;
  };
  QTRY_VERIFY_WITH_TIMEOUT(child_running(), kRunTimeoutMs);
  launcher.stop(sweep);
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 1, kRunTimeoutMs);
  QCOMPARE(launcher.entry(0).kind, LaunchKind::Sweep);
  QCOMPARE(launcher.entry(0).status, LaunchStatus::Killed);
  for (const auto& e : launcher.entries()) QCOMPARE(e.status, LaunchStatus::Killed);
  QVERIFY(!launcher.hasActiveJobs());
}

void TestRunQueue::clearFinishedEmptiesTheQueue() {
  RunLauncher launcher(cliPath(), m_ws);
  RunQueueWidget widget(&launcher);
  QAbstractItemModelTester tester(widget.model(),
                                  QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy job_done(&launcher, &RunLauncher::jobFinished);
  launcher.launchRun(QStringLiteral("configs/bad.yaml"));
  const int good =
      launcher.launchRun(QStringLiteral("configs/iris.yaml"), {QStringLiteral("trainer.epochs=2")});
  QCOMPARE(widget.model()->rowCount(), 2);
  QVERIFY(widget.stopAllButton()->isEnabled());
  QTRY_VERIFY_WITH_TIMEOUT(job_done.count() == 2, kRunTimeoutMs);
  QCOMPARE(launcher.entry(launcher.rootRowOfJob(good)).status, LaunchStatus::Finished);
  QVERIFY(!widget.stopAllButton()->isEnabled());
  QVERIFY(widget.clearFinishedButton()->isEnabled());
  widget.clearFinishedButton()->click();
  QCOMPARE(widget.model()->rowCount(), 0);
  QVERIFY(launcher.jobs().isEmpty());
  QVERIFY(widget.logView()->toPlainText().isEmpty());
  QVERIFY(!widget.clearFinishedButton()->isEnabled());
  QCOMPARE(widget.findChild<QStackedWidget*>()->currentWidget(), widget.emptyStateLabel());
}

// App close: no orphan training processes, and the wait for them is bounded.
void TestRunQueue::destroyingTheLauncherEndsItsRuns() {
  auto launcher = std::make_unique<RunLauncher>(cliPath(), m_ws);
  const int job = launcher->launchRun(QStringLiteral("configs/iris.yaml"),
                                      {QStringLiteral("trainer.epochs=100000")});
  QTRY_VERIFY_WITH_TIMEOUT(launcher->entry(0).status == LaunchStatus::Running, kRunTimeoutMs);
  const auto pid = static_cast<pid_t>(launcher->processId(job));
  QVERIFY(pid > 0);
  QVERIFY(::kill(pid, 0) == 0);
  QElapsedTimer timer;
  timer.start();
  launcher.reset();
  QVERIFY2(timer.elapsed() < 4000, qPrintable(QString::number(timer.elapsed())));
  QVERIFY(::kill(pid, 0) != 0);  // gone (and reaped)
}

QTEST_MAIN(TestRunQueue)
#include "tst_run_queue.moc"
