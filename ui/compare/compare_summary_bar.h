#pragma once

#include <QFrame>
#include <QString>

#include "core/metrics/series_ops.h"

class QComboBox;
class QLabel;

namespace wb::ui {

class CompareRuns;

/// The Compare section's verdict: "Rank by [metric] [goal]" and which run is best on it, by
/// how much over the runner-up.
class CompareSummaryBar : public QFrame {
  Q_OBJECT
 public:
  explicit CompareSummaryBar(const CompareRuns* runs, QWidget* parent = nullptr);

  /// Re-reads the runs: the pickers' choices and the verdict.
  void refresh();
  QString summaryText() const { return m_plain; }
  QString bestRunId() const { return m_best_run; }
  QString runnerUpRunId() const { return m_runner_up; }
  QComboBox* targetCombo() const { return m_target_combo; }
  QComboBox* goalCombo() const { return m_goal_combo; }

 Q_SIGNALS:
  void targetChosen(const QString& key);
  void goalChosen(metrics::Goal goal);

 private:
  void refreshPickers();
  void refreshVerdict();

  const CompareRuns* m_runs;
  QComboBox* m_target_combo = nullptr;
  QComboBox* m_goal_combo = nullptr;
  QLabel* m_summary = nullptr;
  QString m_plain;
  QString m_best_run, m_runner_up;
};

}  // namespace wb::ui
