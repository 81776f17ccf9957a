// The Runs table: param and metric stat columns, column chooser (saved per workspace),
// numeric sort, expression filter with inline errors, grouping by sweep and tag, incremental
// updates, and 10,000 runs without stalling the event loop. Workspaces are written through
// core into temporary folders. Runs headless (QT_QPA_PLATFORM=offscreen).
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <random>
#include <set>

#include "core/common/numbers.h"
#include "core/query/run_filter.h"
#include "core/store/database.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "ui/runs/run_column_chooser.h"
#include "ui/runs/run_filter_proxy.h"
#include "ui/runs/run_table_model.h"
#include "ui/runs/runs_panel.h"
#include "ui/shell/store_watcher.h"
#include "ui/shell/workspace_session.h"

using namespace wb::ui;
using wb::store::NewRun;
using wb::store::RunStatus;

namespace {

struct Spec {
  using Metrics = std::vector<std::pair<std::string, std::vector<double>>>;
  Spec() = default;
  Spec(std::string n, RunStatus st, wb::store::ParamMap p = {}, Metrics m = {},
       wb::store::ParamMap t = {}, std::string parent_name = {})
      : name(std::move(n)),
        status(st),
        params(std::move(p)),
        metrics(std::move(m)),
        tags(std::move(t)),
        parent(std::move(parent_name)) {}

  std::string name;
  RunStatus status = RunStatus::Finished;
  wb::store::ParamMap params;
  std::vector<std::pair<std::string, std::vector<double>>> metrics;  // key → values by step
  wb::store::ParamMap tags;
  std::string parent;  // name of an earlier spec
  std::string experiment = "Default";
};

/// A workspace with runs written through core; run ids by name.
class Fixture {
 public:
  explicit Fixture(const QString& dir) : m_path(dir.toStdString()) {
    auto ws = wb::Workspace::create(m_path, "table-test");
    if (!ws) qFatal("create workspace: %s", ws.error().text().c_str());
    m_ws = std::make_unique<wb::Workspace>(std::move(*ws));
  }

  void add(const std::vector<Spec>& specs) {
    auto db = m_ws->connect();
    QVERIFY(db);
    wb::store::RunRepository repo(**db);
    auto writer = wb::store::MetricsWriter::open(m_ws->dbPath());
    QVERIFY(writer);
    for (const auto& s : specs) {
      NewRun n;
      n.name = s.name;
      n.status = s.status;
      n.params = s.params;
      n.tags = s.tags;
      n.experiment = s.experiment;
      if (!s.parent.empty()) n.parent_run_id = ids.at(s.parent);
      auto run = repo.create(n);
      QVERIFY2(run, run ? "" : run.error().text().c_str());
      ids[s.name] = run->id;
      for (const auto& [key, values] : s.metrics)
        for (std::size_t i = 0; i < values.size(); ++i)
          (*writer)->log(run->id, key, static_cast<std::int64_t>(i), values[i]);
    }
    QVERIFY((*writer)->close());
  }

  RunSnapshotPtr snapshot() const {
    auto db = m_ws->connect();
    if (!db) return nullptr;
    QString error;
    auto snap = StoreWatcher::loadSnapshot(**db, &error);
    if (!snap) qWarning() << error;
    return snap;
  }

  const wb::Workspace& workspace() const { return *m_ws; }
  std::map<std::string, std::string> ids;

 private:
  std::filesystem::path m_path;
  std::unique_ptr<wb::Workspace> m_ws;
};

std::vector<Spec> sampleRuns() {
  return {
      {"alpha",
       RunStatus::Finished,
       {{"optim.lr", "0.001"}, {"model.depth", "4"}, {"seed", "1"}},
       {{"val/accuracy", {0.50, 0.95, 0.93}}, {"train/loss", {2.0, 0.4, 0.6}}},
       {{"owner", "ana"}}},
      {"beta",
       RunStatus::Finished,
       {{"optim.lr", "0.1"}, {"model.depth", "8"}, {"seed", "1"}},
       {{"val/accuracy", {0.70, 0.92}}, {"train/loss", {1.5, 0.9}}},
       {{"owner", "bo"}}},
      {"gamma",
       RunStatus::Failed,
       {{"optim.lr", "0.005"}, {"seed", "1"}},
       {{"val/accuracy", {0.10, 0.97}}},
       {}},
      {"delta",
       RunStatus::Finished,
       {{"optim.lr", "0.0001"}, {"model.depth", "2"}, {"seed", "1"}},
       {{"val/accuracy", {0.40, 0.85}}},
       {{"owner", "ana"}}},
      {"special-epsilon", RunStatus::Killed, {{"optim.lr", "10"}, {"seed", "1"}}, {}, {}},
  };
}

QStringList L(std::initializer_list<const char*> items) {
  QStringList out;
  for (const char* s : items) out << QString::fromUtf8(s);
  return out;
}

QStringList namesIn(const RunFilterProxy& proxy) {
  QStringList names;
  for (int r = 0; r < proxy.rowCount(); ++r) {
    const QModelIndex source = proxy.mapToSource(proxy.index(r, RunTableModel::kName));
    if (source.isValid()) names << source.data().toString();
  }
  return names;
}

QString cell(const RunTableModel& model, const std::string& run_id, int column) {
  return model.index(model.rowOfRun(QString::fromStdString(run_id)), column).data().toString();
}

}  // namespace

class TestRunsTable : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_settings_dir;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_settings_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_runs_table"));
  }

  void init() { QSettings().clear(); }

  void paramAndMetricStatColumns() {
    QTemporaryDir dir;
    Fixture fx(dir.filePath(QStringLiteral("ws")));
    fx.add(sampleRuns());
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester proxy_tester(&proxy,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(fx.snapshot());
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(proxy.rowCount(), 5);

    // Every param and every metric stat is a column.
    const int lr = model.columnOfParam(QStringLiteral("optim.lr"));
    const int depth = model.columnOfParam(QStringLiteral("model.depth"));
    const QString acc = QStringLiteral("val/accuracy"), loss = QStringLiteral("train/loss");
    QVERIFY(lr >= 0 && depth >= 0 && model.columnOfParam(QStringLiteral("seed")) >= 0);
    QCOMPARE(model.columnCount(), RunTableModel::kFixedColumns + 3 + 2 * 4 + 1);
    QCOMPARE(model.headerData(model.columnOfMetric(loss, MetricColumnStat::Min), Qt::Horizontal)
                 .toString(),
             QStringLiteral("train/loss.min"));
    QCOMPARE(
        model.headerData(model.columnOfTag(QStringLiteral("owner")), Qt::Horizontal).toString(),
        QStringLiteral("tags.owner"));

    const auto& id = fx.ids;
    QCOMPARE(cell(model, id.at("alpha"), lr), QStringLiteral("0.001"));
    QCOMPARE(cell(model, id.at("alpha"), depth), QStringLiteral("4"));
    QCOMPARE(cell(model, id.at("gamma"), depth), QString());  // no such param: empty
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(acc)), QStringLiteral("0.93"));
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(acc, MetricColumnStat::Best)),
             QStringLiteral("0.95"));
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(acc, MetricColumnStat::Min)),
             QStringLiteral("0.5"));
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(acc, MetricColumnStat::Max)),
             QStringLiteral("0.95"));
    // Loss-like keys: best is the lowest.
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(loss)), QStringLiteral("0.6"));
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(loss, MetricColumnStat::Best)),
             QStringLiteral("0.4"));
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(loss, MetricColumnStat::Max)),
             QStringLiteral("2"));
    QCOMPARE(cell(model, id.at("gamma"), model.columnOfMetric(loss)), QString());
    QCOMPARE(cell(model, id.at("beta"), model.columnOfTag(QStringLiteral("owner"))),
             QStringLiteral("bo"));
    QCOMPARE(cell(model, id.at("gamma"), RunTableModel::kStatus), QStringLiteral("failed"));

    // Sort role: numbers as numbers.
    const QVariant v = model.index(model.rowOfRun(QString::fromStdString(id.at("beta"))), lr)
                           .data(RunTableModel::SortRole);
    QCOMPARE(v.typeId(), QMetaType::Double);
    QCOMPARE(v.toDouble(), 0.1);

    // Defaults: every varying param and the last value of each metric; not the other stats.
    QVERIFY(model.column(lr).default_visible);
    QVERIFY(model.column(model.columnOfMetric(acc)).default_visible);
    QVERIFY(!model.column(model.columnOfMetric(acc, MetricColumnStat::Min)).default_visible);
    QVERIFY(model.column(lr).varying);
    QVERIFY(!model.column(model.columnOfParam(QStringLiteral("seed"))).varying);

    // A new run with a new metric: columns and rows are inserted, nothing is reset.
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy proxy_resets(&proxy, &QAbstractItemModel::modelReset);
    fx.add({{"zeta", RunStatus::Running, {{"optim.lr", "0.3"}}, {{"sys/gpu", {50, 70}}}, {}}});
    model.setSnapshot(fx.snapshot());
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(proxy.rowCount(), 6);
    QVERIFY(model.columnOfMetric(QStringLiteral("sys/gpu"), MetricColumnStat::Max) >= 0);
    QCOMPARE(cell(model, id.at("zeta"),
                  model.columnOfMetric(QStringLiteral("sys/gpu"), MetricColumnStat::Max)),
             QStringLiteral("70"));
    QCOMPARE(cell(model, id.at("alpha"), model.columnOfMetric(acc, MetricColumnStat::Best)),
             QStringLiteral("0.95"));
    QCOMPARE(resets.size(), 0);
    QCOMPARE(proxy_resets.size(), 0);

    // A run deleted elsewhere leaves by a row removal.
    {
      auto db = fx.workspace().connect();
      QVERIFY(db);
      QVERIFY(wb::store::RunRepository(**db).remove({id.at("beta")}));
    }
    model.setSnapshot(fx.snapshot());
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.rowOfRun(QString::fromStdString(id.at("beta"))), -1);
    QVERIFY(!namesIn(proxy).contains(QStringLiteral("beta")));
    QCOMPARE(resets.size(), 0);
  }

  void numericSortMissingLast() {
    QTemporaryDir dir;
    Fixture fx(dir.filePath(QStringLiteral("ws")));
    fx.add({{"a", RunStatus::Finished, {{"lr", "0.5"}}, {{"acc", {0.7}}}, {}},
            {"b", RunStatus::Finished, {{"lr", "10"}}, {{"acc", {0.25}}}, {}},
            {"c", RunStatus::Finished, {{"lr", "2"}}, {}, {}},
            {"d", RunStatus::Finished, {{"other", "x"}}, {{"acc", {0.9}}}, {}},
            {"e", RunStatus::Finished, {{"lr", "1e-3"}}, {{"acc", {0.1}}}, {}}});
    RunTableModel model;
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(fx.snapshot());
    const int lr = model.columnOfParam(QStringLiteral("lr"));
    proxy.sort(lr, Qt::AscendingOrder);
    QCOMPARE(namesIn(proxy), (L({"e", "a", "c", "b", "d"})));  // 1e-3 < 0.5 < 2 < 10, then none
    proxy.sort(lr, Qt::DescendingOrder);
    QCOMPARE(namesIn(proxy), (L({"b", "c", "a", "e", "d"})));  // missing stays last
    const int acc = model.columnOfMetric(QStringLiteral("acc"));
    proxy.sort(acc, Qt::DescendingOrder);
    QCOMPARE(namesIn(proxy), (L({"d", "a", "b", "e", "c"})));
    proxy.sort(acc, Qt::AscendingOrder);
    QCOMPARE(namesIn(proxy), (L({"e", "b", "a", "d", "c"})));
    proxy.sort(RunTableModel::kName, Qt::DescendingOrder);
    QCOMPARE(namesIn(proxy), (L({"e", "d", "c", "b", "a"})));
  }

  void expressionFilter_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("the issue's example")
        << QStringLiteral("val/accuracy > 0.9 and optim.lr < 0.01 and status = finished")
        << L({"alpha"});
    QTest::newRow("status") << QStringLiteral("status = failed") << L({"gamma"});
    QTest::newRow("best and min") << QStringLiteral(
                                         "val/accuracy.min < 0.45 and val/accuracy.best > 0.9")
                                  << L({"gamma"});
    QTest::newRow("loss best is its min")
        << QStringLiteral("train/loss.best <= 0.4") << L({"alpha"});
    QTest::newRow("or, contains") << QStringLiteral("optim.lr >= 0.1 or name ~ SPECIAL")
                                  << L({"beta", "special-epsilon"});
    QTest::newRow("tag") << QStringLiteral("tags.owner = ana") << L({"alpha", "delta"});
    QTest::newRow("missing param")
        << QStringLiteral("not has(model.depth)") << L({"gamma", "special-epsilon"});
    QTest::newRow("param without prefix, as a number")
        << QStringLiteral("model.depth = 8.0") << L({"beta"});
    QTest::newRow("plain words search values") << QStringLiteral("ANA") << L({"alpha", "delta"});
    QTest::newRow("plain words search names") << QStringLiteral("eps") << L({"special-epsilon"});
    QTest::newRow("blank") << QStringLiteral("  ")
                           << L({"alpha", "beta", "gamma", "delta", "special-epsilon"});
  }

  void expressionFilter() {
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    QTemporaryDir dir;
    Fixture fx(dir.filePath(QStringLiteral("ws")));
    fx.add(sampleRuns());
    RunTableModel model;
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(fx.snapshot());
    const auto status = proxy.setFilterText(text);
    QVERIFY2(status.ok, qPrintable(status.error));
    QStringList names = namesIn(proxy);
    names.sort();
    expected.sort();
    QCOMPARE(names, expected);
  }

  void invalidExpressionShowsErrorAndKeepsRows() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ws"));
    Fixture fx(path);
    fx.add(sampleRuns());
    auto ws = wb::Workspace::open(path.toStdString());
    QVERIFY(ws);
    WorkspaceSession session(std::move(*ws));
    RunsPanel panel(&session);
    panel.resize(1200, 600);
    panel.show();
    QTRY_COMPARE_WITH_TIMEOUT(panel.model()->rowCount(), 5, 10000);

    QTest::keyClicks(panel.filterEdit(), QStringLiteral("status = finished"));
    QTRY_COMPARE_WITH_TIMEOUT(panel.proxy()->rowCount(), 3, 2000);
    QVERIFY(panel.filterErrorLabel()->isHidden());

    // Keep typing: the half-written expression is an error; the rows stay as they were.
    const QString typed = QStringLiteral(" and val/accuracy >");
    QTest::keyClicks(panel.filterEdit(), typed);
    QCOMPARE(panel.filterEdit()->text(),
             QStringLiteral("status = finished") + typed);  // not blocked
    int column = 0;
    QVERIFY(!wb::query::parseFilter(panel.filterEdit()->text().toStdString(), &column));
    QVERIFY(column > 0);
    QTRY_VERIFY_WITH_TIMEOUT(panel.filterErrorLabel()->isVisible(), 2000);
    QVERIFY2(panel.filterErrorLabel()->text().contains(QStringLiteral("column %1").arg(column)),
             qPrintable(panel.filterErrorLabel()->text()));
    QVERIFY(panel.filterEdit()->styleSheet().contains(QStringLiteral("border")));
    QVERIFY(panel.filterEdit()->toolTip().contains(QStringLiteral("column %1").arg(column)));
    QCOMPARE(panel.proxy()->rowCount(), 3);
    QCOMPARE(panel.proxy()->filterText(), QStringLiteral("status = finished"));

    // Finishing the expression clears the error and applies it.
    QTest::keyClicks(panel.filterEdit(), QStringLiteral(" 0.925"));
    QTRY_VERIFY_WITH_TIMEOUT(panel.filterErrorLabel()->isHidden(), 2000);
    QCOMPARE(namesIn(*panel.proxy()), QStringList{QStringLiteral("alpha")});
    QVERIFY(panel.filterEdit()->styleSheet().isEmpty());

    // Clearing applies at once (no debounce).
    panel.filterEdit()->clear();
    QCOMPARE(panel.proxy()->rowCount(), 5);
  }

  void columnChooserSavedPerWorkspace() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ws"));
    Fixture fx(path);
    fx.add(sampleRuns());
    const QString min_id = QStringLiteral("metric:val/accuracy:min");
    const QString lr_id = QStringLiteral("param:optim.lr");
    const QString seed_id = QStringLiteral("param:seed");
    {
      auto ws = wb::Workspace::open(path.toStdString());
      QVERIFY(ws);
      WorkspaceSession session(std::move(*ws));
      RunsPanel panel(&session);
      panel.show();
      QTRY_COMPARE_WITH_TIMEOUT(panel.model()->rowCount(), 5, 10000);
      auto* header = panel.view()->horizontalHeader();
      QVERIFY(panel.isColumnShown(lr_id));
      QVERIFY(!panel.isColumnShown(min_id));
      QVERIFY(panel.isColumnShown(seed_id));  // constant, but shown by default

      // The chooser: grouped, searchable, checkable.
      auto* chooser = panel.columnChooser();
      QTest::mouseClick(panel.columnsButton(), Qt::LeftButton);
      QTRY_VERIFY(chooser->isVisible());
      QCOMPARE(chooser->tree()->topLevelItemCount(), 4);  // Run fields, Params, Metrics, Tags
      chooser->searchEdit()->setText(QStringLiteral(".min"));
      const QStringList matching = chooser->matchingIds();
      QCOMPARE(matching, (QStringList{QStringLiteral("metric:train/loss:min"), min_id}));
      chooser->searchEdit()->clear();
      QVERIFY(chooser->setChecked(min_id, true));
      QVERIFY(chooser->setChecked(lr_id, false));
      QVERIFY(panel.isColumnShown(min_id));
      QVERIFY(!panel.isColumnShown(lr_id));
      QVERIFY(!header->isSectionHidden(
          panel.model()->columnOfMetric(QStringLiteral("val/accuracy"), MetricColumnStat::Min)));
      // Only varying params: the constant seed goes, the varying depth stays.
      chooser->varyingBox()->setChecked(true);
      QVERIFY(!panel.isColumnShown(seed_id));
      QVERIFY(panel.isColumnShown(QStringLiteral("param:model.depth")));
      chooser->hide();
    }
    // A restart: a new session and panel on the same workspace.
    auto ws = wb::Workspace::open(path.toStdString());
    QVERIFY(ws);
    WorkspaceSession session(std::move(*ws));
    RunsPanel panel(&session);
    panel.show();
    QTRY_COMPARE_WITH_TIMEOUT(panel.model()->rowCount(), 5, 10000);
    QVERIFY(panel.isColumnShown(min_id));
    QVERIFY(!panel.isColumnShown(lr_id));
    QVERIFY(!panel.isColumnShown(seed_id));
    QVERIFY(panel.columnChooser()->onlyVaryingParams());
    QVERIFY(panel.settingsGroup().startsWith(QStringLiteral("runsTable/")));

    // Another workspace keeps its own defaults.
    QTemporaryDir other_dir;
    const QString other = other_dir.filePath(QStringLiteral("ws"));
    Fixture other_fx(other);
    other_fx.add(sampleRuns());
    auto ws2 = wb::Workspace::open(other.toStdString());
    QVERIFY(ws2);
    WorkspaceSession session2(std::move(*ws2));
    RunsPanel panel2(&session2);
    QTRY_COMPARE_WITH_TIMEOUT(panel2.model()->rowCount(), 5, 10000);
    QVERIFY(panel2.settingsGroup() != panel.settingsGroup());
    QVERIFY(panel2.isColumnShown(lr_id));
    QVERIFY(!panel2.isColumnShown(min_id));

    // Defaults again.
    panel.resetColumns();
    QVERIFY(panel.isColumnShown(lr_id));
    QVERIFY(!panel.isColumnShown(min_id));
  }

  // Regression: a row selected before a new metric column appeared dropped out of
  // selectedRunIds() (selectedRows() wants every column of the row selected).
  void selectionSurvivesNewColumns() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ws"));
    Fixture fx(path);
    fx.add(sampleRuns());
    auto ws = wb::Workspace::open(path.toStdString());
    QVERIFY(ws);
    WorkspaceSession session(std::move(*ws), nullptr, 100);
    RunsPanel panel(&session);
    panel.show();
    QTRY_COMPARE_WITH_TIMEOUT(panel.model()->rowCount(), 5, 10000);
    const QString beta = QString::fromStdString(fx.ids.at("beta"));
    panel.showRun(beta);
    QCOMPARE(panel.selectedRunIds(), QStringList{beta});
    {
      auto writer = wb::store::MetricsWriter::open(fx.workspace().dbPath());
      QVERIFY(writer);
      (*writer)->log(fx.ids.at("beta"), "val/f1", 0, 0.5);
      QVERIFY((*writer)->close());
    }
    QTRY_VERIFY_WITH_TIMEOUT(panel.model()->columnOfMetric(QStringLiteral("val/f1")) >= 0, 10000);
    QCOMPARE(panel.selectedRunIds(), QStringList{beta});
    QVERIFY(panel.isColumnShown(QStringLiteral("metric:val/f1:last")));
    const int f1 = panel.model()->columnOfMetric(QStringLiteral("val/f1"));
    const QModelIndex cell =
        panel.proxy()->mapFromSource(panel.model()->index(panel.model()->rowOfRun(beta), f1));
    QVERIFY(panel.view()->selectionModel()->isSelected(cell));  // the new cell is painted selected
  }

  void groupBySweep() {
    QTemporaryDir dir;
    Fixture fx(dir.filePath(QStringLiteral("ws")));
    fx.add(
        {{"lonely", RunStatus::Finished, {{"lr", "0.2"}}, {{"acc", {0.6}}}, {}},
         {"sweep-parent", RunStatus::Finished, {}, {}, {}},
         {"child-1", RunStatus::Finished, {{"lr", "0.1"}}, {{"acc", {0.5}}}, {}, "sweep-parent"},
         {"child-2", RunStatus::Finished, {{"lr", "0.01"}}, {{"acc", {0.9}}}, {}, "sweep-parent"},
         {"child-3", RunStatus::Failed, {{"lr", "0.001"}}, {{"acc", {0.3}}}, {}, "sweep-parent"},
         {"other", RunStatus::Finished, {{"lr", "1"}}, {{"acc", {0.7}}}, {}}});
    RunTableModel model;
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(fx.snapshot());
    const int acc = model.columnOfMetric(QStringLiteral("acc"));
    proxy.sort(acc, Qt::DescendingOrder);
    proxy.setGrouping(GroupBy::Sweep);
    // The sweep holds the best run (0.9), so it comes first; its children follow it, sorted.
    QCOMPARE(namesIn(proxy),
             (L({"sweep-parent", "child-2", "child-1", "child-3", "other", "lonely"})));
    QVERIFY(proxy.index(0, 0).data(RunFilterProxy::GroupHeaderRole).toBool());
    for (int r = 1; r <= 3; ++r)
      QCOMPARE(proxy.index(r, 0).data(RunFilterProxy::DepthRole).toInt(), 1);
    QCOMPARE(proxy.index(4, 0).data(RunFilterProxy::DepthRole).toInt(), 0);
    QCOMPARE(model
                 .index(model.rowOfRun(QString::fromStdString(fx.ids.at("child-1"))),
                        RunTableModel::kParent)
                 .data()
                 .toString(),
             QStringLiteral("sweep-parent"));

    // Folding hides the children; selecting a hidden child unfolds it.
    const QString key = proxy.groupKeyAt(0);
    QVERIFY(!key.isEmpty());
    proxy.setGroupExpanded(key, false);
    QCOMPARE(namesIn(proxy), (L({"sweep-parent", "other", "lonely"})));
    QVERIFY(proxy.reveal(model.rowOfRun(QString::fromStdString(fx.ids.at("child-3")))));
    QCOMPARE(proxy.rowCount(), 6);

    // A filter keeps the parent as context for matching children.
    QVERIFY(proxy.setFilterText(QStringLiteral("status = failed")).ok);
    QCOMPARE(namesIn(proxy), (L({"sweep-parent", "child-3"})));
    QVERIFY(proxy.index(0, 0).data(RunFilterProxy::ContextRole).toBool());
    QVERIFY(proxy.setFilterText(QString()).ok);

    // By tag: synthetic header rows, then no grouping again.
    proxy.setGrouping(GroupBy::Experiment);
    QCOMPARE(proxy.rowCount(), 7);
    QVERIFY(proxy.index(0, 0).data(RunFilterProxy::GroupHeaderRole).toBool());
    QVERIFY(!proxy.mapToSource(proxy.index(0, 0)).isValid());
    QVERIFY(proxy.index(0, 0).data().toString().contains(QStringLiteral("6 runs")));
    QCOMPARE(proxy.index(0, acc).data().toString(), QStringLiteral("0.9"));  // the group's best
    QCOMPARE(proxy.runRowCount(), 6);
    proxy.setGrouping(GroupBy::None);
    QCOMPARE(proxy.rowCount(), 6);
  }

  void groupByTag() {
    QTemporaryDir dir;
    Fixture fx(dir.filePath(QStringLiteral("ws")));
    fx.add(sampleRuns());
    RunTableModel model;
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(fx.snapshot());
    proxy.sort(RunTableModel::kName, Qt::AscendingOrder);
    proxy.setGrouping(GroupBy::Tag, QStringLiteral("owner"));
    QStringList rows;
    for (int r = 0; r < proxy.rowCount(); ++r) {
      const bool header = proxy.index(r, 0).data(RunFilterProxy::GroupHeaderRole).toBool();
      rows << (header ? QStringLiteral("# ") : QString()) + proxy.index(r, 0).data().toString();
    }
    QCOMPARE(rows, (L({"# owner = ana · 2 runs", "alpha", "delta", "# owner = bo · 1 run", "beta",
                       "# No tag owner · 2 runs", "gamma", "special-epsilon"})));
  }

  void updatesKeepSelectionAndScroll() {
    QTemporaryDir dir;
    Fixture fx(dir.filePath(QStringLiteral("ws")));
    std::vector<Spec> specs;
    for (int i = 0; i < 300; ++i)
      specs.push_back({"run-" + std::to_string(i),
                       RunStatus::Finished,
                       {{"i", std::to_string(i)}},
                       {{"acc", {i / 300.0}}},
                       {}});
    fx.add(specs);
    RunTableModel model;
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QTableView view;
    view.setModel(&proxy);
    view.resize(600, 300);
    view.show();
    model.setSnapshot(fx.snapshot());
    QTRY_COMPARE(proxy.rowCount(), 300);
    proxy.sort(model.columnOfMetric(QStringLiteral("acc")), Qt::DescendingOrder);
    const QModelIndex target = proxy.mapFromSource(
        model.index(model.rowOfRun(QString::fromStdString(fx.ids.at("run-150"))), 0));
    view.selectionModel()->select(target,
                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.scrollTo(target, QAbstractItemView::PositionAtTop);
    QTRY_VERIFY(view.verticalScrollBar()->value() > 0);
    const int scroll = view.verticalScrollBar()->value();

    // Another process logs to a run at the bottom and adds runs: no reset, same selection and
    // scroll.
    QSignalSpy resets(&proxy, &QAbstractItemModel::modelReset);
    {
      auto writer = wb::store::MetricsWriter::open(fx.workspace().dbPath());
      QVERIFY(writer);
      (*writer)->log(fx.ids.at("run-3"), "acc", 1, 0.011);
      QVERIFY((*writer)->close());
    }
    fx.add({{"late", RunStatus::Running, {{"i", "-1"}}, {{"acc", {0.0001}}}, {}}});
    model.setSnapshot(fx.snapshot());
    QCOMPARE(proxy.rowCount(), 301);
    QCOMPARE(resets.size(), 0);
    const QModelIndexList selected = view.selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().data(RunTableModel::RunIdRole).toString(),
             QString::fromStdString(fx.ids.at("run-150")));
    QCOMPARE(view.verticalScrollBar()->value(), scroll);
  }

  // Random sequences of snapshots (runs and keys coming and going, values changing) under every
  // view setting: the model and the proxy stay consistent and show exactly the right rows.
  void randomUpdatesStayConsistent() {
    std::mt19937 rng(20240501);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::vector<RunRow> runs;
    int next_id = 0;
    auto makeRun = [&] {
      RunRow r;
      r.run.id = "id" + std::to_string(next_id);
      r.run.name = "run-" + std::to_string(next_id++);
      r.run.status = pick(4) == 0 ? RunStatus::Failed : RunStatus::Finished;
      r.run.created_at = 1.7e9 + next_id;
      r.run.experiment = pick(2) ? "a" : "b";
      if (!runs.empty() && pick(3) == 0)
        r.run.parent_run_id =
            runs[static_cast<std::size_t>(pick(static_cast<int>(runs.size())))].run.id;
      for (int k = 0; k < 4; ++k)
        if (pick(3)) r.params["p" + std::to_string(k + pick(2) * 4)] = std::to_string(pick(5));
      if (pick(2)) r.tags["owner"] = pick(2) ? "ana" : "bo";
      for (int k = 0; k < 3; ++k) {
        if (!pick(2)) continue;
        wb::store::MetricSummary m;
        m.key = "m" + std::to_string(k + pick(2) * 3);
        m.count = 1 + pick(5);
        m.last_value = pick(10) / 10.0;
        m.min_value = 0.0;
        m.max_value = 1.0;
        r.metrics[m.key] = m;
      }
      return r;
    };
    auto snapshotOf = [&] {
      auto snap = std::make_shared<RunSnapshot>();
      snap->rows = runs;
      std::set<std::string> params, metrics;
      for (const auto& r : runs) {
        for (const auto& [k, v] : r.params) params.insert(k);
        for (const auto& [k, v] : r.metrics) metrics.insert(k);
      }
      snap->param_keys.assign(params.begin(), params.end());
      snap->metric_keys.assign(metrics.begin(), metrics.end());
      return RunSnapshotPtr(snap);
    };
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester proxy_tester(&proxy,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTableView view;  // a view with a selection follows every change
    view.setModel(&proxy);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    view.setSelectionMode(QAbstractItemView::ExtendedSelection);
    view.resize(500, 300);
    view.show();
    bool bad_selection = false;
    auto selectedIds = [&] {
      QStringList ids;
      // By row: columns inserted later are not part of an older row selection.
      for (const auto& idx : view.selectionModel()->selectedIndexes()) {
        bad_selection = bad_selection || !idx.isValid() || idx.row() >= proxy.rowCount();
        if (idx.column() == 0) ids << idx.data(RunTableModel::RunIdRole).toString();
      }
      return ids;
    };
    const QStringList filters = {QString(), QStringLiteral("status = finished"),
                                 QStringLiteral("p1 >= 2 or m0 < 0.5"), QStringLiteral("run-1"),
                                 QStringLiteral("not has(p2)")};
    for (int step = 0; step < 150; ++step) {
      // Mutate: remove, add, change.
      for (int k = pick(4); k > 0 && !runs.empty(); --k)
        runs.erase(runs.begin() + pick(static_cast<int>(runs.size())));
      for (int k = pick(5); k > 0; --k) runs.push_back(makeRun());
      for (int k = pick(4); k > 0 && !runs.empty(); --k) {
        auto& r = runs[static_cast<std::size_t>(pick(static_cast<int>(runs.size())))];
        r.params["p0"] = std::to_string(pick(9));
        if (!r.metrics.empty()) r.metrics.begin()->second.last_value = pick(10) / 10.0;
      }
      std::shuffle(runs.begin(), runs.end(), rng);
      if (pick(2) && proxy.rowCount() > 0)
        view.selectionModel()->select(proxy.index(pick(proxy.rowCount()), 0),
                                      QItemSelectionModel::Select | QItemSelectionModel::Rows);
      const QStringList selected = selectedIds();
      model.setSnapshot(snapshotOf());
      // A selected run that is still shown is still selected.
      const QStringList still = selectedIds();
      QVERIFY(!bad_selection);
      for (const auto& id : selected) {
        const int row = model.rowOfRun(id);
        if (id.isEmpty() || row < 0 || !proxy.mapFromSource(model.index(row, 0)).isValid())
          continue;
        QVERIFY2(still.contains(id), qPrintable(id));
      }
      if (step % 10 == 0) QCoreApplication::processEvents();  // paint now and then
      // Change the view now and then.
      if (pick(3) == 0) {
        const GroupBy modes[] = {GroupBy::None, GroupBy::Sweep, GroupBy::Experiment, GroupBy::Tag};
        proxy.setGrouping(modes[pick(4)], QStringLiteral("owner"));
      }
      if (pick(3) == 0)
        proxy.sort(pick(model.columnCount()), pick(2) ? Qt::AscendingOrder : Qt::DescendingOrder);
      if (pick(3) == 0)
        QVERIFY(proxy.setFilterText(filters[pick(static_cast<int>(filters.size()))]).ok);
      if (pick(4) == 0 && proxy.rowCount() > 0) {
        const QString key = proxy.groupKeyAt(pick(proxy.rowCount()));
        if (!key.isEmpty()) proxy.setGroupExpanded(key, !proxy.isGroupExpanded(key));
      }

      // The model holds exactly the snapshot's runs.
      QCOMPARE(model.rowCount(), static_cast<int>(runs.size()));
      std::set<std::string> ids;
      for (int r = 0; r < model.rowCount(); ++r) {
        const RunRow* row = model.rowAt(r);
        QVERIFY(row);
        QCOMPARE(model.index(r, RunTableModel::kName).data().toString(),
                 QString::fromStdString(row->run.name));
        ids.insert(row->run.id);
      }
      QCOMPARE(ids.size(), runs.size());
      // The proxy: each shown run once, mapped both ways; without grouping, sorted.
      std::set<int> shown;
      int previous = -1;
      for (int r = 0; r < proxy.rowCount(); ++r) {
        const QModelIndex source = proxy.mapToSource(proxy.index(r, 0));
        if (!source.isValid()) continue;
        QVERIFY(shown.insert(source.row()).second);
        QCOMPARE(proxy.mapFromSource(source).row(), r);
        if (proxy.grouping() == GroupBy::None && proxy.sortColumn() >= 0 && previous >= 0) {
          const SortKey a = model.sortKey(previous, proxy.sortColumn());
          const SortKey b = model.sortKey(source.row(), proxy.sortColumn());
          if (a.cls != SortKey::kMissing && b.cls != SortKey::kMissing && a.cls == b.cls) {
            if (proxy.sortOrder() == Qt::AscendingOrder)
              QVERIFY(a.value <= b.value);
            else
              QVERIFY(a.value >= b.value);
          }
          QVERIFY(!(a.cls == SortKey::kMissing && b.cls != SortKey::kMissing));
        }
        previous = source.row();
      }
      if (proxy.grouping() == GroupBy::None)
        QCOMPARE(static_cast<int>(shown.size()), proxy.matchingRunCount());
    }
  }

  void tenThousandRunsKeepTheEventLoopMoving() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ws"));
    Fixture fx(path);
    constexpr int kRuns = 10'000;
    {
      QElapsedTimer t;
      t.start();
      std::vector<Spec> specs;
      specs.reserve(kRuns);
      for (int i = 0; i < kRuns; ++i) {
        Spec s;
        s.name = "run-" + std::to_string(i);
        s.status = i % 7 == 0 ? RunStatus::Failed : RunStatus::Finished;
        for (int p = 0; p < 8; ++p)
          s.params["p" + std::to_string(p)] = std::to_string((i * (p + 3)) % 97);
        s.params["optim.lr"] = wb::formatFixed(1e-4 * (1 + i % 50), 6);
        s.metrics = {{"val/accuracy", {0.1, (i % 1000) / 1000.0}},
                     {"train/loss", {2.0, 1.0 / (1 + i % 100)}}};
        specs.push_back(std::move(s));
      }
      fx.add(specs);
      qInfo("wrote %d runs through core in %lld ms", kRuns, static_cast<long long>(t.elapsed()));
    }
    QElapsedTimer clock;
    clock.start();
    qint64 worst_ms = 0, last = clock.elapsed();
    QTimer tick;
    tick.setInterval(10);
    QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
      const qint64 now = clock.elapsed();
      worst_ms = std::max(worst_ms, now - last - 10);
      last = now;
    });
    tick.start();

    auto ws = wb::Workspace::open(path.toStdString());
    QVERIFY(ws);
    WorkspaceSession session(std::move(*ws));
    RunsPanel panel(&session);
    panel.resize(1400, 800);
    panel.show();
    QTRY_COMPARE_WITH_TIMEOUT(panel.model()->rowCount(), kRuns, 60000);
    QTRY_COMPARE_WITH_TIMEOUT(panel.proxy()->rowCount(), kRuns, 10000);
    const qint64 loaded_ms = clock.elapsed();
    QTest::qWait(100);

    panel.filterEdit()->setText(
        QStringLiteral("val/accuracy > 0.9 and optim.lr < 0.001 and status = finished"));
    QTRY_VERIFY_WITH_TIMEOUT(panel.proxy()->rowCount() < kRuns && panel.proxy()->rowCount() > 0,
                             5000);
    // Exactly the runs the expression names.
    int expected = 0;
    for (int i = 0; i < kRuns; ++i)
      if ((i % 1000) / 1000.0 > 0.9 && 1e-4 * (1 + i % 50) < 0.001 && i % 7 != 0) ++expected;
    QCOMPARE(panel.proxy()->rowCount(), expected);
    panel.proxy()->sort(panel.model()->columnOfMetric(QStringLiteral("val/accuracy")),
                        Qt::AscendingOrder);
    panel.filterEdit()->clear();
    QCOMPARE(panel.proxy()->rowCount(), kRuns);
    panel.setGrouping(GroupBy::Experiment);
    panel.setGrouping(GroupBy::None);
    QTest::qWait(100);
    tick.stop();
    qInfo("10,000 runs on screen after %lld ms; worst event-loop delay %lld ms",
          static_cast<long long>(loaded_ms), static_cast<long long>(worst_ms));
    QVERIFY2(worst_ms < 250,
             qPrintable(QStringLiteral("event loop blocked for %1 ms").arg(worst_ms)));
  }
};

QTEST_MAIN(TestRunsTable)
#include "tst_runs_table.moc"
