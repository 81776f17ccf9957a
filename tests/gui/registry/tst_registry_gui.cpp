// The Registry section in the real main window, offscreen, over a workspace with two short Iris
// runs trained by the real `wb train`: register from the Runs context menu through the dialog
// (the real `wb models register` child process), move production with its confirmation, follow
// lineage links into Runs and Datasets, see changes made by the CLI (another process) appear by
// themselves, and delete with the reclaim preview (refused for an aliased version). The slots
// share one workspace and run in order: each builds on what the previous ones registered.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>

#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "ui/compare/compare_panel.h"
#include "ui/datasets/datasets_panel.h"
#include "ui/registry/compare_versions_dialog.h"
#include "ui/registry/delete_version_dialog.h"
#include "ui/registry/export_model_dialog.h"
#include "ui/registry/model_list_model.h"
#include "ui/registry/promote_dialog.h"
#include "ui/registry/register_model_dialog.h"
#include "ui/registry/registry_panel.h"
#include "ui/registry/registry_watcher.h"
#include "ui/registry/version_detail_widget.h"
#include "ui/registry/version_filter_proxy.h"
#include "ui/registry/version_table_model.h"
#include "ui/runs/run_detail_widget.h"
#include "ui/runs/runs_panel.h"
#include "ui/shell/main_window.h"
#include "ui/shell/workspace_session.h"

using namespace wb;
using namespace wb::ui;

namespace {

constexpr int kProcessTimeoutMs = 180000;  // wb-ml loads LibTorch; the machine is shared

QString cli() {
  const QString env = qEnvironmentVariable("WB_CLI");
  return env.isEmpty() ? QStringLiteral(WB_CLI_PATH) : env;
}

QString runWb(const QString& ws, const QStringList& args, bool* ok = nullptr) {
  QProcess p;
  p.start(cli(), QStringList{QStringLiteral("-w"), ws} + args);
  p.waitForFinished(kProcessTimeoutMs);
  const bool good = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
  if (!good) qWarning() << "wb failed:" << args << p.readAllStandardError();
  if (ok) *ok = good;
  return QString::fromUtf8(p.readAllStandardOutput());
}

const char* kConfig = R"(experiment: iris
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
  lr: 0.02
trainer:
  epochs: 2
  seed: 5
)";

/// What a confirmation asked, answered with `answer`.
struct ConfirmRecorder {
  QStringList texts;
  bool answer = true;
  RegistryPanel::Confirm hook() {
    return [this](const QString& title, const QString& text) {
      texts << title + QStringLiteral(": ") + text;
      return answer;
    };
  }
};

}  // namespace

class TestRegistryGui : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_settings_dir;
  QTemporaryDir m_dir;
  QString m_ws;
  QString m_first, m_second;  // run ids

  std::optional<registry::ModelVersion> resolve(const std::string& ref) {
    auto ws = Workspace::open(m_ws.toStdString());
    if (!ws) return std::nullopt;
    auto db = ws->connect();
    if (!db) return std::nullopt;
    objects::ObjectStore objects(ws->objectsDir());
    registry::ModelRegistry reg(**db, objects);
    auto v = reg.resolve(ref);
    if (!v) return std::nullopt;
    return *v;
  }

  std::vector<registry::AliasEvent> history(const std::string& name) {
    auto ws = Workspace::open(m_ws.toStdString());
    auto db = ws->connect();
    objects::ObjectStore objects(ws->objectsDir());
    registry::ModelRegistry reg(**db, objects);
    auto h = reg.history(name);
    return h ? *h : std::vector<registry::AliasEvent>{};
  }

  void openWindow(MainWindow& w) {
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.openWorkspace(m_ws);
    QVERIFY(ready.wait(20000));
    QVERIFY(w.registryPanel());
    QVERIFY(w.sectionNames().contains(QStringLiteral("Registry")));
  }

  // Waits until the panel's table holds NAME/VERSION.
  static bool waitForVersion(RegistryPanel* panel, const QString& name, int version,
                             int timeout_ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeout_ms) {
      if (panel->versionModel()->rowOf(name, version) >= 0) return true;
      QTest::qWait(50);
    }
    return false;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_settings_dir.isValid() && m_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_registry_gui"));
    m_ws = m_dir.filePath(QStringLiteral("ws"));
    bool ok = false;
    runWb(m_ws, {QStringLiteral("init"), m_ws}, &ok);
    QVERIFY(ok);
    runWb(m_ws,
          {QStringLiteral("data"), QStringLiteral("import"),
           QStringLiteral(WB_SOURCE_DIR) + QStringLiteral("/resources/iris.csv"),
           QStringLiteral("--name"), QStringLiteral("iris")},
          &ok);
    QVERIFY(ok);
    QDir().mkpath(m_ws + QStringLiteral("/configs"));
    {
      QFile f(m_ws + QStringLiteral("/configs/iris.yaml"));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(kConfig);
    }
    runWb(m_ws,
          {QStringLiteral("train"), QStringLiteral("iris"), QStringLiteral("--name"),
           QStringLiteral("first")},
          &ok);
    QVERIFY(ok);
    runWb(m_ws,
          {QStringLiteral("train"), QStringLiteral("iris"), QStringLiteral("trainer.seed=9"),
           QStringLiteral("--name"), QStringLiteral("second")},
          &ok);
    QVERIFY(ok);
    auto ws = Workspace::open(m_ws.toStdString());
    QVERIFY(ws);
    auto db = ws->connect();
    QVERIFY(db);
    store::RunRepository runs(**db);
    auto first = runs.find("first");
    auto second = runs.find("second");
    QVERIFY(first && second);
    m_first = QString::fromStdString(first->id);
    m_second = QString::fromStdString(second->id);
  }

  // The issue's first GUI case: register from the Runs context menu, through the dialog.
  void registerFromTheRunsContextMenu() {
    MainWindow w;
    openWindow(w);
    RunsPanel* runs = w.runsPanel();
    RegistryPanel* registry = w.registryPanel();
    w.showSection(QStringLiteral("Runs"));
    QTRY_VERIFY_WITH_TIMEOUT(runs->model()->rowCount() >= 2, 10000);
    runs->showRun(m_first);
    QTRY_COMPARE_WITH_TIMEOUT(runs->selectedRunIds(), QStringList{m_first}, 5000);
    // The context menu lists the view's actions: Register Model… is one, enabled for one run.
    QAction* action = runs->registerModelAction();
    QVERIFY(runs->view()->actions().contains(action));
    QVERIFY(action->isEnabled());
    QVERIFY(runs->detail()->registerButton()->isEnabled());
    action->trigger();
    auto* dialog = registry->findChild<RegisterModelDialog*>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    // The dataset's name is suggested; an invalid name is refused before any process runs.
    QCOMPARE(dialog->nameEdit()->text(), QStringLiteral("iris"));
    dialog->nameEdit()->setText(QStringLiteral("-bad name"));
    QVERIFY(!dialog->submit());
    QVERIFY(dialog->messageLabel()->text().contains(QStringLiteral("not a valid model name")));
    QVERIFY(!dialog->isBusy());

    dialog->nameEdit()->setText(QStringLiteral("iris"));
    dialog->aliasBox()->setCurrentText(QStringLiteral("staging"));
    dialog->descriptionEdit()->setPlainText(QStringLiteral("first GUI registration"));
    QSignalSpy registered(registry, &RegistryPanel::versionRegistered);
    QTest::mouseClick(dialog->registerButton(), Qt::LeftButton);
    QVERIFY(dialog->isBusy());
    QVERIFY(!dialog->registerButton()->isEnabled());
    QVERIFY(dialog->commandLine().contains(QStringLiteral("models register ") + m_first));
    QVERIFY(registered.wait(kProcessTimeoutMs) || registered.count() == 1);
    QCOMPARE(registered.at(0).at(0).toString(), QStringLiteral("iris"));
    QCOMPARE(registered.at(0).at(1).toInt(), 1);

    // The new version is on screen, selected, in the Registry section.
    QTRY_VERIFY_WITH_TIMEOUT(registry->isVisible(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(registry->currentVersion() && registry->currentVersion()->version == 1,
                             10000);
    QCOMPARE(registry->currentVersion()->model, std::string("iris"));
    QCOMPARE(registry->currentVersion()->run_id, m_first.toStdString());
    QCOMPARE(registry->currentVersion()->aliases, std::vector<std::string>{"staging"});
    QVERIFY(registry->detail()->overviewLabel()->text().contains(
        QStringLiteral("first GUI registration")));
    // The model card comes from the bundle, read off the GUI thread.
    QTRY_VERIFY_WITH_TIMEOUT(registry->detail()->isModelCardLoaded(), 20000);
    QVERIFY(registry->detail()->modelCardView()->toPlainText().contains(QStringLiteral("iris")));
    QVERIFY(
        !registry->detail()->modelCardView()->toPlainText().startsWith(QStringLiteral("Cannot")));
    const auto stored = resolve("iris@staging");
    QVERIFY(stored);
    QCOMPARE(stored->version, 1);
    QCOMPARE(stored->description, std::string("first GUI registration"));
  }

  // Run detail's button and Compare's "Register Best Run…" open the same dialog for their run.
  void registerFromRunDetailAndCompare() {
    MainWindow w;
    openWindow(w);
    RunsPanel* runs = w.runsPanel();
    RegistryPanel* registry = w.registryPanel();
    QTRY_VERIFY_WITH_TIMEOUT(runs->model()->rowCount() >= 2, 10000);
    runs->showRun(m_second);
    QTRY_COMPARE_WITH_TIMEOUT(runs->detail()->runId(), m_second, 5000);
    QTest::mouseClick(runs->detail()->registerButton(), Qt::LeftButton);
    auto* dialog = registry->findChild<RegisterModelDialog*>();
    QVERIFY(dialog);
    const auto labels = dialog->findChildren<QLabel*>();
    QVERIFY(std::any_of(labels.begin(), labels.end(),
                        [this](QLabel* l) { return l->text().contains(m_second.left(12)); }));
    dialog->reject();
    QTRY_VERIFY(!registry->findChild<RegisterModelDialog*>());

    w.comparePanel()->setRuns({m_first, m_second});
    QTRY_VERIFY_WITH_TIMEOUT(!w.comparePanel()->bestRunId().isEmpty(), 10000);
    QVERIFY(w.comparePanel()->registerBestButton()->isEnabled());
    QTest::mouseClick(w.comparePanel()->registerBestButton(), Qt::LeftButton);
    dialog = registry->findChild<RegisterModelDialog*>();
    QVERIFY(dialog);
    const QString best = w.comparePanel()->bestRunId();
    const auto best_labels = dialog->findChildren<QLabel*>();
    QVERIFY(std::any_of(best_labels.begin(), best_labels.end(),
                        [&best](QLabel* l) { return l->text().contains(best.left(12)); }));
    dialog->reject();
  }

  // Cancel while `wb models register` works: the process is stopped, nothing is registered,
  // and the form is usable again.
  void cancelRegistration() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    registry->registerFromRun(m_second, QStringLiteral("second"), QStringLiteral("iris-cancelled"));
    auto* dialog = registry->findChild<RegisterModelDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->submit());
    QVERIFY(dialog->isBusy());
    dialog->reject();  // Cancel while busy stops the process, the dialog stays
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy(), 20000);
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->messageLabel()->text().contains(QStringLiteral("Cancelled")));
    QVERIFY(dialog->registerButton()->isEnabled());
    QVERIFY(!resolve("iris-cancelled"));
    dialog->reject();  // not busy: closes
    QTRY_VERIFY(!registry->findChild<RegisterModelDialog*>());
  }

  // A version registered and an alias set by the CLI (another process) appear without F5.
  void cliChangesAppearByThemselves() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    QTRY_VERIFY_WITH_TIMEOUT(registry->versionModel()->rowOf(QStringLiteral("iris"), 1) >= 0,
                             10000);
    QSignalSpy applied(registry, &RegistryPanel::snapshotApplied);
    bool ok = false;
    runWb(m_ws,
          {QStringLiteral("models"), QStringLiteral("register"), m_second, QStringLiteral("--name"),
           QStringLiteral("iris")},
          &ok);
    QVERIFY(ok);
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 2, 10000));
    runWb(m_ws,
          {QStringLiteral("models"), QStringLiteral("alias"), QStringLiteral("iris"),
           QStringLiteral("champion"), QStringLiteral("2")},
          &ok);
    QVERIFY(ok);
    QTRY_VERIFY_WITH_TIMEOUT(
        registry->snapshot()->findModel("iris")->aliases.count("champion") == 1, 10000);
    QCOMPARE(registry->snapshot()->findModel("iris")->aliases.at("champion"), 2);
    QVERIFY(applied.count() >= 2);
    // The model list shows the badges "alias:version".
    const int row = registry->modelList()->rowOf(QStringLiteral("iris"));
    QVERIFY(row > 0);
    const QStringList badges = registry->modelList()
                                   ->index(row, ModelListModel::Aliases)
                                   .data(Qt::UserRole + 40)
                                   .toStringList();
    QVERIFY(badges.contains(QStringLiteral("champion:2")));
    QVERIFY(badges.contains(QStringLiteral("staging:1")));

    // F5 (View ▸ Refresh) reads the registry again at once, changed or not.
    QAction* refresh = nullptr;
    for (QAction* a : w.findChildren<QAction*>())
      if (a->shortcut() == QKeySequence(QKeySequence::Refresh)) refresh = a;
    QVERIFY(refresh);
    QSignalSpy again(registry, &RegistryPanel::snapshotApplied);
    refresh->trigger();
    QVERIFY(again.wait(5000));
  }

  // Moving production asks first, naming from → to; declining changes nothing; the move is
  // audited with the GUI as its actor.
  void productionMoveIsConfirmedAndAudited() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 2, 10000));
    ConfirmRecorder confirm;
    registry->setConfirm(confirm.hook());
    QSignalSpy written(registry, &RegistryPanel::writeFinished);

    registry->setAlias(QStringLiteral("iris"), QStringLiteral("production"), 1);
    QVERIFY(written.wait(10000));
    QCOMPARE(written.last().at(1).toString(), QString());
    QCOMPARE(confirm.texts.size(), 1);
    QVERIFY(confirm.texts.last().contains(QStringLiteral("to version 1")));
    QCOMPARE(resolve("iris@production")->version, 1);

    // Declined: no write at all.
    confirm.answer = false;
    registry->setAlias(QStringLiteral("iris"), QStringLiteral("production"), 2);
    QTRY_COMPARE_WITH_TIMEOUT(confirm.texts.size(), 2, 10000);
    QVERIFY(confirm.texts.last().contains(QStringLiteral("from version 1 to version 2")));
    QVERIFY(!written.wait(1000));
    QCOMPARE(resolve("iris@production")->version, 1);

    // Through the UI path: select v2, Set Alias is the action; the move itself goes through
    // setAlias (the input dialog only picks the alias).
    confirm.answer = true;
    registry->selectVersion(QStringLiteral("iris"), 2);
    QTRY_VERIFY(registry->currentVersion() && registry->currentVersion()->version == 2);
    QVERIFY(registry->setAliasAction()->isEnabled());
    registry->setAlias(QStringLiteral("iris"), QStringLiteral("production"), 2);
    QVERIFY(written.wait(10000));
    QCOMPARE(written.last().at(1).toString(), QString());
    QVERIFY(confirm.texts.last().contains(
        QStringLiteral("Move production of iris from version 1 to version 2")));
    QCOMPARE(resolve("iris@production")->version, 2);
    QTRY_VERIFY_WITH_TIMEOUT(registry->snapshot()->findModel("iris")->aliases.at("production") == 2,
                             10000);

    const auto events = history("iris");
    QVERIFY(events.size() >= 2);
    const auto& last = events.back();
    QCOMPARE(last.alias, std::string("production"));
    QCOMPARE(last.from_version, std::optional<int>(1));
    QCOMPARE(last.to_version, std::optional<int>(2));
    QCOMPARE(last.actor, std::string("gui"));
    // The detail's alias history shows it, newest first.
    QTRY_VERIFY_WITH_TIMEOUT(registry->detail()->isHistoryLoaded(), 10000);
    QTableWidget* table = registry->detail()->historyTable();
    QTRY_VERIFY_WITH_TIMEOUT(table->rowCount() == static_cast<int>(events.size()), 10000);
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("production"));
    QCOMPARE(table->item(0, 2)->text(), QStringLiteral("v1"));
    QCOMPARE(table->item(0, 3)->text(), QStringLiteral("v2"));

    // Invalid aliases are refused before any write.
    registry->setConfirm([](const QString&, const QString&) { return true; });
    QSignalSpy written2(registry, &RegistryPanel::writeFinished);
    registry->setAlias(QStringLiteral("iris"), QStringLiteral("Latest"), 1);
    QCOMPARE(written2.count(), 1);
    QVERIFY(written2.last().at(1).toString().contains(QStringLiteral("not a valid alias")));
    auto* box = registry->findChild<QMessageBox*>();  // shown without blocking
    QVERIFY(box && box->isVisible());
    box->reject();
  }

  // The lineage's run link opens the run in Runs; the dataset link the version in Datasets.
  void lineageLinksOpenRunAndDataset() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    w.showSection(QStringLiteral("Registry"));
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 1, 10000));
    registry->selectVersion(QStringLiteral("iris"), 1);
    QTRY_VERIFY(registry->currentVersion() && registry->currentVersion()->version == 1);
    QLabel* overview = registry->detail()->overviewLabel();
    const QString run_link = QStringLiteral("run:") + m_first;
    QVERIFY(overview->text().contains(run_link));
    QSignalSpy open_run(registry, &RegistryPanel::openRunRequested);
    Q_EMIT overview->linkActivated(run_link);
    QCOMPARE(open_run.count(), 1);
    QCOMPARE(open_run.at(0).at(0).toString(), m_first);
    QTRY_VERIFY_WITH_TIMEOUT(w.runsPanel()->isVisible(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(w.runsPanel()->selectedRunIds(), QStringList{m_first}, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(w.runsPanel()->detail()->runId(), m_first, 10000);

    const QString dataset = QString::fromStdString(registry->currentVersion()->dataset);
    QVERIFY(dataset.startsWith(QStringLiteral("iris@")));
    QVERIFY(overview->text().contains(QStringLiteral("dataset:") + dataset));
    Q_EMIT overview->linkActivated(QStringLiteral("dataset:") + dataset);
    QTRY_VERIFY_WITH_TIMEOUT(w.datasetsPanel()->isVisible(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(w.datasetsPanel()->currentRef(), dataset, 10000);
  }

  // Delete shows what it frees, and refuses a version an alias points at (Delete key).
  void deleteShowsReclaimAndIsBlockedByAliases() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    w.showSection(QStringLiteral("Registry"));
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 2, 10000));
    registry->selectVersion(QStringLiteral("iris"), 2);  // production and champion
    QTRY_VERIFY(registry->currentVersion() && registry->currentVersion()->version == 2);
    registry->versionView()->setFocus();
    QTest::keyClick(registry->versionView(), Qt::Key_Delete);
    auto* dialog = registry->findChild<DeleteVersionDialog*>();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isPlanLoaded(), 10000);
    QVERIFY(dialog->isBlocked());
    QVERIFY(!dialog->deleteButton()->isEnabled());
    QVERIFY(dialog->messageLabel()->text().contains(QStringLiteral("cannot be deleted")));
    QVERIFY(dialog->messageLabel()->text().contains(QStringLiteral("production")));
    dialog->reject();
    QTRY_VERIFY(!registry->findChild<DeleteVersionDialog*>());
    QVERIFY(resolve("iris/2"));

    // A third version with no alias: the preview names the bytes; Delete removes it.
    bool ok = false;
    runWb(m_ws,
          {QStringLiteral("models"), QStringLiteral("register"), m_first, QStringLiteral("--name"),
           QStringLiteral("iris"), QStringLiteral("--checkpoint"), QStringLiteral("last")},
          &ok);
    QVERIFY(ok);
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 3, 10000));
    registry->selectVersion(QStringLiteral("iris"), 3);
    QTRY_VERIFY(registry->currentVersion() && registry->currentVersion()->version == 3);
    dialog = qobject_cast<DeleteVersionDialog*>(registry->openDeleteDialog());
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isPlanLoaded(), 10000);
    QVERIFY(!dialog->isBlocked());
    QVERIFY(dialog->plan().reclaim_bytes > 0);
    QVERIFY(dialog->messageLabel()->text().contains(QStringLiteral("frees")));
    QVERIFY(dialog->deleteButton()->isEnabled());
    QSignalSpy written(registry, &RegistryPanel::writeFinished);
    QTest::mouseClick(dialog->deleteButton(), Qt::LeftButton);
    QVERIFY(written.wait(10000));
    QVERIFY(!resolve("iris/3"));
    QTRY_VERIFY_WITH_TIMEOUT(registry->versionModel()->rowOf(QStringLiteral("iris"), 3) < 0, 10000);
  }

  // The gate's checks are listed PASS/FAIL with values; a failing gate moves nothing.
  void promoteShowsEachCheck() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 1, 10000));
    registry->selectVersion(QStringLiteral("iris"), 1);
    QTRY_VERIFY(registry->currentVersion() && registry->currentVersion()->version == 1);
    ConfirmRecorder confirm;
    registry->setConfirm(confirm.hook());
    auto* dialog = qobject_cast<PromoteDialog*>(registry->openPromoteDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->fromBox()->currentText(), QStringLiteral("1"));
    dialog->toBox()->setCurrentText(QStringLiteral("production"));
    dialog->conditionsEdit()->setPlainText(QStringLiteral("val/accuracy >= 0\nval/accuracy > 2"));
    QSignalSpy evaluated(dialog, &PromoteDialog::evaluated);
    QTest::mouseClick(dialog->promoteButton(), Qt::LeftButton);
    QCOMPARE(confirm.texts.size(), 1);
    QVERIFY(confirm.texts.last().contains(QStringLiteral("from version 2 to version 1")));
    QVERIFY(evaluated.wait(10000));
    QCOMPARE(evaluated.at(0).at(0).toBool(), false);
    QTableWidget* checks = dialog->checksTable();
    QCOMPARE(checks->rowCount(), 2);
    QCOMPARE(checks->item(0, 0)->text(), QStringLiteral("PASS"));
    QCOMPARE(checks->item(1, 0)->text(), QStringLiteral("FAIL"));
    QVERIFY(!checks->item(1, 2)->text().isEmpty());  // the values
    QVERIFY(dialog->verdictLabel()->text().contains(QStringLiteral("nothing changed")));
    QCOMPARE(resolve("iris@production")->version, 2);

    // Check (dry run) with passing conditions says what Promote would do, and moves nothing.
    dialog->conditionsEdit()->setPlainText(QStringLiteral("val/accuracy >= 0"));
    QTest::mouseClick(dialog->checkButton(), Qt::LeftButton);
    QVERIFY(evaluated.wait(10000));
    QCOMPARE(evaluated.last().at(0).toBool(), true);
    QVERIFY(dialog->verdictLabel()->text().contains(QStringLiteral("would move")));
    QCOMPARE(resolve("iris@production")->version, 2);
    dialog->reject();
  }

  // Two versions side by side: metrics with their difference, signature field by field.
  void compareTwoVersions() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 2, 10000));
    registry->selectVersion(QStringLiteral("iris"), 2);
    QTRY_VERIFY(registry->currentVersion() && registry->currentVersion()->version == 2);
    auto* dialog = qobject_cast<CompareVersionsDialog*>(registry->openCompareDialog());
    QVERIFY(dialog);
    QCOMPARE(dialog->leftBox()->currentText(), QStringLiteral("iris/2"));
    QCOMPARE(dialog->rightBox()->currentText(), QStringLiteral("iris/1"));
    QVERIFY(dialog->metricsTable()->rowCount() > 0);
    bool has_kind = false, run_differs = false;
    for (int r = 0; r < dialog->fieldsTable()->rowCount(); ++r) {
      const QString field = dialog->fieldsTable()->item(r, 0)->text();
      has_kind |= field == QStringLiteral("signature.kind");
      if (field == QStringLiteral("run"))
        run_differs =
            dialog->fieldsTable()->item(r, 1)->text() != dialog->fieldsTable()->item(r, 2)->text();
    }
    QVERIFY(has_kind);
    QVERIFY(run_differs);
    dialog->onlyDifferencesBox()->setChecked(true);
    for (int r = 0; r < dialog->fieldsTable()->rowCount(); ++r)
      QVERIFY(dialog->fieldsTable()->item(r, 1)->text() !=
              dialog->fieldsTable()->item(r, 2)->text());
    dialog->reject();
  }

  // Export to ONNX through the real `wb models export`: the parity result is shown.
  void exportOnnxShowsParity() {
    MainWindow w;
    openWindow(w);
    RegistryPanel* registry = w.registryPanel();
    QVERIFY(waitForVersion(registry, QStringLiteral("iris"), 1, 10000));
    registry->selectVersion(QStringLiteral("iris"), 1);
    QTRY_VERIFY(registry->currentVersion() && registry->currentVersion()->version == 1);
    auto* dialog = qobject_cast<ExportModelDialog*>(registry->openExportDialog());
    QVERIFY(dialog);
    dialog->formatBox()->setCurrentIndex(dialog->formatBox()->findData(QStringLiteral("onnx")));
    QVERIFY(dialog->fileEdit()->text().endsWith(QStringLiteral(".onnx")));
    const QString file = m_dir.filePath(QStringLiteral("iris-v1.onnx"));
    dialog->fileEdit()->setText(file);
    QSignalSpy exported(dialog, &ExportModelDialog::exported);
    QVERIFY(dialog->submit());
    QVERIFY(dialog->isBusy());
    QVERIFY(exported.wait(kProcessTimeoutMs) || exported.count() == 1);
    QVERIFY(QFile::exists(file));
    QVERIFY2(dialog->resultLabel()->text().contains(QStringLiteral("Parity")),
             qPrintable(dialog->resultLabel()->text()));
    QVERIFY(dialog->resultLabel()->text().contains(QStringLiteral("within")));
    // The result is recorded on the version and shown in its detail.
    QTRY_VERIFY_WITH_TIMEOUT(
        registry->currentVersion() && registry->currentVersion()->exports.contains("onnx"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        registry->detail()->overviewLabel()->text().contains(QStringLiteral("parity")), 10000);
    dialog->reject();
  }

  // 1,000 versions in a real registry: read on the watcher's thread, shown, filtered.
  void thousandVersionsInTheRealPanel() {
    QTemporaryDir dir;
    auto ws = Workspace::create(dir.filePath(QStringLiteral("many")).toStdString());
    QVERIFY(ws);
    {
      auto db = ws->connect();
      QVERIFY(db);
      objects::ObjectStore objects(ws->objectsDir());
      registry::ModelRegistry reg(**db, objects);
      QElapsedTimer timer;
      timer.start();
      for (int i = 0; i < 1000; ++i) {
        registry::NewVersion nv;
        nv.name = "model" + std::to_string(i % 10);
        nv.model_type = "mlp";
        nv.metrics = {{"test/accuracy", {{"last", (i % 97) / 100.0}}}};
        nv.alias = i == 995 ? "production" : "";
        nv.actor = "test";
        auto v = reg.registerVersion(
            nv, [i](const std::string& name, int version) -> Result<std::string> {
              return name + "/" + std::to_string(version) + "/" + std::to_string(i);
            });
        QVERIFY2(v, v ? "" : v.error().text().c_str());
      }
      qInfo() << "registered 1,000 versions in" << timer.elapsed() << "ms";
    }
    WorkspaceSession session(*ws);
    RegistryPanel panel(&session, cli());
    QSignalSpy applied(&panel, &RegistryPanel::snapshotApplied);
    QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), 20000);
    QCOMPARE(applied.last().at(0).toInt(), 1000);
    QVERIFY(panel.snapshot()->load_ms >= 0);
    qInfo() << "the watcher read 1,000 versions in" << panel.snapshot()->load_ms
            << "ms (off the GUI thread)";
    QCOMPARE(panel.proxy()->rowCount(), 1000);
    QCOMPARE(panel.modelList()->rowCount(), 11);
    panel.filterEdit()->setText(QStringLiteral("production"));
    QCOMPARE(panel.proxy()->rowCount(), 1);
    panel.filterEdit()->clear();
    panel.showModel(QStringLiteral("model3"));
    QCOMPARE(panel.proxy()->rowCount(), 100);
  }

  // The models under QAbstractItemModelTester; the filter and sort over 1,000 versions.
  void modelsAndFilterOverManyVersions() {
    auto snap = std::make_shared<RegistrySnapshot>();
    for (int m = 0; m < 10; ++m) {
      registry::RegisteredModel model;
      model.name = "model" + std::to_string(m);
      model.latest_version = 100;
      model.version_count = 100;
      model.aliases = {{"production", 7}};
      snap->models.push_back(model);
      for (int v = 100; v >= 1; --v) {
        registry::ModelVersion mv;
        mv.id = m * 1000 + v;
        mv.model = model.name;
        mv.version = v;
        mv.archived = v == 3;
        mv.metrics = {{"test/accuracy", {{"last", v / 100.0}}},
                      {"val/loss", {{"min", 1.0 / v}, {"last", 2.0 / v}}}};
        mv.dataset = "iris@1";
        mv.size_bytes = 1000 * v;
        if (v == 7) mv.aliases = {"production"};
        snap->versions.push_back(mv);
      }
    }
    VersionTableModel versions;
    ModelListModel models;
    QAbstractItemModelTester t1(&versions, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(&models, QAbstractItemModelTester::FailureReportingMode::QtTest);
    VersionFilterProxy proxy;
    proxy.setSourceModel(&versions);
    QElapsedTimer timer;
    timer.start();
    versions.setSnapshot(snap);
    models.setSnapshot(snap);
    qInfo() << "1,000 versions applied to the models in" << timer.elapsed() << "ms";
    QCOMPARE(versions.rowCount(), 1000);
    QCOMPARE(models.rowCount(), 11);  // "All models" + 10
    QCOMPARE(versions.metricKeys(),
             (QStringList{QStringLiteral("test/accuracy"), QStringLiteral("val/loss")}));
    QCOMPARE(proxy.rowCount(), 990);  // archived hidden
    proxy.setShowArchived(true);
    QCOMPARE(proxy.rowCount(), 1000);
    proxy.setModelName(QStringLiteral("model3"));
    QCOMPARE(proxy.rowCount(), 100);
    proxy.setText(QStringLiteral("production"));
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(VersionTableModel::VersionRole).toInt(), 7);
    proxy.setText(QString());
    // Numbers sort as numbers (v100 after v99), loss-like metrics by their best (min).
    const int version_col = versions.columnOf(VersionTableModel::ColumnKind::Version);
    proxy.sort(version_col, Qt::AscendingOrder);
    QCOMPARE(proxy.index(99, 0).data(VersionTableModel::VersionRole).toInt(), 100);
    QCOMPARE(proxy.index(0, version_col).data().toString(), QStringLiteral("v1"));
    // The same rows again update in place (no reset: selections survive a refresh).
    QSignalSpy reset(&versions, &QAbstractItemModel::modelReset);
    versions.setSnapshot(std::make_shared<RegistrySnapshot>(*snap));
    QCOMPARE(reset.count(), 0);
  }

  // A training run commits metrics every second, which moves the database's data_version; the
  // watcher must not re-read and re-parse every version for those commits (1,000 versions
  // take ~0.1 s of a core each time), only for the registry's own changes.
  void otherCommitsDoNotReloadTheRegistry() {
    qRegisterMetaType<RegistrySnapshotPtr>();
    auto ws = Workspace::open(m_ws.toStdString());
    QVERIFY(ws);
    RegistryWatcher watcher(*ws, 20);
    QSignalSpy ready(&watcher, &RegistryWatcher::snapshotReady);
    watcher.start();
    QCOMPARE(ready.count(), 1);
    const int loads = watcher.loadCount();
    bool ok = false;
    const QString run =
        runWb(m_ws, {QStringLiteral("log"), QStringLiteral("start"), QStringLiteral("--name"),
                     QStringLiteral("noise")},
              &ok)
            .trimmed();
    QVERIFY(ok);
    for (int step = 1; step <= 3; ++step) {
      runWb(m_ws,
            {QStringLiteral("log"), QStringLiteral("metric"), run, QStringLiteral("train/loss=0.5"),
             QStringLiteral("--step"), QString::number(step)},
            &ok);
      QVERIFY(ok);
      QTest::qWait(60);  // a few polls after each commit
    }
    QCOMPARE(watcher.loadCount(), loads);
    QCOMPARE(ready.count(), 1);

    // A registry change through another connection is loaded and published.
    auto db = ws->connect();
    QVERIFY(db);
    objects::ObjectStore objects(ws->objectsDir());
    registry::ModelRegistry reg(**db, objects);
    registry::NewVersion nv;
    nv.name = "stamp-check";
    nv.model_type = "mlp";
    auto v = reg.registerVersion(nv, [](const std::string&, int) -> Result<std::string> {
      return std::string("not a real bundle");
    });
    QVERIFY2(v, v ? "" : v.error().text().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 2, 5000);
    QCOMPARE(watcher.loadCount(), loads + 1);
    QVERIFY(ready.last().at(0).value<RegistrySnapshotPtr>()->findModel("stamp-check"));
    watcher.stop();
  }
};

QTEST_MAIN(TestRegistryGui)
#include "tst_registry_gui.moc"
