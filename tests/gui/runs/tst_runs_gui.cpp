// GUI tests for the main window and the Runs section, on real workspaces written by the real
// `wb` CLI while the window is open. Runs headless (QT_QPA_PLATFORM=offscreen).
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QStatusBar>
#include <QTimer>

#include <csignal>

#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "ui/shell/main_window.h"
#include "ui/runs/run_detail_widget.h"
#include "ui/runs/run_table_model.h"
#include "ui/runs/runs_panel.h"
#include "ui/shell/welcome_page.h"
#include "ui/shell/workspace_session.h"

using namespace wb::ui;

namespace {

QString wbRun(const QString& workspace, const QStringList& args, int* exit_code = nullptr) {
  QProcess p;
  p.start(QStringLiteral(WB_CLI_PATH), QStringList{QStringLiteral("--workspace"), workspace} + args);
  p.waitForFinished(60000);
  if (exit_code) *exit_code = p.exitCode();
  if (p.exitCode() != 0) qWarning() << "wb failed:" << args << p.readAllStandardError();
  return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

QString startRun(const QString& ws, const QString& name, const QString& lr) {
  return wbRun(ws, {QStringLiteral("log"), QStringLiteral("start"), QStringLiteral("--name"), name,
                    QStringLiteral("--param"), QStringLiteral("optim.lr=") + lr, QStringLiteral("--pid"),
                    QString::number(QCoreApplication::applicationPid())});
}

int proxyRowOf(RunsPanel* panel, const QString& name) {
  auto* proxy = panel->proxy();
  for (int r = 0; r < proxy->rowCount(); ++r)
    if (proxy->index(r, RunTableModel::kName).data().toString() == name) return r;
  return -1;
}

}  // namespace

class TestRunsGui : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_settings_dir;

  std::unique_ptr<MainWindow> openWindow(const QString& ws) {
    auto w = std::make_unique<MainWindow>();
    w->show();
    QSignalSpy ready(w.get(), &MainWindow::workspaceReady);
    w->openWorkspace(ws);
    if (!ready.wait(20000)) return nullptr;
    return w;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_settings_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_runs_gui"));
  }

  void init() { QSettings().clear(); }

  void welcomePageWithoutWorkspace() {
    MainWindow w;
    w.show();
    w.openLastOrWelcome();
    QVERIFY(w.welcomePage()->isVisible());
    QVERIFY(w.session() == nullptr);
    QVERIFY(w.sectionNames().isEmpty());
    QVERIFY(w.welcomePage()->demoButton()->isVisible());
  }

  void showsRunsLoggedByCliWhileOpen() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    int code = -1;
    wbRun(ws, {QStringLiteral("init"), ws}, &code);
    QCOMPARE(code, 0);
    const QString first = startRun(ws, QStringLiteral("first-run"), QStringLiteral("0.1"));
    QVERIFY(!first.isEmpty());

    auto w = openWindow(ws);
    QVERIFY(w);
    // Only the sections that exist are listed: no empty placeholders.
    QCOMPARE(w->sectionNames(), (QStringList{QStringLiteral("Runs"), QStringLiteral("Compare"),
                                             QStringLiteral("Experiments"),
                                             QStringLiteral("Datasets"), QStringLiteral("Registry")}));
    auto* panel = w->runsPanel();
    QAbstractItemModelTester tester(panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxy_tester(panel->proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(panel->model()->rowCount(), 1);

    // Another process writes while the window is open: the table follows by itself.
    const QString second = startRun(ws, QStringLiteral("second-run"), QStringLiteral("0.01"));
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->rowCount(), 2, 10000);
    wbRun(ws, {QStringLiteral("log"), QStringLiteral("metric"), second, QStringLiteral("val/accuracy=0.875"),
               QStringLiteral("--step"), QStringLiteral("3")});
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->columnOfMetric(QStringLiteral("val/accuracy")) >= 0, 10000);
    const int col = panel->model()->columnOfMetric(QStringLiteral("val/accuracy"));
    const int row = panel->model()->rowOfRun(second);
    QCOMPARE(panel->model()->index(row, col).data().toString(), QStringLiteral("0.875"));
    QCOMPARE(panel->model()->index(row, RunTableModel::kStatus).data().toString(), QStringLiteral("running"));

    // Ending the run elsewhere updates its status in place.
    wbRun(ws, {QStringLiteral("log"), QStringLiteral("end"), second});
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->index(row, RunTableModel::kStatus).data().toString(),
                              QStringLiteral("finished"), 10000);
    QVERIFY(w->statusBar()->findChildren<QLabel*>().size() >= 2);
  }

  void filterAndSort() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    wbRun(ws, {QStringLiteral("init"), ws});
    // Numbers that sort differently as text and as numbers.
    startRun(ws, QStringLiteral("alpha-small"), QStringLiteral("0.5"));
    startRun(ws, QStringLiteral("beta-large"), QStringLiteral("10"));
    startRun(ws, QStringLiteral("alpha-medium"), QStringLiteral("2"));
    auto w = openWindow(ws);
    QVERIFY(w);
    auto* panel = w->runsPanel();
    QCOMPARE(panel->proxy()->rowCount(), 3);

    QTest::keyClicks(panel->filterEdit(), QStringLiteral("alpha"));
    // The filter box applies after a pause in typing (debounced).
    QTRY_COMPARE_WITH_TIMEOUT(panel->proxy()->rowCount(), 2, 2000);
    QVERIFY(proxyRowOf(panel, QStringLiteral("beta-large")) < 0);
    panel->filterEdit()->clear();
    QCOMPARE(panel->proxy()->rowCount(), 3);

    // Sorting by clicking the param's header: numeric order, not text order.
    const int lr_col = panel->model()->columnOfParam(QStringLiteral("optim.lr"));
    QVERIFY(lr_col >= 0);
    auto* header = panel->view()->horizontalHeader();
    const int x = header->sectionViewportPosition(lr_col) + header->sectionSize(lr_col) / 2;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    QList<double> values;
    for (int r = 0; r < 3; ++r) values << panel->proxy()->index(r, lr_col).data().toDouble();
    const bool ascending = values == QList<double>{0.5, 2, 10};
    const bool descending = values == QList<double>{10, 2, 0.5};
    QVERIFY2(ascending || descending, qPrintable(QStringLiteral("order: %1,%2,%3").arg(values[0]).arg(values[1]).arg(values[2])));
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    QCOMPARE(panel->proxy()->index(0, lr_col).data().toDouble(), ascending ? 10.0 : 0.5);
  }

  void detailPaneAndDelete() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    wbRun(ws, {QStringLiteral("init"), ws});
    const QString id = startRun(ws, QStringLiteral("to-delete"), QStringLiteral("0.1"));
    startRun(ws, QStringLiteral("to-keep"), QStringLiteral("0.2"));
    for (int step = 0; step < 5; ++step)
      wbRun(ws, {QStringLiteral("log"), QStringLiteral("metric"), id,
                 QStringLiteral("train/loss=%1").arg(1.0 / (step + 1))});
    auto w = openWindow(ws);
    QVERIFY(w);
    auto* panel = w->runsPanel();
    panel->view()->clearSelection();
    QSignalSpy chart(panel->detail(), &RunDetailWidget::chartLoaded);
    panel->selectRun(id);
    QCOMPARE(panel->detail()->runId(), id);
    QVERIFY(chart.wait(10000));
    QCOMPARE(chart.last().at(0).toString(), QStringLiteral("train/loss"));
    QCOMPARE(chart.last().at(1).toInt(), 5);
    QCOMPARE(panel->detail()->chartPointCount(), 5);

    // Delete asks first; Cancel keeps the run.
    QTimer::singleShot(200, [] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (box) box->button(QMessageBox::Cancel)->click();
    });
    panel->deleteAction()->trigger();
    QCOMPARE(panel->model()->rowCount(), 2);

    QTimer::singleShot(200, [] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box) return;
      for (auto* b : box->buttons())
        if (b->text() == QStringLiteral("Delete")) b->click();
    });
    panel->deleteAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->rowCount(), 1, 10000);
    QCOMPARE(panel->model()->index(0, RunTableModel::kName).data().toString(), QStringLiteral("to-keep"));
    auto workspace = wb::Workspace::open(ws.toStdString());
    QVERIFY(workspace);
    auto db = workspace->connect();
    QVERIFY(db);
    QVERIFY(!wb::store::RunRepository(**db).find(id.toStdString()));
  }

  void killedRunIsDetected() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    wbRun(ws, {QStringLiteral("init"), ws});
    auto w = openWindow(ws);
    QVERIFY(w);
    auto* panel = w->runsPanel();
    QProcess stream;
    stream.start(QStringLiteral(WB_CLI_PATH), {QStringLiteral("--workspace"), ws, QStringLiteral("log"),
                                                QStringLiteral("stream"), QStringLiteral("--name"),
                                                QStringLiteral("doomed")});
    QVERIFY(stream.waitForStarted());
    stream.write("loss=1.0\nloss=0.5\n");
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->rowCount(), 1, 10000);
    QCOMPARE(panel->model()->index(0, RunTableModel::kStatus).data().toString(), QStringLiteral("running"));
    ::kill(static_cast<pid_t>(stream.processId()), SIGKILL);
    stream.waitForFinished();
    QTRY_COMPARE_WITH_TIMEOUT(panel->model()->index(0, RunTableModel::kStatus).data().toString(),
                              QStringLiteral("killed"), 15000);
  }

  void recentAndLastWorkspaceRestored() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    wbRun(ws, {QStringLiteral("init"), ws});
    {
      auto w = openWindow(ws);
      QVERIFY(w);
      QCOMPARE(w->recentWorkspaces().value(0), QDir(ws).canonicalPath());
      w->close();
    }
    MainWindow again;
    again.show();
    QSignalSpy ready(&again, &MainWindow::workspaceReady);
    again.openLastOrWelcome();
    QVERIFY(ready.wait(20000));
    QCOMPARE(again.session()->rootPath(), QDir(ws).canonicalPath());
  }

  void openingANonWorkspaceFails() {
    QTemporaryDir dir;
    MainWindow w;
    w.show();
    QSignalSpy failed(&w, &MainWindow::workspaceFailed);
    QTimer::singleShot(300, [] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) box->accept();
    });
    w.openWorkspace(dir.path());
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.first().first().toString().contains(QStringLiteral("not a Workbench workspace")));
    QVERIFY(w.session() == nullptr);
  }

  void demoFromWelcomePage() {
    QTemporaryDir dir;
    MainWindow w;
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.createDemo(dir.filePath(QStringLiteral("demo")));
    QVERIFY(ready.wait(120000));
    auto* panel = w.runsPanel();
    // The demo's iris sweep: 3 learning rates x 2 widths, trained by the real trainer, plus the
    // sweep's parent run and the digits CNN (issue 12).
    QCOMPARE(panel->model()->rowCount(), 8);
    for (int r = 0; r < 8; ++r)
      QCOMPARE(panel->model()->index(r, RunTableModel::kStatus).data().toString(), QStringLiteral("finished"));
    QVERIFY(panel->model()->columnOfMetric(QStringLiteral("val/accuracy")) >= 0);
    QVERIFY(panel->model()->columnOfMetric(QStringLiteral("test/accuracy")) >= 0);
  }

  void guiThreadStaysResponsiveWhileCliLogs() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    wbRun(ws, {QStringLiteral("init"), ws});
    auto w = openWindow(ws);
    QVERIFY(w);
    QProcess stream;
    stream.start(QStringLiteral(WB_CLI_PATH), {QStringLiteral("--workspace"), ws, QStringLiteral("log"),
                                                QStringLiteral("stream"), QStringLiteral("--name"),
                                                QStringLiteral("busy")});
    QVERIFY(stream.waitForStarted());
    QByteArray lines;
    for (int i = 0; i < 200000; ++i) lines += "a=" + QByteArray::number(i) + " b=" + QByteArray::number(i * 2) + "\n";
    stream.write(lines);
    stream.closeWriteChannel();
    // Measure the event loop's latency with a 10 ms timer while the store churns.
    QElapsedTimer clock;
    clock.start();
    qint64 worst_ms = 0, last = 0;
    QTimer tick;
    tick.setInterval(10);
    QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
      const qint64 now = clock.elapsed();
      worst_ms = std::max(worst_ms, now - last - 10);
      last = now;
    });
    tick.start();
    last = clock.elapsed();
    // Spin the event loop (not waitForFinished, which would block it) until the writer is done.
    QTRY_VERIFY_WITH_TIMEOUT(stream.state() == QProcess::NotRunning, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(w->runsPanel()->model()->rowCount() == 1 &&
                                 w->runsPanel()->model()->index(0, RunTableModel::kStatus).data().toString() ==
                                     QStringLiteral("finished"),
                             10000);
    tick.stop();
    qInfo("worst event-loop delay while a run logged 400k points: %lld ms", static_cast<long long>(worst_ms));
    QVERIFY2(worst_ms < 250, qPrintable(QStringLiteral("event loop blocked for %1 ms").arg(worst_ms)));
  }
};

QTEST_MAIN(TestRunsGui)
#include "tst_runs_gui.moc"
