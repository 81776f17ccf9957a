#pragma once

#include <vector>

#include <QColor>
#include <QHash>
#include <QString>
#include <QStringList>

#include "core/metrics/series_ops.h"
#include "ui/common/run_snapshot.h"

namespace wb::ui {

/// The runs being compared and what every Compare tab reads of them: labels, colours, metric
/// and param keys, the metric runs are ranked by and its goal. ComparePanel owns it and
/// refreshes its tabs when it changes.
class CompareRuns {
 public:
  /// Takes the rows (in column order) and derives the labels: the name, with the id's start
  /// when names repeat.
  void setRows(std::vector<RunRow> rows);
  const std::vector<RunRow>& rows() const { return m_rows; }
  QStringList ids() const;
  const RunRow* row(const QString& run_id) const;
  const store::MetricSummary* summary(const QString& run_id, const QString& key) const;

  QString label(const QString& run_id) const { return m_labels.value(run_id, run_id); }
  const QHash<QString, QString>& labels() const { return m_labels; }
  void setColors(const QHash<QString, QColor>& colors) { m_colors = colors; }
  QColor color(const QString& run_id) const { return m_colors.value(run_id); }

  /// Every metric key logged by a compared run: validation first, then test, train, others,
  /// system.
  QStringList metricKeys() const;
  /// Every param key, sorted.
  QStringList paramKeys() const;
  /// Params whose values differ between the runs, in key order.
  QStringList differingParamKeys() const;
  /// Differing params worth an axis (not text unique to each run), at most max_count.
  QStringList axisParamCandidates(int max_count) const;
  /// A numeric differing param (learning rates first), else any differing one.
  QString scatterParamCandidate() const;

  /// The chosen ranking metric ("" = default: the first key every run logged, val/ first).
  void setChosenTarget(const QString& key) { m_target = key; }
  QString chosenTarget() const { return m_target; }
  QString targetMetric() const;
  void setGoalOverride(metrics::Goal goal) { m_goal_override = goal; }
  metrics::Goal goalOverride() const { return m_goal_override; }
  /// The goal of a metric: the override for the target, else inferred from the name.
  metrics::Goal goalOf(const QString& key) const;
  metrics::Goal effectiveGoal() const { return goalOf(targetMetric()); }

 private:
  QString defaultTargetMetric() const;

  std::vector<RunRow> m_rows;
  QHash<QString, QString> m_labels;
  QHash<QString, QColor> m_colors;
  QString m_target;
  metrics::Goal m_goal_override = metrics::Goal::Unknown;
};

}  // namespace wb::ui
