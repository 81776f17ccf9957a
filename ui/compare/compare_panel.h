#pragma once

#include <map>
#include <optional>
#include <vector>

#include <QHash>
#include <QSet>
#include <QWidget>

#include "core/metrics/series_ops.h"
#include "ui/common/confusion_matrix_widget.h"
#include "ui/common/run_snapshot.h"

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QPushButton;
class QScrollArea;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTableWidget;

namespace wb::ui {

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
/// QtConcurrent. Everything follows the runs live while they train.
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
  QStringList runIds() const;
  QString runLabel(const QString& run_id) const;

  /// The metric runs are ranked by (summary, parallel coordinates' last axis, scatter's y).
  void setTargetMetric(const QString& key);
  QString targetMetric() const;
  /// Min or Max forces the goal; Unknown infers it from the metric's name (loss → min).
  void setGoalOverride(metrics::Goal goal);
  metrics::Goal goalOverride() const { return m_goal_override; }
  metrics::Goal effectiveGoal() const;
  /// The best run on the target metric ("" when no run has a value), and the runner-up.
  QString bestRunId() const { return m_best_run; }
  QString runnerUpRunId() const { return m_runner_up; }
  /// The summary line as plain text.
  QString summaryText() const;

  /// Params drawn as parallel-coordinates axes (the target metric is always the last axis).
  void setAxisParams(const QStringList& keys);
  QStringList axisParams() const { return m_axis_params; }
  /// The scatter's x (a param) and y (a metric).
  void setScatterParam(const QString& key);
  QString scatterParam() const { return m_scatter_param; }
  void setScatterMetric(const QString& key);
  QString scatterMetric() const { return m_scatter_metric; }
  /// Metrics the Charts tab shows (empty = every metric the runs logged).
  void setChartMetrics(const QStringList& keys);
  QStringList chartMetrics() const { return m_chart_metrics; }

  /// Runs inside every parallel-coordinates brush (all runs without brushes).
  QStringList brushedRuns() const { return m_brushed; }

  void showTab(Tab tab);
  Tab currentTab() const;

  ParamsDiffModel* paramsModel() const { return m_params_model; }
  QTableView* paramsView() const { return m_params_view; }
  QCheckBox* onlyDifferencesBox() const { return m_only_diff; }
  QLabel* paramsCountLabel() const { return m_params_count; }
  ParallelCoordsWidget* parallelCoords() const { return m_parallel; }
  ScatterPlotWidget* scatterPlot() const { return m_scatter; }
  MetricPanelGrid* chartGrid() const { return m_grid; }
  QTableWidget* metricsTable() const { return m_metrics_table; }
  QComboBox* targetMetricCombo() const { return m_target_combo; }
  QComboBox* goalCombo() const { return m_goal_combo; }
  QPushButton* compareBrushedButton() const { return m_compare_brushed; }
  QPushButton* selectBrushedButton() const { return m_select_brushed; }
  /// The confusion matrix of a run (nullptr when the run is not compared).
  ConfusionMatrixWidget* confusionMatrix(const QString& run_id) const;
  QList<ConfusionMatrixWidget*> confusionMatrices() const;
  /// True while confusion-matrix artifacts are being read.
  bool isLoadingArtifacts() const { return m_artifact_jobs > 0; }

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

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct ArtifactResult;

  void onSnapshot(const RunSnapshotPtr& snapshot);
  void rebuildRuns();
  void refreshAll();
  void refreshSummary();
  void refreshParams();
  void refreshParallel();
  void refreshScatter();
  void refreshMetricsTable();
  void refreshCharts();
  void refreshConfusionLayout();
  void refreshChips();
  void refreshPickers();
  void loadArtifacts(const QStringList& run_ids);
  void applyArtifacts(const std::vector<ArtifactResult>& results);
  void onBrushed(const QStringList& run_ids);
  void updateBrushControls();
  void fillAxesMenu();
  void fillChartMetricsMenu();
  void layoutMatrices();
  const RunRow* row(const QString& run_id) const;
  const store::MetricSummary* summary(const QString& run_id, const QString& key) const;
  metrics::Goal goalOf(const QString& key) const;
  QStringList metricKeys() const;
  QStringList paramKeys() const;
  QString defaultTargetMetric() const;
  QString runSignature(const RunRow& row) const;
  QStringList autoAxisParams() const;
  QString autoScatterParam() const;

  WorkspaceSession* m_session;
  MetricSeriesStore* m_store = nullptr;
  RunColors* m_colors = nullptr;
  RunSnapshotPtr m_snapshot;
  QStringList m_requested;     // what setRuns asked for
  std::vector<RunRow> m_rows;  // the compared runs, in order (copies from the snapshot)
  QHash<QString, QString> m_labels;
  QHash<QString, QColor> m_run_colors;
  QHash<QString, QString> m_signatures;  // per run: changes when its status or metrics do

  QString m_target;  // chosen target metric ("" = default)
  metrics::Goal m_goal_override = metrics::Goal::Unknown;
  QString m_best_run, m_runner_up;
  QString m_summary_plain;
  QStringList m_axis_params;
  bool m_axis_params_chosen = false;          // false: the differing params, picked automatically
  QString m_scatter_param, m_scatter_metric;  // "" = automatic (a differing param; the target)
  QStringList m_chart_metrics;
  QStringList m_brushed;

  std::map<QString, std::optional<ConfusionMatrix>> m_matrices;  // by run; nullopt = none
  std::map<QString, QString> m_matrix_errors;                    // by run: why none was read
  QSet<QString> m_loading;  // runs whose artifacts are being read
  int m_artifact_jobs = 0;

  // Widgets.
  QStackedWidget* m_stack = nullptr;
  QWidget* m_empty = nullptr;
  QWidget* m_content = nullptr;
  QLabel* m_title = nullptr;
  QLabel* m_chips = nullptr;
  QLabel* m_summary = nullptr;
  QComboBox* m_target_combo = nullptr;
  QComboBox* m_goal_combo = nullptr;
  QTabWidget* m_tabs = nullptr;
  QSplitter* m_overview_split = nullptr;
  QSplitter* m_bottom_split = nullptr;
  ParallelCoordsWidget* m_parallel = nullptr;
  QPushButton* m_axes_button = nullptr;
  QLabel* m_brush_label = nullptr;
  QPushButton* m_compare_brushed = nullptr;
  QPushButton* m_select_brushed = nullptr;
  QPushButton* m_clear_brushes = nullptr;
  ParamsDiffModel* m_params_model = nullptr;
  QTableView* m_params_view = nullptr;
  QCheckBox* m_only_diff = nullptr;
  QLabel* m_params_count = nullptr;
  ScatterPlotWidget* m_scatter = nullptr;
  QComboBox* m_scatter_param_combo = nullptr;
  QComboBox* m_scatter_metric_combo = nullptr;
  QWidget* m_charts_page = nullptr;
  MetricPanelGrid* m_grid = nullptr;
  QPushButton* m_chart_metrics_button = nullptr;
  QTableWidget* m_metrics_table = nullptr;
  QScrollArea* m_matrices_scroll = nullptr;
  QWidget* m_matrices_host = nullptr;
  QGridLayout* m_matrices_layout = nullptr;
  int m_matrix_columns = 0;
  QCheckBox* m_matrix_percent = nullptr;
  QLabel* m_matrices_note = nullptr;
  std::map<QString, ConfusionMatrixWidget*> m_matrix_widgets;  // by run
};

}  // namespace wb::ui
