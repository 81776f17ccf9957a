// The Experiments section end to end in the real main window: edit a config through the form,
// launch it, watch the queue run the real `wb train` process to the end, open it in Runs.
// Runs headless (QT_QPA_PLATFORM=offscreen).
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "core/train/run_slots.h"
#include "core/workspace/workspace.h"
#include "ui/experiments/config_form_widget.h"
#include "ui/experiments/experiment_editor_widget.h"
#include "ui/experiments/experiments_panel.h"
#include "ui/shell/main_window.h"
#include "ui/charts/metric_series_store.h"
#include "ui/runs/run_detail_widget.h"
#include "ui/experiments/run_launcher.h"
#include "ui/experiments/run_queue_model.h"
#include "ui/experiments/run_queue_widget.h"
#include "ui/runs/run_table_model.h"
#include "ui/runs/runs_panel.h"
#include "ui/experiments/yaml_editor.h"

using namespace wb::ui;

namespace {

QString cli() {
  const QString env = qEnvironmentVariable("WB_CLI");
  return env.isEmpty() ? QStringLiteral(WB_CLI_PATH) : env;
}

bool runWb(const QString& ws, const QStringList& args) {
  QProcess p;
  p.start(cli(), QStringList{QStringLiteral("-w"), ws} + args);
  p.waitForFinished(60000);
  if (p.exitCode() != 0) qWarning() << "wb failed:" << args << p.readAllStandardError();
  return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

const char* kConfig = R"(# Iris, small and quick
experiment: iris
data:
  dataset: iris@latest
  transforms: [{name: standardize}]
  batch_size: 16
  workers: 0
model:
  type: mlp
  hidden: [8]
optim:
  name: adam
  lr: 0.01
trainer:
  epochs: 3
  seed: 5
)";

}  // namespace

class TestExperimentsGui : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_settings_dir;
  QTemporaryDir m_dir;
  QString m_ws;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_settings_dir.isValid() && m_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_experiments_gui"));
    m_ws = m_dir.filePath(QStringLiteral("ws"));
    QVERIFY(runWb(m_ws, {QStringLiteral("init"), m_ws}));
    QVERIFY(runWb(m_ws, {QStringLiteral("data"), QStringLiteral("import"),
                      QStringLiteral(WB_SOURCE_DIR) + QStringLiteral("/resources/iris.csv"),
                      QStringLiteral("--name"), QStringLiteral("iris")}));
    QDir().mkpath(m_ws + QStringLiteral("/configs"));
    QFile f(m_ws + QStringLiteral("/configs/iris.yaml"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kConfig);
  }

  void editLaunchWatchAndOpenInRuns() {
    MainWindow w;
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.openWorkspace(m_ws);
    QVERIFY(ready.wait(20000));
    w.showSection(QStringLiteral("Experiments"));
    ExperimentsPanel* panel = w.experimentsPanel();
    QVERIFY(panel && panel->isVisible());
    ExperimentEditorWidget* editor = panel->editor();
    // The only config opens by itself.
    QTRY_VERIFY_WITH_TIMEOUT(editor->currentConfigPath().endsWith(QStringLiteral("iris.yaml")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!editor->isValidationPending() && editor->isValid(), 10000);

    // A form edit lands in the YAML text, comment kept.
    auto* epochs = qobject_cast<QSpinBox*>(editor->form()->editorFor(QStringLiteral("trainer.epochs")));
    QVERIFY(epochs);
    QCOMPARE(epochs->value(), 3);
    epochs->setFocus();
    epochs->selectAll();
    QTest::keyClicks(epochs, QStringLiteral("4"));
    QTest::keyClick(epochs, Qt::Key_Enter);
    QTRY_VERIFY_WITH_TIMEOUT(editor->yamlEditor()->toPlainText().contains(QStringLiteral("epochs: 4")), 5000);
    QVERIFY(editor->yamlEditor()->toPlainText().startsWith(QStringLiteral("# Iris, small and quick")));
    QVERIFY(editor->isDirty());
    QTRY_VERIFY_WITH_TIMEOUT(!editor->isValidationPending() && editor->isValid(), 10000);

    // Run: saves first, then the queue runs the real process to the end.
    QSignalSpy finished(panel->launcher(), &RunLauncher::runFinished);
    QVERIFY(editor->runButton()->isEnabled());
    QTest::mouseClick(editor->runButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!editor->isDirty(), 5000);
    {
      QFile saved(m_ws + QStringLiteral("/configs/iris.yaml"));
      QVERIFY(saved.open(QIODevice::ReadOnly));
      QVERIFY(saved.readAll().contains("epochs: 4"));
    }
    RunQueueModel* model = panel->queue()->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 5000);
    QVERIFY(finished.wait(60000) || finished.count() == 1);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("finished"));
    const QString run_id = finished.at(0).at(0).toString();
    QVERIFY(!run_id.isEmpty());
    const RunEntry entry = panel->launcher()->entry(0);
    QCOMPARE(entry.epoch, 4);
    QCOMPARE(entry.epochs, 4);
    QVERIFY(entry.metrics.contains(QStringLiteral("val/accuracy")));
    QTRY_COMPARE_WITH_TIMEOUT(model->data(model->index(0, RunQueueModel::kProgress), RunQueueModel::ProgressRole).toDouble(), 1.0, 5000);

    // Open in Runs: the Runs section shows that run, selected.
    panel->queue()->selectRow(0);
    QTRY_VERIFY(panel->queue()->openRunButton()->isEnabled());
    QSignalSpy open(panel, &ExperimentsPanel::openRunRequested);
    QTest::mouseClick(panel->queue()->openRunButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(w.runsPanel()->isVisible(), 5000);
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.at(0).at(0).toString(), run_id);
    QTRY_COMPARE_WITH_TIMEOUT(w.runsPanel()->selectedRunIds(), QStringList{run_id}, 10000);
  }

  // A run launched here feeds the Runs charts from its event stream, not only through the
  // database: with polling pushed out of the way, the open run's series still grow.
  void launchedRunFeedsTheChartsLive() {
    MainWindow w;
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.openWorkspace(m_ws);
    QVERIFY(ready.wait(20000));
    MetricSeriesStore* store = w.runsPanel()->detail()->seriesStore();
    store->setPollInterval(10 * 60 * 1000);
    RunLauncher* launcher = w.experimentsPanel()->launcher();
    launcher->launchRun(m_ws + QStringLiteral("/configs/iris.yaml"),
                        {QStringLiteral("trainer.epochs=3000")});
    QTRY_VERIFY_WITH_TIMEOUT(launcher->entryCount() == 1 && launcher->entry(0).epoch >= 1, 30000);
    const QString run_id = launcher->entry(0).run_id;
    QVERIFY(!run_id.isEmpty());
    w.runsPanel()->showRun(run_id);
    const QString key = QStringLiteral("train/accuracy");  // the first panel: in view, loaded
    QTRY_VERIFY_WITH_TIMEOUT(store->isAcquired(run_id) && store->isLoaded(run_id, key), 10000);
    const std::size_t loaded = store->series(run_id, key)->size();
    QTRY_VERIFY_WITH_TIMEOUT(store->series(run_id, key)->size() >= loaded + 5, 20000);
    QCOMPARE(launcher->entry(0).status, LaunchStatus::Running);  // no final poll yet
    launcher->stopAll();
    QTRY_VERIFY_WITH_TIMEOUT(!launcher->hasActiveJobs(), 30000);
  }

  // A bayes sweep from the queue: the parent row and one row per child as the sweep proposes
  // them, all finished, with the best child named.
  void bayesSweepFromTheQueue() {
    QFile f(m_ws + QStringLiteral("/configs/iris-bayes.yaml"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("defaults: [iris, _self_]\n"
            "trainer: {epochs: 2}\n"
            "sweep:\n"
            "  method: bayes\n"
            "  metric: {name: val/loss, goal: minimize}\n"
            "  run_cap: 4\n"
            "  parameters:\n"
            "    optim.lr: {distribution: log_uniform, min: 0.001, max: 0.1}\n");
    f.close();
    RunLauncher launcher(cli(), m_ws);
    QSignalSpy done(&launcher, &RunLauncher::jobFinished);
    launcher.launchSweep(m_ws + QStringLiteral("/configs/iris-bayes.yaml"));
    QVERIFY(done.wait(120000));
    QCOMPARE(launcher.entryCount(), 5);
    const RunEntry& parent = launcher.entry(0);
    QCOMPARE(parent.sweep_runs, 4);
    QCOMPARE(parent.sweep_failed, 0);
    QVERIFY2(parent.sweep_best.contains(QStringLiteral("val/loss")), qPrintable(parent.sweep_best));
    for (int row = 1; row < 5; ++row) {
      QCOMPARE(launcher.entry(row).status, LaunchStatus::Finished);
      QCOMPARE(launcher.entry(row).parent_run_id, parent.run_id);
    }
    QFile::remove(m_ws + QStringLiteral("/configs/iris-bayes.yaml"));
  }

  void limitBoxSetsTheSharedQueueLimit() {
    MainWindow w;
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.openWorkspace(m_ws);
    QVERIFY(ready.wait(20000));
    QSpinBox* box = w.experimentsPanel()->limitBox();
    auto ws = wb::Workspace::open(m_ws.toStdString());
    QVERIFY(ws.ok());
    qputenv("WB_MAX_RUNS", QByteArray());  // the environment would override the file
    qunsetenv("WB_MAX_RUNS");
    box->setValue(3);
    QCOMPARE(wb::train::runLimit(*ws), 3);
    box->setValue(wb::train::defaultRunLimit());
    QVERIFY(!QFile::exists(m_ws + QStringLiteral("/.workbench/queue/limit")));  // back to default
  }
  // Opening workspace A after B restored B's config by its absolute path, and Run then trained
  // a run in A from B's file. The open config is now kept per workspace, and a file outside the
  // open workspace is read-only, under a banner, and never launched.
  // The form's model hyperparameters come from the real `wb models types --json`: pins the
  // catalog call surviving the rename of `wb models` (which now lists registered models).
  void modelCatalogComesFromTheRealCli() {
    ExperimentEditorWidget editor;
    editor.setCliPath(cli());
    editor.setWorkspace(m_ws);
    editor.show();
    QVERIFY(editor.openConfig(m_ws + QStringLiteral("/configs/iris.yaml")));
    editor.refreshModelCatalog();
    QTRY_VERIFY_WITH_TIMEOUT(editor.form()->editorFor(QStringLiteral("model.dropout")) != nullptr, 30000);
    QVERIFY(editor.form()->modelTypes().contains(QStringLiteral("resnet18")));
  }

  void editorStateIsPerWorkspace() {
    const QString other = m_dir.filePath(QStringLiteral("other"));
    QVERIFY(runWb(other, {QStringLiteral("init"), other}));
    const QString b_config = other + QStringLiteral("/configs/b-only.yaml");
    QVERIFY(QDir().mkpath(other + QStringLiteral("/configs")));
    for (const QString& name : {QStringLiteral("a-first.yaml"), QStringLiteral("b-only.yaml")}) {
      QFile f(other + QStringLiteral("/configs/") + name);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(kConfig);
    }
    MainWindow w;
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.openWorkspace(other);
    QVERIFY(ready.wait(20000));
    w.showSection(QStringLiteral("Experiments"));
    QVERIFY(w.experimentsPanel()->editor()->openConfig(b_config));

    // A: its own config, not B's.
    w.openWorkspace(m_ws);
    QVERIFY(ready.wait(20000));
    ExperimentsPanel* panel = w.experimentsPanel();
    ExperimentEditorWidget* editor = panel->editor();
    QCOMPARE(editor->workspaceRoot(), QFileInfo(m_ws).absoluteFilePath());
    QCOMPARE(editor->currentConfigPath(), QFileInfo(m_ws + QStringLiteral("/configs/iris.yaml")).absoluteFilePath());
    QVERIFY(!editor->isReadOnly());
    QVERIFY(!editor->outsideBanner()->isVisible());

    // B's file opened in A on purpose: shown read-only under the banner; Run cannot launch it.
    QSignalSpy launches(editor, &ExperimentEditorWidget::launchRequested);
    QVERIFY(editor->openConfig(b_config));
    QTRY_VERIFY_WITH_TIMEOUT(!editor->isValidationPending(), 10000);
    QVERIFY(editor->isValid());  // a good config, still not runnable here
    QVERIFY(editor->isReadOnly());
    QVERIFY(editor->outsideBanner()->isVisible());
    auto* banner_text = editor->outsideBanner()->findChild<QLabel*>();
    QVERIFY(banner_text && banner_text->text().contains(QStringLiteral("outside the workspace")));
    QVERIFY(banner_text->text().contains(QStringLiteral("Save a copy into configs/")));
    QVERIFY(!editor->runButton()->isEnabled());
    QVERIFY(editor->yamlEditor()->isReadOnly());
    editor->requestRun();
    QTest::keyClick(editor->yamlEditor(), Qt::Key_Return, Qt::ControlModifier);
    QTest::qWait(200);
    QCOMPARE(launches.count(), 0);
    QCOMPARE(panel->launcher()->entryCount(), 0);
    // The panel refuses too, should anything else ask it to launch B's file.
    Q_EMIT editor->launchRequested(b_config, false);
    QCOMPARE(panel->launcher()->entryCount(), 0);

    // A copy into A's configs/ is A's own: editable and runnable.
    auto* copy = editor->outsideBanner()->findChild<QPushButton*>(QStringLiteral("bannerSaveCopy"));
    QVERIFY(copy);
    QTest::mouseClick(copy, Qt::LeftButton);
    const QString copied = QFileInfo(m_ws + QStringLiteral("/configs/b-only.yaml")).absoluteFilePath();
    QCOMPARE(editor->currentConfigPath(), copied);
    QVERIFY(!editor->isReadOnly());
    QVERIFY(!editor->outsideBanner()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!editor->isValidationPending() && editor->runButton()->isEnabled(), 10000);

    // Back to B: its own last config again (A's choice stays A's).
    w.openWorkspace(other);
    QVERIFY(ready.wait(20000));
    QCOMPARE(w.experimentsPanel()->editor()->currentConfigPath(), QFileInfo(b_config).absoluteFilePath());
    w.openWorkspace(m_ws);
    QVERIFY(ready.wait(20000));
    QCOMPARE(w.experimentsPanel()->editor()->currentConfigPath(), copied);
    QFile::remove(copied);
  }

  // Not a check: writes docs/images/experiments.png when WB_SCREENSHOT_DIR and
  // WB_SCREENSHOT_WORKSPACE (a demo workspace) are set.
  void screenshot() {
    const QString out = qEnvironmentVariable("WB_SCREENSHOT_DIR");
    const QString ws = qEnvironmentVariable("WB_SCREENSHOT_WORKSPACE");
    if (out.isEmpty() || ws.isEmpty()) QSKIP("WB_SCREENSHOT_DIR and WB_SCREENSHOT_WORKSPACE not set");
    MainWindow w;
    w.resize(1500, 940);
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.openWorkspace(ws);
    QVERIFY(ready.wait(20000));
    w.showSection(QStringLiteral("Experiments"));
    ExperimentsPanel* panel = w.experimentsPanel();
    panel->launcher()->launchRun(ws + QStringLiteral("/configs/iris-mlp.yaml"));
    panel->launcher()->launchRun(ws + QStringLiteral("/configs/digits-lenet.yaml"));
    panel->launcher()->launchRun(ws + QStringLiteral("/configs/shapes-resnet.yaml"));
    QVERIFY(panel->editor()->openConfig(ws + QStringLiteral("/configs/digits-lenet.yaml")));
    QTRY_VERIFY_WITH_TIMEOUT(panel->launcher()->entryCount() == 3 && panel->launcher()->entry(1).epoch >= 3, 60000);
    panel->queue()->selectRow(1);
    QTest::qWait(1500);
    QVERIFY(w.grab().save(out + QStringLiteral("/experiments.png")));
    panel->launcher()->stopAll();
    QTRY_VERIFY_WITH_TIMEOUT(!panel->launcher()->hasActiveJobs(), 30000);
  }
};

QTEST_MAIN(TestExperimentsGui)
#include "tst_experiments_gui.moc"
