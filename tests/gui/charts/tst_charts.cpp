// Live training charts (issue 5): MetricSeriesStore, MetricPlotWidget, MetricPanelGrid, RunColors
// and the Runs section's chart pane, on real workspaces written through core's MetricsWriter and
// the real `wb` CLI while the charts are open. Runs headless (QT_QPA_PLATFORM=offscreen).
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>

#include "core/common/numbers.h"
#include "core/metrics/series_ops.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "ui/charts/metric_panel_grid.h"
#include "ui/charts/metric_plot_widget.h"
#include "ui/charts/metric_series_store.h"
#include "ui/common/qcp.h"
#include "ui/common/run_colors.h"
#include "ui/runs/run_detail_widget.h"
#include "ui/shell/store_watcher.h"

using namespace wb::ui;
using wb::store::MetricPoint;
using wb::store::MetricsWriter;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString cliPath() {
  const QByteArray env = qgetenv("WB_CLI");
  return env.isEmpty() ? QStringLiteral(WB_CLI_PATH) : QString::fromLocal8Bit(env);
}

QString sourceDir() {
  const QByteArray env = qgetenv("WB_SOURCE_DIR");
  return env.isEmpty() ? QStringLiteral(WB_SOURCE_DIR) : QString::fromLocal8Bit(env);
}

QString runCli(const QString& ws, const QStringList& args) {
  QProcess p;
  p.start(cliPath(), QStringList{QStringLiteral("--workspace"), ws} + args);
  if (!p.waitForFinished(60000) || p.exitCode() != 0)
    qWarning() << "wb failed:" << args << p.readAllStandardError();
  return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

// A workspace made through core, with helpers to add runs and log points.
struct TestWorkspace {
  QTemporaryDir dir;
  std::optional<wb::Workspace> ws;

  TestWorkspace() {
    auto created = wb::Workspace::create(dir.filePath(QStringLiteral("ws")).toStdString());
    if (created) ws = *created;
  }
  bool ok() const { return dir.isValid() && ws.has_value(); }
  QString dbPath() const { return QString::fromStdString(ws->dbPath().string()); }
  QString root() const { return QString::fromStdString(ws->root().string()); }

  QString newRun(const std::string& name) {
    auto db = ws->connect();
    wb::store::NewRun spec;
    spec.name = name;
    spec.pid = QCoreApplication::applicationPid();
    auto run = wb::store::RunRepository(**db).create(spec);
    return run ? QString::fromStdString(run->id) : QString();
  }
  double startedAt(const QString& run_id) {
    auto db = ws->connect();
    auto run = wb::store::RunRepository(**db).find(run_id.toStdString());
    return run && run->started_at ? *run->started_at : kNaN;
  }
  std::vector<MetricPoint> stored(const QString& run_id, const QString& key) {
    auto db = ws->connect();
    auto points = wb::store::MetricsReader(**db).series(run_id.toStdString(), key.toStdString());
    return points ? *points : std::vector<MetricPoint>{};
  }
  // Logs points[i] = (step i + first_step, value(i), epoch(i), wall(i)) and flushes.
  template <class Value, class Epoch, class Wall>
  void log(const QString& run_id, const QString& key, int n, Value value, Epoch epoch, Wall wall,
           int first_step = 0) {
    auto writer = MetricsWriter::open(ws->dbPath());
    QVERIFY(writer);
    const auto handle = (*writer)->series(run_id.toStdString(), key.toStdString());
    for (int i = 0; i < n; ++i) (*writer)->log(handle, first_step + i, value(i), epoch(i), wall(i));
    QVERIFY((*writer)->close());
  }
  void log(const QString& run_id, const QString& key, int n, double (*value)(int)) {
    log(
        run_id, key, n, value, [](int) { return kNaN; }, [](int i) { return 1.7e9 + i; });
  }
};

double noisy(int i) {
  return std::sin(i * 0.01) + 0.3 * std::sin(i * 7.3) + 0.1 * std::cos(i * 0.37);
}

std::vector<double> drawnXs(
    MetricPlotWidget* p, const QString& run,
    MetricPlotWidget::CurveLayer layer = MetricPlotWidget::CurveLayer::Raw) {
  return p->drawnData(run, layer).first;
}
std::vector<double> drawnYs(
    MetricPlotWidget* p, const QString& run,
    MetricPlotWidget::CurveLayer layer = MetricPlotWidget::CurveLayer::Raw) {
  return p->drawnData(run, layer).second;
}

bool sameDouble(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

class TestCharts : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_settings_dir;

  // A standalone panel over the store, shown, with its runs loaded.
  std::unique_ptr<MetricPlotWidget> openPanel(MetricSeriesStore& store, const QString& key,
                                              const QStringList& runs,
                                              QSize size = QSize(900, 320)) {
    auto panel = std::make_unique<MetricPlotWidget>(&store, key);
    panel->resize(size);
    panel->setRuns(runs);
    panel->show();
    if (!QTest::qWaitForWindowExposed(panel.get())) return nullptr;
    return panel;
  }
  static bool allLoaded(MetricSeriesStore& store, const QString& key, const QStringList& runs) {
    for (const auto& r : runs)
      if (!store.isLoaded(r, key)) return false;
    return true;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_settings_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_charts"));
  }
  void init() { QSettings().clear(); }

  void runColorsAreStable() {
    const QString id = QStringLiteral("3f2a9c1b7d4e");
    RunColors a, b;
    QCOMPARE(a.color(id), b.color(id));
    QCOMPARE(a.color(id), RunColors::defaultColor(id));
    // The slot depends on the id only (FNV-1a), not on the process: pinned here.
    QCOMPARE(RunColors::preferredSlot(QStringLiteral("run-a")),
             RunColors::preferredSlot(QStringLiteral("run-a")));
    QVERIFY(RunColors::preferredSlot(id) >= 0 &&
            RunColors::preferredSlot(id) < RunColors::kPrimaryColors);
    // Shown together, up to ten runs get ten different colours, whatever order they come in.
    QStringList ids;
    for (int i = 0; i < 10; ++i) ids << QStringLiteral("run-%1").arg(i * 7919);
    const auto colors = a.assign(ids);
    QSet<QRgb> distinct;
    for (const auto& c : colors) distinct.insert(c.rgb());
    QCOMPARE(distinct.size(), 10);
    QStringList reversed(ids.rbegin(), ids.rend());
    QCOMPARE(a.assign(reversed), colors);
    // An override is saved per workspace and wins everywhere.
    a.setWorkspace(QStringLiteral("/tmp/ws-one"));
    a.setOverride(id, QColor(Qt::black));
    RunColors again;
    again.setWorkspace(QStringLiteral("/tmp/ws-one"));
    QCOMPARE(again.color(id), QColor(Qt::black));
    QCOMPARE(again.assign({id}).value(id), QColor(Qt::black));
    RunColors other;
    other.setWorkspace(QStringLiteral("/tmp/ws-two"));
    QCOMPARE(other.color(id), RunColors::defaultColor(id));
  }

  void millionPointsAreDownsampledAndKeepASpike() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("big");
    constexpr int kPoints = 1'000'000;
    constexpr int kSpikeAt = 654'321;
    tw.log(
        run, QStringLiteral("train/loss"), kPoints,
        [](int i) { return i == kSpikeAt ? 1000.0 : noisy(i); }, [](int) { return kNaN; },
        [](int i) { return 1.7e9 + i * 0.01; });
    MetricSeriesStore store(tw.dbPath());
    auto panel = openPanel(store, QStringLiteral("train/loss"), {run});
    QVERIFY(panel);
    QTRY_VERIFY_WITH_TIMEOUT(store.isLoaded(run, QStringLiteral("train/loss")), 20000);
    QCOMPARE(store.series(run, QStringLiteral("train/loss"))->size(), std::size_t(kPoints));
    QTRY_VERIFY(panel->drawnPointCount() > 0);
    panel->replotNow();
    panel->replotNow();
    const int width = panel->plot()->axisRect()->width();
    const auto ys = drawnYs(panel.get(), run);
    QVERIFY2(ys.size() <= static_cast<std::size_t>(4 * width + 2),
             qPrintable(QStringLiteral("%1 points for %2 px").arg(ys.size()).arg(width)));
    QVERIFY(ys.size() > static_cast<std::size_t>(width));  // not plain skipping either
    QVERIFY(std::find(ys.begin(), ys.end(), 1000.0) != ys.end());
    QVERIFY(panel->yRange().second >= 1000.0);
    // Exactly the min/max downsampling of the stored series over the visible range.
    const auto* s = store.series(run, QStringLiteral("train/loss"));
    const auto [x0, x1] = panel->xRange();
    const auto expected = wb::metrics::downsampleMinMax(s->steps, s->values, x0, x1, width);
    QCOMPARE(drawnXs(panel.get(), run), expected.xs);
    QCOMPARE(ys, expected.ys);
    QVERIFY2(panel->lastReplotMs() < 250, qPrintable(QString::number(panel->lastReplotMs())));
  }

  void runningRunGrowsWhenTheCliLogs() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    runCli(ws, {QStringLiteral("init"), ws});
    const QString run =
        runCli(ws, {QStringLiteral("log"), QStringLiteral("start"), QStringLiteral("--name"),
                    QStringLiteral("cli-run"), QStringLiteral("--pid"),
                    QString::number(QCoreApplication::applicationPid())});
    QVERIFY(!run.isEmpty());
    for (int step = 0; step < 3; ++step)
      runCli(ws, {QStringLiteral("log"), QStringLiteral("metric"), run,
                  QStringLiteral("train/loss=%1").arg(1.0 / (step + 1)), QStringLiteral("--step"),
                  QString::number(step)});

    MetricSeriesStore store(ws + QStringLiteral("/.workbench/workbench.db"));
    RunColors colors;
    MetricPanelGrid grid(&store, &colors);
    grid.resize(1000, 700);
    grid.setRuns({run});
    grid.show();
    QVERIFY(QTest::qWaitForWindowExposed(&grid));
    QTRY_VERIFY_WITH_TIMEOUT(grid.panel(QStringLiteral("train/loss")), 10000);
    auto* panel = grid.panel(QStringLiteral("train/loss"));
    QTRY_COMPARE_WITH_TIMEOUT(drawnXs(panel, run).size(), std::size_t(3), 10000);

    // Another process logs while the chart is open: the plotted series grows by itself.
    runCli(ws, {QStringLiteral("log"), QStringLiteral("metric"), run,
                QStringLiteral("train/loss=0.125"), QStringLiteral("--step"), QStringLiteral("3"),
                QStringLiteral("val/accuracy=0.5")});
    QTRY_COMPARE_WITH_TIMEOUT(drawnXs(panel, run).size(), std::size_t(4), 10000);
    QCOMPARE(drawnXs(panel, run).back(), 3.0);
    QCOMPARE(drawnYs(panel, run).back(), 0.125);
    // A new key gets a panel in its section.
    QTRY_VERIFY_WITH_TIMEOUT(grid.panel(QStringLiteral("val/accuracy")), 10000);
    QCOMPARE(grid.metricKeys(),
             (QStringList{QStringLiteral("train/loss"), QStringLiteral("val/accuracy")}));
    QCOMPARE(store.series(run, QStringLiteral("train/loss"))->size(),
             std::size_t(4));  // read once each
  }

  void appendLiveShowsAPointWithoutTheDatabase() {
    MetricSeriesStore store;  // live only
    RunColors colors;
    MetricPanelGrid grid(&store, &colors);
    grid.resize(900, 600);
    grid.setRuns({QStringLiteral("live-run")});
    grid.show();
    QVERIFY(QTest::qWaitForWindowExposed(&grid));
    QElapsedTimer clock;
    clock.start();
    store.appendLive(QStringLiteral("live-run"), QStringLiteral("live/x"), 1, 0.5);
    QTRY_VERIFY(grid.panel(QStringLiteral("live/x")));
    auto* panel = grid.panel(QStringLiteral("live/x"));
    QTRY_COMPARE(drawnYs(panel, QStringLiteral("live-run")), std::vector<double>{0.5});
    qInfo("appendLive to drawn data (with a new panel): %lld ms",
          static_cast<long long>(clock.elapsed()));
    clock.restart();
    store.appendLive(QStringLiteral("live-run"), QStringLiteral("live/x"), 2, 0.25);
    QTRY_COMPARE(drawnXs(panel, QStringLiteral("live-run")), (std::vector<double>{1, 2}));
    qInfo("appendLive to drawn data: %lld ms", static_cast<long long>(clock.elapsed()));
    // Repeats of a step already shown are dropped (the database may have given it first).
    store.appendLive(QStringLiteral("live-run"), QStringLiteral("live/x"), 2, 9.0);
    store.flushLive();
    QCOMPARE(store.series(QStringLiteral("live-run"), QStringLiteral("live/x"))->size(),
             std::size_t(2));
    // The trainer's JSON events feed the same path.
    const auto step =
        QJsonDocument::fromJson(
            R"({"event":"step","run_id":"live-run","step":3,"epoch":1,"batch":3,"batches":6,"loss":0.75})")
            .object();
    QCOMPARE(store.appendEvent(step), 1);
    const auto epoch =
        QJsonDocument::fromJson(
            R"({"event":"epoch","run_id":"live-run","epoch":1,"epochs":2,"step":6,"metrics":{"val/accuracy":0.8,"train/loss":0.6}})")
            .object();
    QCOMPARE(store.appendEvent(epoch), 2);
    store.flushLive();
    const auto* loss_step =
        store.series(QStringLiteral("live-run"), QStringLiteral("train/loss_step"));
    QVERIFY(loss_step);
    QCOMPARE(loss_step->epochs, std::vector<double>{0.5});
    QTRY_VERIFY(grid.panel(QStringLiteral("val/accuracy")));
    QCOMPARE(store.series(QStringLiteral("live-run"), QStringLiteral("val/accuracy"))->epochs,
             std::vector<double>{1});
    // Runs nobody shows are not kept.
    store.appendLive(QStringLiteral("other-run"), QStringLiteral("live/x"), 1, 1);
    store.flushLive();
    QVERIFY(!store.series(QStringLiteral("other-run"), QStringLiteral("live/x")));
  }

  // Live points, then the database's copies of the same points: one series, no duplicates, and
  // the later live points stay after them.
  void databaseConfirmsLivePointsWithoutDuplicates() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("mixed");
    const QString key = QStringLiteral("train/loss");
    tw.log(
        run, key, 10, [](int i) { return 1.0 / (i + 1); }, [](int) { return kNaN; },
        [](int i) { return 1.7e9 + i; });
    MetricSeriesStore store(tw.dbPath());
    store.setPollInterval(50);
    store.acquireRuns({run});
    store.request(run, key);
    QTRY_VERIFY(store.isLoaded(run, key));
    for (int i = 10; i < 20; ++i) store.appendLive(run, key, i, 1.0 / (i + 1));
    store.flushLive();
    const auto* s = store.series(run, key);
    QCOMPARE(s->size(), std::size_t(20));
    const auto generation = s->generation;
    // The trainer's writer flushes the first five of them.
    tw.log(
        run, key, 5, [](int i) { return 1.0 / (i + 11); }, [](int) { return kNaN; },
        [](int i) { return 1.7e9 + 10 + i; }, 10);
    QTRY_COMPARE(store.series(run, key)->db_points, std::size_t(15));
    QCOMPARE(s->size(), std::size_t(20));
    QCOMPARE(s->generation, generation);  // the same values: an append as far as charts go
    for (std::size_t i = 0; i < 20; ++i) {
      QCOMPARE(s->steps[i], static_cast<double>(i));
      QCOMPARE(s->values[i], 1.0 / static_cast<double>(i + 1));
    }
    store.releaseRuns({run});
  }

  void smoothingKeepsTheRawSeriesFaintBehind() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("smooth");
    tw.log(run, QStringLiteral("train/loss"), 1500, noisy);
    MetricSeriesStore store(tw.dbPath());
    auto panel = openPanel(store, QStringLiteral("train/loss"), {run});
    QVERIFY(panel);
    QTRY_VERIFY(store.isLoaded(run, QStringLiteral("train/loss")));
    panel->replotNow();
    const auto raw_before = drawnYs(panel.get(), run);
    QCOMPARE(raw_before.size(), std::size_t(1500));  // 1500 < 4 px per point: all of them
    QVERIFY(drawnYs(panel.get(), run, MetricPlotWidget::CurveLayer::Smoothed).empty());

    panel->setSmoothing(0.9);
    panel->replotNow();
    const auto* s = store.series(run, QStringLiteral("train/loss"));
    const auto raw = drawnYs(panel.get(), run);
    const auto smooth = drawnYs(panel.get(), run, MetricPlotWidget::CurveLayer::Smoothed);
    QCOMPARE(raw, s->values);                                  // the raw line keeps raw values
    QCOMPARE(smooth, wb::metrics::emaSmooth(s->values, 0.9));  // the drawn line is the EMA
    QVERIFY(smooth != raw);
    QVERIFY(panel->plot()->graph(0)->pen().color().alpha() < 128);         // raw: faint
    QCOMPARE(panel->plot()->graph(1)->pen().color().alpha(), 255);         // smoothed: solid
    QVERIFY(panel->hoverTextAt(100).value(1).contains(QLatin1Char('(')));  // value (raw)
    panel->setSmoothing(0);
    panel->replotNow();
    QVERIFY(drawnYs(panel.get(), run, MetricPlotWidget::CurveLayer::Smoothed).empty());
    QCOMPARE(panel->plot()->graph(0)->pen().color().alpha(), 255);
  }

  // A short run's few points are marked with dots (on the curve in front); long ones are not.
  void fewPointsGetDots() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString few = tw.newRun("few");
    const QString many = tw.newRun("many");
    tw.log(few, QStringLiteral("val/loss"), 8, noisy);
    tw.log(many, QStringLiteral("val/loss"), 1500, noisy);
    MetricSeriesStore store(tw.dbPath());
    auto short_panel = openPanel(store, QStringLiteral("val/loss"), {few});
    auto long_panel = openPanel(store, QStringLiteral("val/loss"), {many});
    QVERIFY(short_panel && long_panel);
    QTRY_VERIFY(store.isLoaded(few, QStringLiteral("val/loss")) &&
                store.isLoaded(many, QStringLiteral("val/loss")));
    short_panel->replotNow();
    long_panel->replotNow();
    // Graph 0 is a run's raw curve, graph 1 its smoothed one.
    auto shape = [](MetricPlotWidget* p, int graph) {
      return p->plot()->graph(graph)->scatterStyle().shape();
    };
    QCOMPARE(shape(short_panel.get(), 0), QCPScatterStyle::ssDisc);
    QCOMPARE(shape(short_panel.get(), 1), QCPScatterStyle::ssNone);
    QCOMPARE(shape(long_panel.get(), 0), QCPScatterStyle::ssNone);
    short_panel->setSmoothing(0.5);
    short_panel->replotNow();
    QCOMPARE(shape(short_panel.get(), 0), QCPScatterStyle::ssNone);
    QCOMPARE(shape(short_panel.get(), 1), QCPScatterStyle::ssDisc);
  }

  void xAxisModes() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("axes");
    const double start = tw.startedAt(run);
    QVERIFY(std::isfinite(start));
    tw.log(
        run, QStringLiteral("val/loss"), 50, [](int i) { return 1.0 / (i + 1); },
        [](int i) { return (i + 1) / 10.0; }, [start](int i) { return start + 5 + 2.0 * i; }, 100);
    MetricSeriesStore store(tw.dbPath());
    auto panel = openPanel(store, QStringLiteral("val/loss"), {run});
    QVERIFY(panel);
    QTRY_VERIFY(store.isLoaded(run, QStringLiteral("val/loss")));
    panel->replotNow();
    QCOMPARE(drawnXs(panel.get(), run).front(), 100.0);
    QCOMPARE(panel->xRange(), std::make_pair(100.0, 149.0));

    panel->setXAxisMode(XAxisMode::Epoch);
    panel->replotNow();
    QCOMPARE(drawnXs(panel.get(), run).front(), 0.1);
    QCOMPARE(drawnXs(panel.get(), run).back(), 5.0);
    QCOMPARE(panel->xRange().second, 5.0);

    panel->setXAxisMode(XAxisMode::WallTime);
    panel->replotNow();
    QCOMPARE(drawnXs(panel.get(), run).front(), start + 5);
    QCOMPARE(drawnXs(panel.get(), run).back(), start + 5 + 98);

    panel->setXAxisMode(XAxisMode::RelativeTime);
    panel->replotNow();
    QCOMPARE(drawnXs(panel.get(), run).front(), 5.0);  // seconds since the run started
    QCOMPARE(drawnXs(panel.get(), run).back(), 103.0);
    QVERIFY(panel->hoverTextAt(7).first().contains(QLatin1Char('s')));

    // A series logged without epochs has nothing to show on an epoch axis, and says so.
    tw.log(run, QStringLiteral("val/other"), 5, [](int i) { return double(i); });
    auto other = openPanel(store, QStringLiteral("val/other"), {run});
    QTRY_VERIFY(store.isLoaded(run, QStringLiteral("val/other")));
    other->setXAxisMode(XAxisMode::Epoch);
    other->replotNow();
    QVERIFY(drawnXs(other.get(), run).empty());
  }

  void zoomPanAndReset() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("zoom");
    tw.log(run, QStringLiteral("train/loss"), 10000, noisy);
    MetricSeriesStore store(tw.dbPath());
    auto panel = openPanel(store, QStringLiteral("train/loss"), {run});
    QVERIFY(panel);
    QTRY_VERIFY(store.isLoaded(run, QStringLiteral("train/loss")));
    panel->replotNow();
    QVERIFY(panel->followsData());
    panel->setXRange(2000, 2100);
    panel->replotNow();
    QVERIFY(!panel->followsData());
    const auto xs = drawnXs(panel.get(), run);
    QCOMPARE(xs.size(), std::size_t(103));  // 101 visible points and one neighbour each side
    QCOMPARE(xs.front(), 1999.0);
    // The y axis fits what is visible.
    const auto ys = drawnYs(panel.get(), run);
    const double visible_max = *std::max_element(ys.begin() + 1, ys.end() - 1);
    QVERIFY(panel->yRange().second >= visible_max && panel->yRange().second < visible_max + 0.5);
    // The wheel zooms x around the cursor.
    const QPoint center = panel->plot()->axisRect()->center();
    QWheelEvent wheel(center, panel->plot()->mapToGlobal(center), QPoint(), QPoint(0, 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(panel->plot(), &wheel);
    QTRY_VERIFY(panel->xRange().second - panel->xRange().first < 100);
    // Double-click resets to the full extent.
    QTest::mouseDClick(panel->plot(), Qt::LeftButton, {}, center);
    panel->replotNow();
    QVERIFY(panel->followsData());
    QCOMPARE(panel->xRange(), std::make_pair(0.0, 9999.0));
    // Right-drag zooms to the box, x and y.
    const auto y_before = panel->yRange();
    const QPoint from = center - QPoint(100, 40), to = center + QPoint(100, 40);
    QTest::mousePress(panel->plot(), Qt::RightButton, {}, from);
    QTest::mouseMove(panel->plot(), center);
    QTest::mouseMove(panel->plot(), to);
    QTest::mouseRelease(panel->plot(), Qt::RightButton, {}, to);
    QTRY_VERIFY(panel->xRange().second - panel->xRange().first < 9999.0 / 2);
    QVERIFY(!panel->followsData());
    QVERIFY(panel->yRange().second - panel->yRange().first <
            (y_before.second - y_before.first) / 2);
    // A plain drag pans x.
    QTest::mouseDClick(panel->plot(), Qt::LeftButton, {}, center);
    panel->setXRange(2000, 3000);
    panel->replotNow();
    QTest::mousePress(panel->plot(), Qt::LeftButton, {}, center);
    QTest::mouseMove(panel->plot(), center + QPoint(50, 0));
    QTest::mouseMove(panel->plot(), center + QPoint(100, 0));
    QTest::mouseRelease(panel->plot(), Qt::LeftButton, {}, center + QPoint(100, 0));
    QTRY_VERIFY(panel->xRange().first < 2000);
    QVERIFY(std::abs((panel->xRange().second - panel->xRange().first) - 1000) < 1e-6);
    QVERIFY(drawnXs(panel.get(), run).front() <
            panel->xRange().first + 1);  // resampled for the new range
  }

  void hoverListsEveryRun() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString a = tw.newRun("alpha"), b = tw.newRun("beta");
    tw.log(a, QStringLiteral("val/loss"), 100, [](int i) { return 2.0 / (i + 1); });
    tw.log(b, QStringLiteral("val/loss"), 100, [](int i) { return 1.0 / (i + 1); });
    MetricSeriesStore store(tw.dbPath());
    auto panel = openPanel(store, QStringLiteral("val/loss"), {a, b});
    QVERIFY(panel);
    panel->setRunLabels({{a, QStringLiteral("alpha")}, {b, QStringLiteral("beta")}});
    QTRY_VERIFY(allLoaded(store, QStringLiteral("val/loss"), {a, b}));
    panel->replotNow();
    const QStringList lines = panel->hoverTextAt(9.2);
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[0], QStringLiteral("step 9"));
    // Lower is better for a loss: the best run first.
    QCOMPARE(lines[1], QStringLiteral("beta: 0.1"));
    QCOMPARE(lines[2], QStringLiteral("alpha: 0.2"));
  }

  void csvExportEqualsTheStoredPoints() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString a = tw.newRun("csv-a"), b = tw.newRun("csv-b");
    const QString key = QStringLiteral("val/loss");
    tw.log(
        a, key, 300, [](int i) { return noisy(i) / 3; }, [](int i) { return i / 7.0; },
        [](int i) { return 1.7e9 + i * 0.123; });
    tw.log(
        b, key, 200, [](int i) { return i == 50 ? kNaN : std::exp(-i * 0.01); },
        [](int) { return kNaN; }, [](int i) { return 1.7e9 + i * 0.777; }, 5);
    MetricSeriesStore store(tw.dbPath());
    auto panel = openPanel(store, key, {a, b});
    QVERIFY(panel);
    QTRY_VERIFY(allLoaded(store, key, {a, b}));
    QTemporaryDir out;
    const QString path = out.filePath(QStringLiteral("loss.csv"));
    QCOMPARE(panel->exportTo(path, MetricPlotWidget::ExportFormat::Csv), QString());
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.first(), QByteArray("run,step,value,epoch,wall_time"));
    std::size_t row = 1;
    for (const QString& run : {a, b}) {
      for (const MetricPoint& p : tw.stored(run, key)) {
        const QList<QByteArray> f = lines.at(static_cast<qsizetype>(row++)).split(',');
        QCOMPARE(f.size(), 5);
        QCOMPARE(QString::fromUtf8(f[0]), run);
        QCOMPARE(f[1].toLongLong(), p.step);
        // Written locale-free, so read with wb::parseDouble (strtod misreads "0.5" under de_DE).
        const auto value = wb::parseDouble(f[2].toStdString(), wb::NonFinite::Accept);
        QVERIFY(value && sameDouble(*value, p.value));
        QVERIFY(f[3].isEmpty() ? std::isnan(p.epoch)
                               : wb::parseDouble(f[3].toStdString()) == p.epoch);
        QCOMPARE(wb::parseDouble(f[4].toStdString()), std::optional<double>(p.wall_time));
      }
    }
    QCOMPARE(static_cast<qsizetype>(row), lines.size() - 1);  // then only the final newline
  }

  void imageExports() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString a = tw.newRun("png-a"), b = tw.newRun("png-b");
    tw.log(a, QStringLiteral("train/loss"), 500, noisy);
    tw.log(b, QStringLiteral("train/loss"), 500, [](int i) { return noisy(i) + 1; });
    MetricSeriesStore store(tw.dbPath());
    auto panel = openPanel(store, QStringLiteral("train/loss"), {a, b});
    QVERIFY(panel);
    // Colours as the app gives runs shown together: distinct slots, whatever the ids hash to
    // (two default colours may coincide, which made an exact check of both impossible).
    const QHash<QString, QColor> run_colors = RunColors().assign({a, b});
    QVERIFY(run_colors.value(a) != run_colors.value(b));
    panel->setRunColors(run_colors);
    QTRY_VERIFY(allLoaded(store, QStringLiteral("train/loss"), {a, b}));
    QTemporaryDir out;
    const QString png = out.filePath(QStringLiteral("chart.png"));
    QCOMPARE(panel->exportTo(png, MetricPlotWidget::ExportFormat::Png, 640, 360), QString());
    QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(640, 360));
    // Both runs' colours are in the picture (it used to accept either one: issue 11).
    QSet<QRgb> colors;
    for (int y = 0; y < image.height(); ++y)
      for (int x = 0; x < image.width(); ++x) colors.insert(image.pixel(x, y) & 0xffffff);
    QVERIFY(colors.contains(run_colors.value(a).rgb() & 0xffffff));
    QVERIFY(colors.contains(run_colors.value(b).rgb() & 0xffffff));
    QVERIFY(colors.size() > 20);

    const QString pdf = out.filePath(QStringLiteral("chart.pdf"));
    QCOMPARE(panel->exportTo(pdf, MetricPlotWidget::ExportFormat::Pdf), QString());
    QFile pdf_file(pdf);
    QVERIFY(pdf_file.open(QIODevice::ReadOnly));
    QVERIFY(pdf_file.read(4) == "%PDF");
    const QString svg = out.filePath(QStringLiteral("chart.svg"));
    QCOMPARE(panel->exportTo(svg, MetricPlotWidget::ExportFormat::Svg), QString());
    QFile svg_file(svg);
    QVERIFY(svg_file.open(QIODevice::ReadOnly));
    const QByteArray svg_text = svg_file.readAll();
    QVERIFY(svg_text.contains("<svg"));
    // Vector, not a picture inside an SVG: the series are polylines or paths.
    QVERIFY(svg_text.contains("<polyline") || svg_text.contains("<path"));
    QVERIFY(!svg_text.contains("data:image/png"));
    // Exporting leaves the on-screen view as it was.
    panel->replotNow();
    QVERIFY(drawnYs(panel.get(), a).size() == 500);
  }

  // Panels out of view neither load nor downsample until they scroll into view.
  void hiddenPanelsStayIdle() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("many");
    QStringList keys;
    for (int k = 0; k < 14; ++k) {
      const QString key = QStringLiteral("train/m%1").arg(k, 2, 10, QLatin1Char('0'));
      keys << key;
      tw.log(run, key, 200, noisy);
    }
    MetricSeriesStore store(tw.dbPath());
    RunColors colors;
    MetricPanelGrid grid(&store, &colors);
    grid.resize(900, 560);
    grid.setRuns({run});
    grid.show();
    QVERIFY(QTest::qWaitForWindowExposed(&grid));
    QTRY_COMPARE(grid.metricKeys(), keys);
    QTRY_VERIFY(!grid.activeKeys().isEmpty());
    QTRY_VERIFY(grid.panel(keys.first())->drawnPointCount() > 0);
    QTest::qWait(100);
    const QStringList active = grid.activeKeys();
    QVERIFY2(active.size() < keys.size() / 2, qPrintable(active.join(QLatin1Char(' '))));
    auto* last = grid.panel(keys.last());
    QVERIFY(!last->isActive());
    QCOMPARE(last->replotCount(), 0);
    QVERIFY(!store.isLoaded(run, keys.last()));  // not even read
    grid.scrollToPanel(keys.last());
    QTRY_VERIFY(last->isActive());
    QTRY_VERIFY(last->drawnPointCount() > 0);
    QTRY_VERIFY(!grid.panel(keys.first())->isActive());
  }

  void groupsPinsOrderAndSearch() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("groups");
    for (const char* key :
         {"train/loss", "train/accuracy", "val/loss", "sys/rss_mb", "lr", "test/f1", "eval/bleu"})
      tw.log(run, QString::fromLatin1(key), 5, noisy);
    MetricSeriesStore store(tw.dbPath());
    RunColors colors;
    auto grid = std::make_unique<MetricPanelGrid>(&store, &colors);
    grid->setSettingsGroup(QStringLiteral("charts/test"));
    grid->resize(900, 600);
    grid->setRuns({run});
    grid->show();
    QTRY_COMPARE(grid->metricKeys().size(), 7);
    QCOMPARE(grid->metricKeys(),
             (QStringList{QStringLiteral("train/accuracy"), QStringLiteral("train/loss"),
                          QStringLiteral("val/loss"), QStringLiteral("test/f1"),
                          QStringLiteral("eval/bleu"), QStringLiteral("sys/rss_mb"),
                          QStringLiteral("lr")}));
    QCOMPARE(MetricPanelGrid::sectionOf(QStringLiteral("lr")), QStringLiteral("other"));
    QVERIFY(grid->isSectionCollapsed(QStringLiteral("sys")));  // folded by default

    grid->setPinned(QStringLiteral("val/loss"), true);
    grid->movePanel(QStringLiteral("train/loss"), -1);
    const QStringList order = grid->metricKeys();
    QCOMPARE(order.mid(0, 3), (QStringList{QStringLiteral("val/loss"), QStringLiteral("train/loss"),
                                           QStringLiteral("train/accuracy")}));
    QVERIFY(grid->panel(QStringLiteral("val/loss"))->isPinned());
    grid->setFilterText(QStringLiteral("loss"));
    QCOMPARE(grid->shownKeys(),
             (QStringList{QStringLiteral("val/loss"), QStringLiteral("train/loss")}));
    grid->setFilterText(QStringLiteral("^(lr|sys/.*)$"));  // regex
    QCOMPARE(grid->shownKeys(), (QStringList{QStringLiteral("sys/rss_mb"), QStringLiteral("lr")}));
    grid->setFilterText(QString());
    grid->setSmoothing(0.6);
    grid->setXAxisMode(XAxisMode::WallTime);
    QVERIFY(grid->panel(QStringLiteral("lr"))->xAxisMode() == XAxisMode::WallTime);
    QCOMPARE(grid->panel(QStringLiteral("lr"))->smoothing(), 0.6);

    // Pins, order and controls come back in a new grid of the same group.
    grid.reset();
    MetricPanelGrid again(&store, &colors);
    again.setSettingsGroup(QStringLiteral("charts/test"));
    again.setRuns({run});
    again.show();
    QTRY_COMPARE(again.metricKeys(), order);
    QVERIFY(again.xAxisMode() == XAxisMode::WallTime);
    QCOMPARE(again.smoothing(), 0.6);
    QVERIFY(again.isPinned(QStringLiteral("val/loss")));
  }

  // The Runs section's pane: the selected run's charts, fed by the database while it logs.
  void runDetailShowsLiveCharts() {
    TestWorkspace tw;
    QVERIFY(tw.ok());
    const QString run = tw.newRun("detail");
    tw.log(run, QStringLiteral("train/loss"), 5, [](int i) { return 1.0 / (i + 1); });
    tw.log(run, QStringLiteral("val/accuracy"), 3, [](int i) { return 0.5 + i * 0.1; });
    auto db = tw.ws->connect();
    QVERIFY(db);
    auto snapshot = StoreWatcher::loadSnapshot(**db, nullptr);
    QVERIFY(snapshot && snapshot->rows.size() == 1);

    RunDetailWidget detail;
    detail.resize(900, 700);
    detail.setDatabasePath(tw.dbPath());
    detail.show();
    QSignalSpy loaded(&detail, &RunDetailWidget::chartLoaded);
    detail.setRun(snapshot->rows.front());
    QVERIFY(loaded.wait(10000));
    QCOMPARE(loaded.last().at(0).toString(), QStringLiteral("val/accuracy"));
    QCOMPARE(loaded.last().at(1).toInt(), 3);
    QCOMPARE(detail.chartPointCount(), 3);
    auto* grid = detail.chartGrid();
    QTRY_COMPARE(grid->metricKeys(),
                 (QStringList{QStringLiteral("train/loss"), QStringLiteral("val/accuracy")}));
    QTRY_VERIFY(grid->panel(QStringLiteral("val/accuracy"))->drawnPointCount() == 3);

    // The trainer logs: the chart grows without a new snapshot.
    tw.log(
        run, QStringLiteral("val/accuracy"), 2, [](int i) { return 0.8 + i * 0.05; },
        [](int) { return kNaN; }, [](int i) { return 1.7e9 + 10 + i; }, 3);
    QTRY_COMPARE_WITH_TIMEOUT(detail.chartPointCount(), 5, 5000);
    QTRY_COMPARE(grid->panel(QStringLiteral("val/accuracy"))->drawnPointCount(), 5);
    QCOMPARE(loaded.last().at(1).toInt(), 5);

    // Two runs overlay in every panel.
    const QString other = tw.newRun("detail-2");
    tw.log(other, QStringLiteral("val/accuracy"), 4, [](int i) { return 0.4 + i * 0.1; });
    auto snapshot2 = StoreWatcher::loadSnapshot(**db, nullptr);
    detail.setRuns(snapshot2->rows);
    QCOMPARE(grid->runs().size(), 2);
    QTRY_COMPARE(grid->panel(QStringLiteral("val/accuracy"))->drawnPointCount(), 9);
    detail.setRun(std::nullopt);
    QVERIFY(grid->runs().isEmpty());
  }

  // A real `wb train`: its JSON events go to appendEvent() while the database poll reads the
  // same points; the chart ends with exactly the stored series.
  void liveEventsOfWbTrainMatchTheDatabase() {
    QTemporaryDir dir;
    const QString ws = dir.filePath(QStringLiteral("ws"));
    runCli(ws, {QStringLiteral("init"), ws});
    runCli(ws, {QStringLiteral("data"), QStringLiteral("import"),
                sourceDir() + QStringLiteral("/resources/iris.csv"), QStringLiteral("--name"),
                QStringLiteral("iris"), QStringLiteral("--target"), QStringLiteral("species")});
    QFile config(ws + QStringLiteral("/configs/iris.yaml"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(
        "experiment: charts\n"
        "data:\n  dataset: iris@latest\n  transforms: [{name: standardize}]\n  batch_size: 8\n  "
        "workers: 0\n"
        "model:\n  type: mlp\n  hidden: [8]\n"
        "optim:\n  name: adam\n  lr: 0.01\n"
        "trainer:\n  epochs: 6\n  seed: 3\n  log_every_n_steps: 1\n");
    config.close();

    MetricSeriesStore store(ws + QStringLiteral("/.workbench/workbench.db"));
    store.setPollInterval(100);
    RunColors colors;
    MetricPanelGrid grid(&store, &colors);
    grid.resize(1000, 800);
    grid.show();
    QProcess train;
    QString run_id;
    int staged = 0;
    QByteArray pending;
    QObject::connect(&train, &QProcess::readyReadStandardOutput, &grid, [&] {
      pending += train.readAllStandardOutput();
      for (qsizetype nl; (nl = pending.indexOf('\n')) >= 0;) {
        const QByteArray line = pending.left(nl);
        pending.remove(0, nl + 1);
        const QJsonObject event = QJsonDocument::fromJson(line).object();
        if (run_id.isEmpty() && event.contains(QLatin1String("run_id"))) {
          run_id = event.value(QLatin1String("run_id")).toString();
          grid.setRuns({run_id});
        }
        staged += store.appendEvent(event);
      }
    });
    train.start(cliPath(), {QStringLiteral("--workspace"), ws, QStringLiteral("--json"),
                            QStringLiteral("train"), ws + QStringLiteral("/configs/iris.yaml")});
    QVERIFY(train.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(train.state() == QProcess::NotRunning, 120000);
    QCOMPARE(train.exitCode(), 0);
    QVERIFY(!run_id.isEmpty());
    QVERIFY(staged > 0);
    // Every key the run stored, read through the store, equals the database's series.
    auto workspace = wb::Workspace::open(ws.toStdString());
    QVERIFY(workspace);
    auto db = workspace->connect();
    auto keys = wb::store::MetricsReader(**db).keys(run_id.toStdString());
    QVERIFY(keys && !keys->empty());
    for (const auto& key : *keys) store.request(run_id, QString::fromStdString(key));
    store.pollNow();
    for (const auto& key : *keys) {
      const QString k = QString::fromStdString(key);
      const auto points = *wb::store::MetricsReader(**db).series(run_id.toStdString(), key);
      QTRY_VERIFY_WITH_TIMEOUT(
          store.isLoaded(run_id, k) && store.series(run_id, k)->db_points == points.size(), 10000);
      const auto* s = store.series(run_id, k);
      QCOMPARE(s->size(), points.size());
      for (std::size_t i = 0; i < points.size(); ++i) {
        QCOMPARE(s->steps[i], static_cast<double>(points[i].step));
        QVERIFY(sameDouble(s->values[i], points[i].value));
      }
    }
    QVERIFY(grid.metricKeys().contains(QStringLiteral("train/loss_step")));
  }
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
