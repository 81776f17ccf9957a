#pragma once

#include <QSet>
#include <QString>
#include <QWidget>

class QComboBox;

namespace wb::ui {

class CompareRuns;
class ScatterPlotWidget;

/// The Compare overview's scatter: a metric (each run's best) against a param.
class CompareScatterSection : public QWidget {
  Q_OBJECT
 public:
  explicit CompareScatterSection(const CompareRuns* runs, QWidget* parent = nullptr);

  /// The pickers' entries follow the runs' keys.
  void refreshPickers();
  void refresh();
  void setFadedRuns(const QSet<QString>& run_ids);

  /// The x param and y metric; "" = automatic (a differing param; the target metric).
  void setParam(const QString& key);
  QString param() const { return m_param; }
  void setMetric(const QString& key);
  QString metric() const { return m_metric; }
  /// Both choices at once, without redrawing (restoring saved state).
  void restoreChoices(const QString& param, const QString& metric);
  ScatterPlotWidget* plot() const { return m_scatter; }

 private:
  const CompareRuns* m_runs;
  QString m_param, m_metric;
  QComboBox* m_param_combo = nullptr;
  QComboBox* m_metric_combo = nullptr;
  ScatterPlotWidget* m_scatter = nullptr;
};

}  // namespace wb::ui
