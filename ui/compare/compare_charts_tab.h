#pragma once

#include <QStringList>
#include <QWidget>

class QPushButton;

namespace wb::ui {

class CompareRuns;
class MetricPanelGrid;
class MetricSeriesStore;
class RunColors;

/// The Compare section's Charts tab: the compared runs overlaid on a metric grid, optionally
/// only some metrics.
class CompareChartsTab : public QWidget {
  Q_OBJECT
 public:
  /// settings_group keys the grid's layout (per workspace).
  CompareChartsTab(const CompareRuns* runs, MetricSeriesStore* store, RunColors* colors,
                   const QString& settings_group, QWidget* parent = nullptr);

  /// New runs: the grid charts them.
  void refresh();
  /// Labels only (same runs, new names or status).
  void refreshLabels();
  /// Metrics to chart (empty = every metric the runs logged).
  void setChartMetrics(const QStringList& keys);
  QStringList chartMetrics() const { return m_chart_metrics; }
  MetricPanelGrid* grid() const { return m_grid; }

 private:
  void fillMetricsMenu();

  const CompareRuns* m_runs;
  QStringList m_chart_metrics;
  QPushButton* m_metrics_button = nullptr;
  MetricPanelGrid* m_grid = nullptr;
};

}  // namespace wb::ui
