#pragma once

#include <vector>

#include <QHash>
#include <QWidget>

#include "core/metrics/series_ops.h"
#include "ui/common/confusion_matrix_widget.h"
#include "ui/common/run_snapshot.h"
#include "ui/compare/compare_runs.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTableWidget;

namespace wb::ui {

class CompareChartsTab;
class CompareConfusionTab;
class CompareMetricsTable;
class CompareParallelSection;
class CompareParamsSection;
class CompareScatterSection;
class CompareSummaryBar;
class MetricPanelGrid;
class MetricSeriesStore;
class ParallelCoordsWidget;
class ParamsDiffModel;
class RunColors;
class ScatterPlotWidget;
class WorkspaceSession;

/// The Compare section: 2..N runs side by side.
///
/// A summary names the best run on the target metric and by how much; tabs hold the overview
/// (parallel coordinates with brushing, params diff, a param-vs-metric scatter), overlaid
/// charts of chosen metrics, a metrics table and the runs' confusion matrices. Params and
/// metric summaries come from the session's snapshots (built off the GUI thread); series load
/// on the series store's worker thread; confusion-matrix artifacts are read with
/// QtConcurrent. Everything follows the runs live while they train. Each part is its own
/// class (CompareSummaryBar, CompareParallelSection, CompareParamsSection,
/// CompareScatterSection, CompareChartsTab, CompareMetricsTable, CompareConfusionTab) over
/// the shared CompareRuns; this panel composes them and keeps the runs.
class ComparePanel : public QWidget {
  Q_OBJECT
 public:
  enum class Tab { Unknown = -1, Overview = 0, Charts, Metrics, ConfusionMatrices };

  /// store and colors are shared with other views when given (e.g. the Runs detail pane),
  /// else the panel makes its own on the session's database. Shared ones must outlive it.
  explicit ComparePanel(WorkspaceSession* session, MetricSeriesStore* store = nullptr,
                        RunColors* colors = nullptr, QWidget* parent = nullptr);
  ~ComparePanel() override;

  /// The runs to compare, in column order. Ids missing from the workspace are dropped once
  /// the session's snapshot has been seen.
  void setRuns(const QStringList& run_ids);
  /// Runs shown (found in the snapshot).
  QStringList runIds() const { return m_runs.ids(); }
  QString runLabel(const QString& run_id) const { return m_runs.label(run_id); }

  /// The metric runs are ranked by (summary, parallel coordinates' last axis, scatter's y).
  void setTargetMetric(const QString& key);
  QString targetMetric() const { return m_runs.targetMetric(); }
  /// Min or Max forces the goal; Unknown infers it from the metric's name (loss → min).
  void setGoalOverride(metrics::Goal goal);
  metrics::Goal goalOverride() const { return m_runs.goalOverride(); }
  metrics::Goal effectiveGoal() const { return m_runs.effectiveGoal(); }
  /// The best run on the target metric ("" when no run has a value), and the runner-up.
  QString bestRunId() const;
  QString runnerUpRunId() const;
  /// The summary line as plain text.
  QString summaryText() const;

  /// Params drawn as parallel-coordinates axes (the target metric is always the last axis).
  void setAxisParams(const QStringList& keys);
  QStringList axisParams() const;
  /// The scatter's x (a param) and y (a metric).
  void setScatterParam(const QString& key);
  QString scatterParam() const;
  void setScatterMetric(const QString& key);
  QString scatterMetric() const;
  /// Metrics the Charts tab shows (empty = every metric the runs logged).
  void setChartMetrics(const QStringList& keys);
  QStringList chartMetrics() const;

  /// Runs inside every parallel-coordinates brush (all runs without brushes).
  QStringList brushedRuns() const;

  void showTab(Tab tab);
  Tab currentTab() const;

  ParamsDiffModel* paramsModel() const;
  QTableView* paramsView() const;
  QCheckBox* onlyDifferencesBox() const;
  QLabel* paramsCountLabel() const;
  ParallelCoordsWidget* parallelCoords() const;
  ScatterPlotWidget* scatterPlot() const;
  MetricPanelGrid* chartGrid() const;
  QTableWidget* metricsTable() const;
  QComboBox* targetMetricCombo() const;
  QComboBox* goalCombo() const;
  /// Enabled while there is a best run; emits registerModelRequested(bestRunId()).
  QPushButton* registerBestButton() const { return m_register_best; }
  QPushButton* compareBrushedButton() const;
  QPushButton* selectBrushedButton() const;
  /// The confusion matrix of a run (nullptr when the run is not compared).
  ConfusionMatrixWidget* confusionMatrix(const QString& run_id) const;
  QList<ConfusionMatrixWidget*> confusionMatrices() const;
  /// True while confusion-matrix artifacts are being read.
  bool isLoadingArtifacts() const;

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

 Q_SIGNALS:
  void runsChanged(const QStringList& run_ids);
  /// The parallel-coordinates brushes now hold these runs (all runs when none is set).
  void runsBrushed(const QStringList& run_ids);
  /// "Select in Runs": make these the Runs table's selection.
  void selectInRunsRequested(const QStringList& run_ids);
  /// Confusion matrices (or their absence) are known for every compared run.
  void artifactsLoaded();
  void statusMessage(const QString& text, int timeout_ms);
  /// "Register Best Run…": register the best run on the target metric as a model version.
  void registerModelRequested(const QString& run_id);

 private:
  QWidget* buildEmptyState();
  QWidget* buildContent();
  QTabWidget* buildTabs(QWidget* parent);
  void connectParts();
  void onSnapshot(const RunSnapshotPtr& snapshot);
  /// The requested runs found in the snapshot, in the requested order.
  std::vector<RunRow> requestedRows();
  void rebuildRuns();
  void refreshAll();
  void refreshSections();  // every tab's views from m_runs
  /// What depends on the target metric and goal.
  void refreshRanking();
  void refreshChips();
  QString runSignature(const RunRow& row) const;
  void updateRegisterBest();

  WorkspaceSession* m_session;
  MetricSeriesStore* m_store = nullptr;
  RunColors* m_colors = nullptr;
  RunSnapshotPtr m_snapshot;
  QStringList m_requested;               // what setRuns asked for
  CompareRuns m_runs;                    // the compared runs, in order (copies from the snapshot)
  QHash<QString, QString> m_signatures;  // per run: changes when its status or metrics do

  // Widgets.
  QStackedWidget* m_stack = nullptr;
  QWidget* m_empty = nullptr;
  QWidget* m_content = nullptr;
  QLabel* m_title = nullptr;
  QLabel* m_chips = nullptr;
  QPushButton* m_register_best = nullptr;
  CompareSummaryBar* m_summary = nullptr;
  QTabWidget* m_tabs = nullptr;
  QSplitter* m_overview_split = nullptr;
  QSplitter* m_bottom_split = nullptr;
  CompareParallelSection* m_parallel = nullptr;
  CompareParamsSection* m_params = nullptr;
  CompareScatterSection* m_scatter = nullptr;
  CompareChartsTab* m_charts = nullptr;
  CompareMetricsTable* m_metrics_table = nullptr;
  CompareConfusionTab* m_confusion = nullptr;
};

}  // namespace wb::ui
