// GUI tests for the Compare section, on a real workspace written through core (runs, params,
// metric series, and confusion-matrix artifacts in the trainer's format). Headless
// (QT_QPA_PLATFORM=offscreen).
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

#include "core/metrics/confusion_artifact.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/train/classification_metrics.h"
#include "core/workspace/workspace.h"
#include "ui/charts/metric_panel_grid.h"
#include "ui/common/confusion_matrix_widget.h"
#include "ui/compare/compare_panel.h"
#include "ui/compare/parallel_coords_widget.h"
#include "ui/compare/params_diff_model.h"
#include "ui/compare/scatter_plot_widget.h"
#include "ui/runs/run_filter_proxy.h"
#include "ui/runs/run_table_model.h"
#include "ui/runs/runs_panel.h"
#include "ui/shell/main_window.h"

using namespace wb;
using namespace wb::ui;

namespace {

struct FixtureRun {
  const char* name;
  store::ParamMap params;
  std::vector<double> accuracy;  // val/accuracy per epoch
  std::vector<double> loss;      // val/loss per epoch
  const char* matrix_artifact;   // nullptr: the run has no confusion matrix
  int mistakes;                  // misclassified samples per class in its matrix
};

// Four runs. Params that differ: model.hidden, optim.lr, optim.name. Equal: data.batch_size,
// data.name, trainer.seed, and optim.weight_decay (written "0.0001" and "1e-4": equal as numbers).
// Best val/accuracy (max): b 0.96, d 0.93, a 0.90, c 0.80; lowest accuracy (min): c 0.30.
// Best val/loss (min): b 0.12.
std::vector<FixtureRun> fixtureRuns() {
  auto params = [](const char* lr, const char* hidden, const char* optim, const char* wd) {
    return store::ParamMap{{"data.batch_size", "16"}, {"data.name", "iris@1"},
                           {"model.hidden", hidden},  {"optim.lr", lr},
                           {"optim.name", optim},     {"optim.weight_decay", wd},
                           {"trainer.seed", "7"}};
  };
  return {
      {"adam-lr0.1",
       params("0.1", "16", "adam", "0.0001"),
       {0.5, 0.7, 0.85, 0.90, 0.88},
       {0.9, 0.6, 0.4, 0.30, 0.35},
       "confusion_matrix_test.json",
       1},
      {"adam-lr0.01",
       params("0.01", "16", "adam", "0.0001"),
       {0.6, 0.8, 0.93, 0.96, 0.95},
       {0.8, 0.4, 0.2, 0.12, 0.13},
       "confusion_matrix_test.json",
       0},
      {"adam-lr0.001",
       params("0.001", "32", "adam", "0.0001"),
       {0.3, 0.5, 0.7, 0.78, 0.80},
       {1.1, 0.9, 0.7, 0.55, 0.50},
       nullptr,
       0},
      {"sgd-lr0.05",
       params("0.05", "16", "sgd", "1e-4"),
       {0.55, 0.75, 0.9, 0.93, 0.92},
       {0.85, 0.5, 0.3, 0.2, 0.21},
       "confusion_matrix_val.json",
       2},
  };
}

QSet<QString> toSet(const QStringList& list) { return QSet<QString>(list.begin(), list.end()); }

const QStringList kClasses = {QStringLiteral("setosa"), QStringLiteral("versicolor"),
                              QStringLiteral("virginica")};

// The artifact exactly as the trainer writes it: ClassificationMetrics::confusionJson.
std::string confusionJson(int mistakes) {
  train::ClassificationMetrics m(3, 1);
  for (int t = 0; t < 3; ++t) {
    for (int i = 0; i < 10; ++i) {
      const int predicted = i < mistakes ? (t + 1) % 3 : t;
      m.add(t, &predicted, 1);
    }
  }
  std::vector<std::string> labels;
  for (const auto& c : kClasses) labels.push_back(c.toStdString());
  return m.confusionJson(labels);
}

}  // namespace

class TestCompareGui : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_settings_dir;
  QTemporaryDir m_dir;
  QString m_ws;
  QStringList m_ids;  // in fixtureRuns() order: a, b, c, d

  QString id(int i) const { return m_ids.at(i); }

  std::unique_ptr<MainWindow> openWindow() {
    auto w = std::make_unique<MainWindow>();
    w->resize(1440, 920);
    w->show();
    QSignalSpy ready(w.get(), &MainWindow::workspaceReady);
    w->openWorkspace(m_ws);
    if (!ready.wait(20000)) return nullptr;
    return w;
  }

  // Selects these runs in the Runs table and presses Compare, as a user would.
  bool compareInWindow(MainWindow* w, const QStringList& ids) {
    auto* runs = w->runsPanel();
    runs->view()->selectionModel()->clearSelection();
    for (const auto& rid : ids) runs->selectRun(rid);
    if (!w->compareAction()->isEnabled()) return false;
    w->compareAction()->trigger();
    return QTest::qWaitFor([&] { return w->comparePanel()->runIds().size() == ids.size(); }, 10000);
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_settings_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_compare_gui"));

    QVERIFY(m_dir.isValid());
    m_ws = m_dir.filePath(QStringLiteral("ws"));
    auto ws = Workspace::create(m_ws.toStdString(), "compare-test");
    QVERIFY2(ws, ws ? "" : ws.error().text().c_str());
    auto db = ws->connect();
    QVERIFY(db);
    store::RunRepository repo(**db);
    objects::ObjectStore objects(ws->objectsDir());
    auto writer = store::MetricsWriter::open(ws->dbPath());
    QVERIFY(writer);
    for (const auto& f : fixtureRuns()) {
      store::NewRun nr;
      nr.experiment = "compare";
      nr.name = f.name;
      nr.status = store::RunStatus::Finished;
      nr.params = f.params;
      auto run = repo.create(nr);
      QVERIFY2(run, run ? "" : run.error().text().c_str());
      m_ids << QString::fromStdString(run->id);
      for (std::size_t e = 0; e < f.accuracy.size(); ++e) {
        const auto step = static_cast<std::int64_t>(10 * (e + 1));
        (*writer)->log(run->id, "val/accuracy", step, f.accuracy[e], static_cast<double>(e + 1));
        (*writer)->log(run->id, "val/loss", step, f.loss[e], static_cast<double>(e + 1));
      }
      if (f.matrix_artifact) {
        const std::string json = confusionJson(f.mistakes);
        auto object = objects.put(json);
        QVERIFY(object);
        QVERIFY(repo.addArtifact(
            {run->id, f.matrix_artifact, *object, static_cast<std::int64_t>(json.size()), 0}));
      }
    }
    QVERIFY((*writer)->close());
  }

  void init() { QSettings().clear(); }

  // The trainer's artifact as core parses it (metrics::parseConfusionArtifact) and the panel
  // shows it (ConfusionMatrix::fromArtifact).
  void confusionMatrixParsesTrainerJson() {
    const auto parsed = metrics::parseConfusionArtifact(confusionJson(2));
    QVERIFY2(parsed, parsed ? "" : parsed.error().text().c_str());
    const ConfusionMatrix m = ConfusionMatrix::fromArtifact(*parsed);
    QCOMPARE(m.classes, 3);
    QCOMPARE(m.labels, kClasses);
    QCOMPARE(m.total, 30);
    QCOMPARE(m.at(0, 0), 8);
    QCOMPARE(m.at(0, 1), 2);
    QCOMPARE(m.rowTotal(1), 10);
    QCOMPARE(m.recall[0], 0.8);
    QCOMPARE(m.precision[1], 8.0 / 10.0);
    QVERIFY(qFuzzyCompare(m.accuracy, 0.8));
    // Malformed artifacts are errors, not crashes.
    const auto ragged = metrics::parseConfusionArtifact("{\"matrix\": [[1, 2], [3]]}");
    QVERIFY(!ragged);
    QVERIFY(!ragged.error().text().empty());
    QVERIFY(!metrics::parseConfusionArtifact("not json"));
  }

  void selectingRunsAndCompareFillsPanel() {
    auto w = openWindow();
    QVERIFY(w);
    // Compare comes right after Runs.
    QCOMPARE(w->sectionNames(),
             (QStringList{QStringLiteral("Runs"), QStringLiteral("Compare"),
                          QStringLiteral("Experiments"), QStringLiteral("Datasets"),
                          QStringLiteral("Registry")}));
    auto* runs = w->runsPanel();
    QTRY_COMPARE_WITH_TIMEOUT(runs->model()->rowCount(), 4, 10000);
    auto* panel = w->comparePanel();
    QVERIFY(panel->runIds().isEmpty());

    // One run is nothing to compare.
    runs->view()->selectionModel()->clearSelection();
    runs->selectRun(id(0));
    QVERIFY(!w->compareAction()->isEnabled());

    const QStringList chosen = {id(0), id(1), id(3)};
    QVERIFY(compareInWindow(w.get(), chosen));
    auto* sections = w->findChild<QStackedWidget*>();
    QVERIFY(sections);
    QTRY_VERIFY(panel->isVisible());
    QCOMPARE(toSet(panel->runIds()), toSet(chosen));
    QCOMPARE(panel->runIds(), runs->selectedRunIds());  // columns in the table's order
    // Every view got the same runs.
    QCOMPARE(panel->paramsModel()->runCount(), 3);
    QCOMPARE(toSet(panel->parallelCoords()->runIds()), toSet(chosen));
    QCOMPARE(panel->chartGrid()->runs(), panel->runIds());
    QCOMPARE(panel->metricsTable()->columnCount(), 2 + 3);
    QCOMPARE(panel->targetMetric(), QStringLiteral("val/accuracy"));
    QTRY_VERIFY_WITH_TIMEOUT(panel->chartGrid()->metricKeys().contains(QStringLiteral("val/loss")),
                             10000);
    // The metric picker narrows the overlaid charts to the chosen metrics.
    panel->setChartMetrics({QStringLiteral("val/loss")});
    QCOMPARE(panel->chartGrid()->shownKeys(), QStringList{QStringLiteral("val/loss")});
    panel->setChartMetrics({});
    QCOMPARE(panel->chartGrid()->shownKeys().size(), 2);
    // The metrics table puts the ranking metric first and stars its best run.
    auto* table = panel->metricsTable();
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("val/accuracy"));
    const int col_b = static_cast<int>(panel->runIds().indexOf(id(1))) + 2;
    QVERIFY(table->item(0, col_b)->text().startsWith(QStringLiteral("★")));
    const int col_a = static_cast<int>(panel->runIds().indexOf(id(0))) + 2;
    QCOMPARE(table->item(0, col_a)->text(), QStringLiteral("0.9"));
  }

  void paramsDiffMarksExactlyTheDifferingKeys() {
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE_WITH_TIMEOUT(w->runsPanel()->model()->rowCount(), 4, 10000);
    QVERIFY(compareInWindow(w.get(), m_ids));
    auto* panel = w->comparePanel();
    auto* model = panel->paramsModel();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);

    const QStringList differing = {QStringLiteral("model.hidden"), QStringLiteral("optim.lr"),
                                   QStringLiteral("optim.name")};
    QCOMPARE(model->differingKeys(), differing);
    QCOMPARE(model->differingCount(), 3);
    QCOMPARE(model->equalCount(), 4);  // "0.0001" and "1e-4" are the same weight decay
    // "Show only differences" is on by default and hides the equal ones.
    QVERIFY(panel->onlyDifferencesBox()->isChecked());
    QCOMPARE(model->shownKeys(), differing);
    QCOMPARE(model->rowCount(), 3);
    QVERIFY(panel->paramsCountLabel()->text().contains(QStringLiteral("4 equal")));
    for (int r = 0; r < model->rowCount(); ++r) {
      QVERIFY(model->index(r, 0).data(ParamsDiffModel::DiffersRole).toBool());
      QVERIFY(model->index(r, 1).data(Qt::BackgroundRole).isValid());  // highlighted
    }
    // Run columns carry the run's colour in the header.
    QVERIFY(model->headerData(1, Qt::Horizontal, Qt::DecorationRole).isValid());
    QCOMPARE(model->headerData(1, Qt::Horizontal, ParamsDiffModel::RunIdRole).toString(),
             panel->runIds().first());

    panel->onlyDifferencesBox()->setChecked(false);
    QCOMPARE(model->rowCount(), 7);
    for (const auto& key : {"data.batch_size", "data.name", "optim.weight_decay", "trainer.seed"}) {
      const int r = model->rowOfKey(QString::fromLatin1(key));
      QVERIFY2(r >= 0, key);
      QVERIFY2(!model->index(r, 0).data(ParamsDiffModel::DiffersRole).toBool(), key);
      QVERIFY2(!model->index(r, 1).data(Qt::BackgroundRole).isValid(), key);
    }
    // A run's value of optim.lr, in the run's own column.
    const int lr_row = model->rowOfKey(QStringLiteral("optim.lr"));
    const int col_b = static_cast<int>(panel->runIds().indexOf(id(1))) + 1;
    QCOMPARE(model->index(lr_row, col_b).data().toString(), QStringLiteral("0.01"));
    panel->onlyDifferencesBox()->setChecked(true);
    QCOMPARE(model->rowCount(), 3);
  }

  void parallelCoordsBrushOnMetricAxisSelectsRunsInRange() {
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE_WITH_TIMEOUT(w->runsPanel()->model()->rowCount(), 4, 10000);
    QVERIFY(compareInWindow(w.get(), m_ids));
    auto* panel = w->comparePanel();
    panel->showTab(ComparePanel::Tab::Overview);
    auto* pc = panel->parallelCoords();
    QTRY_VERIFY(pc->isVisible() && pc->height() > 150);
    QAbstractItemModelTester tester(panel->paramsModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);

    // Axes: the differing params, then the target metric.
    QCOMPARE(pc->axisCount(), 4);
    const int metric_axis = pc->axisIndex(QStringLiteral("val/accuracy"));
    QCOMPARE(metric_axis, 3);
    QCOMPARE(pc->axisScale(pc->axisIndex(QStringLiteral("optim.lr"))),
             ParallelCoordsWidget::AxisScale::Log);
    QCOMPARE(pc->axisScale(pc->axisIndex(QStringLiteral("optim.name"))),
             ParallelCoordsWidget::AxisScale::Categorical);
    QCOMPARE(pc->axisScale(pc->axisIndex(QStringLiteral("model.hidden"))),
             ParallelCoordsWidget::AxisScale::Linear);
    QCOMPARE(pc->axisScale(metric_axis), ParallelCoordsWidget::AxisScale::Linear);

    // Drag along the metric axis from 0.95 down to 0.85: a (0.90) and d (0.93) are inside,
    // b (0.96) and c (0.80) are not.
    QSignalSpy brushed(panel, &ComparePanel::runsBrushed);
    const int x = qRound(pc->axisX(metric_axis));
    const QPoint from(x, qRound(pc->yForValue(metric_axis, 0.95)));
    const QPoint to(x, qRound(pc->yForValue(metric_axis, 0.85)));
    QVERIFY(from.y() < to.y());
    QTest::mousePress(pc, Qt::LeftButton, {}, from);
    QTest::mouseMove(pc, (from + to) / 2);
    QTest::mouseMove(pc, to);
    QTest::mouseRelease(pc, Qt::LeftButton, {}, to);
    QVERIFY(pc->hasBrushes());
    const auto range = pc->brushRange(QStringLiteral("val/accuracy"));
    QVERIFY(range);
    QVERIFY(range->first > 0.80 && range->first < 0.90);
    QVERIFY(range->second > 0.93 && range->second < 0.96);
    const QStringList inside = pc->brushedRuns();
    QCOMPARE(toSet(inside), (QSet<QString>{id(0), id(3)}));
    QVERIFY(!brushed.isEmpty());
    QCOMPARE(brushed.last().first().toStringList(), inside);
    QCOMPARE(panel->brushedRuns(), inside);
    QVERIFY(panel->selectBrushedButton()->isEnabled());

    // Runs outside the brush fade in the params diff too.
    auto* model = panel->paramsModel();
    const int col_b = static_cast<int>(panel->runIds().indexOf(id(1))) + 1;
    const int col_a = static_cast<int>(panel->runIds().indexOf(id(0))) + 1;
    QVERIFY(model->index(0, col_b).data(Qt::ForegroundRole).isValid());
    QVERIFY(!model->index(0, col_a).data(Qt::ForegroundRole).isValid());

    // A second brush, on the categorical optim.name axis around "adam", leaves only a.
    const int name_axis = pc->axisIndex(QStringLiteral("optim.name"));
    const int nx = qRound(pc->axisX(name_axis));
    const int adam_y = qRound(pc->yForCategory(name_axis, QStringLiteral("adam")));
    QTest::mousePress(pc, Qt::LeftButton, {}, QPoint(nx, adam_y - 12));
    QTest::mouseMove(pc, QPoint(nx, adam_y));
    QTest::mouseMove(pc, QPoint(nx, adam_y + 12));
    QTest::mouseRelease(pc, Qt::LeftButton, {}, QPoint(nx, adam_y + 12));
    QCOMPARE(pc->brushedRuns(), QStringList{id(0)});

    // The brushed set becomes the Runs table's selection.
    QTest::mouseClick(panel->selectBrushedButton(), Qt::LeftButton);
    QCOMPARE(w->runsPanel()->selectedRunIds(), QStringList{id(0)});

    // A click on an axis (no drag) clears its brush; double-click clears them all.
    QTest::mouseClick(pc, Qt::LeftButton, {}, QPoint(nx, adam_y));
    QCOMPARE(toSet(pc->brushedRuns()), (QSet<QString>{id(0), id(3)}));
    QTest::mouseDClick(pc, Qt::LeftButton, {}, QPoint(pc->width() / 2, pc->height() / 2));
    QVERIFY(!pc->hasBrushes());
    QCOMPARE(pc->brushedRuns().size(), 4);
  }

  void compareTheseNarrowsTheComparison() {
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE_WITH_TIMEOUT(w->runsPanel()->model()->rowCount(), 4, 10000);
    QVERIFY(compareInWindow(w.get(), m_ids));
    auto* panel = w->comparePanel();
    panel->parallelCoords()->setBrush(QStringLiteral("val/accuracy"), 0.91, 1.0);
    QCOMPARE(toSet(panel->brushedRuns()), (QSet<QString>{id(1), id(3)}));
    QTest::mouseClick(panel->compareBrushedButton(), Qt::LeftButton);
    QCOMPARE(toSet(panel->runIds()), (QSet<QString>{id(1), id(3)}));
    QVERIFY(!panel->parallelCoords()->hasBrushes());
  }

  void summaryNamesTheBestRun() {
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE_WITH_TIMEOUT(w->runsPanel()->model()->rowCount(), 4, 10000);
    QVERIFY(compareInWindow(w.get(), m_ids));
    auto* panel = w->comparePanel();
    // val/accuracy, goal inferred max: b (0.96) over d (0.93).
    QCOMPARE(panel->targetMetric(), QStringLiteral("val/accuracy"));
    QVERIFY(panel->effectiveGoal() == metrics::Goal::Max);
    QCOMPARE(panel->bestRunId(), id(1));
    QCOMPARE(panel->runnerUpRunId(), id(3));
    QVERIFY2(panel->summaryText().contains(QStringLiteral("adam-lr0.01 (0.96)")),
             qPrintable(panel->summaryText()));
    QVERIFY2(panel->summaryText().contains(QStringLiteral("+0.03 over sgd-lr0.05 (0.93)")),
             qPrintable(panel->summaryText()));
    QVERIFY(panel->summaryText().contains(QStringLiteral("+3.2%")));

    // The goal toggle: lowest accuracy wins with "lower is better".
    panel->setGoalOverride(metrics::Goal::Min);
    QCOMPARE(panel->bestRunId(), id(2));
    panel->setGoalOverride(metrics::Goal::Unknown);
    QCOMPARE(panel->bestRunId(), id(1));

    // A loss: the goal is inferred as min; b has the lowest (0.12), d the runner-up (0.20).
    const int loss_index = panel->targetMetricCombo()->findData(QStringLiteral("val/loss"));
    QVERIFY(loss_index >= 0);
    panel->targetMetricCombo()->setCurrentIndex(loss_index);
    Q_EMIT panel->targetMetricCombo()->activated(loss_index);
    QCOMPARE(panel->targetMetric(), QStringLiteral("val/loss"));
    QVERIFY(panel->effectiveGoal() == metrics::Goal::Min);
    QCOMPARE(panel->bestRunId(), id(1));
    QCOMPARE(panel->runnerUpRunId(), id(3));
    QVERIFY2(
        panel->summaryText().contains(QStringLiteral("0.08 lower than sgd-lr0.05 (0.2), 40.0%")),
        qPrintable(panel->summaryText()));
    // The parallel coordinates' last axis follows the target.
    QCOMPARE(panel->parallelCoords()->axisKey(panel->parallelCoords()->axisCount() - 1),
             QStringLiteral("val/loss"));
  }

  void scatterPlotsParamAgainstMetric() {
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE_WITH_TIMEOUT(w->runsPanel()->model()->rowCount(), 4, 10000);
    QVERIFY(compareInWindow(w.get(), m_ids));
    auto* panel = w->comparePanel();
    auto* scatter = panel->scatterPlot();
    // Learning rates 0.1 … 0.001 span two decades: log x.
    QCOMPARE(panel->scatterParam(), QString());  // automatic
    QCOMPARE(scatter->xScale(), ScatterPlotWidget::XScale::Log);
    QCOMPARE(scatter->plottedRuns().size(), 4);
    QCOMPARE(*scatter->plotCoords(id(1)), QPointF(0.01, 0.96));
    const auto px = scatter->pixelOf(id(1));
    QVERIFY(px);
    QVERIFY(scatter->toolTipAt(*px).contains(QStringLiteral("adam-lr0.01")));
    // A text param shows categories.
    panel->setScatterParam(QStringLiteral("optim.name"));
    QCOMPARE(scatter->xScale(), ScatterPlotWidget::XScale::Categorical);
    QCOMPARE(scatter->categories(), (QStringList{QStringLiteral("adam"), QStringLiteral("sgd")}));
  }

  void confusionMatricesRenderForRunsThatHaveOne() {
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE_WITH_TIMEOUT(w->runsPanel()->model()->rowCount(), 4, 10000);
    QVERIFY(compareInWindow(w.get(), m_ids));
    auto* panel = w->comparePanel();
    panel->showTab(ComparePanel::Tab::ConfusionMatrices);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isLoadingArtifacts(), 10000);
    QTRY_VERIFY(panel->confusionMatrix(id(0)) && panel->confusionMatrix(id(0))->hasMatrix());
    QCOMPARE(panel->confusionMatrices().size(), 4);

    auto* a = panel->confusionMatrix(id(0));
    QCOMPARE(a->matrix()->classes, 3);
    QCOMPARE(a->matrix()->labels, kClasses);
    QCOMPARE(a->matrix()->at(0, 0), 9);
    QCOMPARE(a->matrix()->split, QStringLiteral("test"));
    QVERIFY(panel->confusionMatrix(id(1))->hasMatrix());
    QCOMPARE(panel->confusionMatrix(id(1))->matrix()->accuracy, 1.0);
    // d's matrix comes from the validation split.
    QVERIFY(panel->confusionMatrix(id(3))->hasMatrix());
    QCOMPARE(panel->confusionMatrix(id(3))->matrix()->split, QStringLiteral("val"));
    QCOMPARE(panel->confusionMatrix(id(3))->matrix()->recall[2], 0.8);
    // c has none and says so.
    auto* c = panel->confusionMatrix(id(2));
    QVERIFY(!c->hasMatrix());
    QVERIFY(c->message().contains(QStringLiteral("No confusion matrix")));

    // Rendered: the diagonal is dark (most of each row), an empty off-diagonal cell is light.
    QTRY_VERIFY(a->isVisible());
    const QImage img = a->grab().toImage();
    QVERIFY(!img.isNull());
    const qreal dpr = img.devicePixelRatio();
    auto pixel = [&](const QRect& cell) {
      return img.pixelColor(
          QPoint(qRound((cell.left() + 3) * dpr), qRound((cell.top() + 3) * dpr)));
    };
    const QColor diagonal = pixel(a->cellRect(0, 0));
    const QColor empty = pixel(a->cellRect(0, 2));
    QVERIFY2(diagonal.lightness() < 90, qPrintable(diagonal.name()));
    QVERIFY2(empty.lightness() > 230, qPrintable(empty.name()));
    QVERIFY(diagonal.blue() > diagonal.red());
    QVERIFY(a->toolTipAt(a->cellRect(0, 1).center()).contains(QStringLiteral("versicolor")));
  }

  void followsRunsWhileTheyTrain() {
    // Its own workspace: a run still training next to a finished one.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("live"));
    auto ws = Workspace::create(path.toStdString(), "live");
    QVERIFY(ws);
    auto db = ws->connect();
    QVERIFY(db);
    store::RunRepository repo(**db);
    store::NewRun done_spec;
    done_spec.name = "done";
    done_spec.status = store::RunStatus::Finished;
    done_spec.params = {{"optim.lr", "0.1"}};
    store::NewRun live_spec;
    live_spec.name = "live";
    live_spec.status = store::RunStatus::Running;
    live_spec.pid = QCoreApplication::applicationPid();  // alive: not reaped as killed
    live_spec.params = {{"optim.lr", "0.01"}};
    auto done = repo.create(done_spec), live = repo.create(live_spec);
    QVERIFY(done && live);
    const QString done_id = QString::fromStdString(done->id),
                  live_id = QString::fromStdString(live->id);
    {
      auto writer = store::MetricsWriter::open(ws->dbPath());
      QVERIFY(writer);
      (*writer)->log(done->id, "val/accuracy", 1, 0.9);
      (*writer)->log(live->id, "val/accuracy", 1, 0.5);
      QVERIFY((*writer)->close());
    }

    QSettings().setValue(QStringLiteral("comparePanel/runs"), QStringList{done_id, live_id});
    const QString saved_ws = m_ws;
    m_ws = path;
    auto w = openWindow();
    m_ws = saved_ws;
    QVERIFY(w);
    auto* panel = w->comparePanel();
    QTRY_COMPARE_WITH_TIMEOUT(panel->runIds().size(), 2, 10000);
    QCOMPARE(panel->bestRunId(), done_id);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isLoadingArtifacts(), 10000);
    QVERIFY(!panel->confusionMatrix(live_id)->hasMatrix());
    QVERIFY(panel->confusionMatrix(live_id)->message().contains(
        QStringLiteral("when the run finishes")));

    // The live run overtakes: the summary follows without any action.
    {
      auto writer = store::MetricsWriter::open(ws->dbPath());
      QVERIFY(writer);
      (*writer)->log(live->id, "val/accuracy", 2, 0.97);
      QVERIFY((*writer)->close());
    }
    QTRY_COMPARE_WITH_TIMEOUT(panel->bestRunId(), live_id, 10000);
    QCOMPARE(panel->runnerUpRunId(), done_id);

    // It finishes with a confusion matrix: the panel reads it.
    objects::ObjectStore objects(ws->objectsDir());
    const std::string json = confusionJson(1);
    auto object = objects.put(json);
    QVERIFY(object);
    QVERIFY(repo.addArtifact({live->id, "confusion_matrix_test.json", *object,
                              static_cast<std::int64_t>(json.size()), 0}));
    QVERIFY(repo.setStatus(live->id, store::RunStatus::Finished));
    QTRY_VERIFY_WITH_TIMEOUT(panel->confusionMatrix(live_id)->hasMatrix(), 10000);
    QCOMPARE(panel->confusionMatrix(live_id)->matrix()->at(0, 0), 9);
  }

  void compareRunsRestoredFromSettings() {
    QSettings().setValue(QStringLiteral("comparePanel/runs"),
                         QStringList{id(2), id(0), QStringLiteral("gone")});
    auto w = openWindow();
    QVERIFY(w);
    // Runs that no longer exist are dropped; the order is kept.
    QTRY_COMPARE_WITH_TIMEOUT(w->comparePanel()->runIds(), (QStringList{id(2), id(0)}), 10000);
    w->close();
    QCOMPARE(QSettings().value(QStringLiteral("comparePanel/runs")).toStringList(),
             (QStringList{id(2), id(0)}));
  }

  // Not a check: writes docs/images/runs-charts.png and compare.png when WB_SCREENSHOT_DIR and
  // WB_SCREENSHOT_WORKSPACE (a demo workspace after `wb sweep iris-sweep`) are set.
  void screenshots() {
    const QString out = qEnvironmentVariable("WB_SCREENSHOT_DIR");
    const QString ws = qEnvironmentVariable("WB_SCREENSHOT_WORKSPACE");
    if (out.isEmpty() || ws.isEmpty())
      QSKIP("WB_SCREENSHOT_DIR and WB_SCREENSHOT_WORKSPACE not set");
    MainWindow w;
    w.resize(1500, 940);
    w.show();
    QSignalSpy ready(&w, &MainWindow::workspaceReady);
    w.openWorkspace(ws);
    QVERIFY(ready.wait(20000));
    RunsPanel* runs = w.runsPanel();
    QTRY_VERIFY_WITH_TIMEOUT(runs->proxy()->rowCount() > 6, 10000);
    QStringList sweep_children;
    for (int r = 0; r < runs->proxy()->rowCount(); ++r) {
      const QString name = runs->proxy()->index(r, 0).data().toString();
      if (name.startsWith(QStringLiteral("sweep-iris-sweep-")))
        sweep_children << runs->proxy()->index(r, 0).data(RunTableModel::RunIdRole).toString();
    }
    QVERIFY(sweep_children.size() >= 2);
    runs->view()->selectionModel()->clearSelection();
    for (const auto& id : sweep_children) runs->selectRun(id);
    QTest::qWait(2500);
    QVERIFY(w.grab().save(out + QStringLiteral("/runs-charts.png")));
    w.compareAction()->trigger();
    QTest::qWait(2500);
    QVERIFY(w.grab().save(out + QStringLiteral("/compare.png")));
  }
};

QTEST_MAIN(TestCompareGui)
#include "tst_compare_gui.moc"
