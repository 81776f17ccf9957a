#pragma once

#include <QTableWidget>

namespace wb::ui {

class CompareRuns;

/// The Compare section's Metrics tab: every metric's best value per run (target metric first),
/// the best run of each marked.
class CompareMetricsTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit CompareMetricsTable(const CompareRuns* runs, QWidget* parent = nullptr);

  void refresh();

 private:
  const CompareRuns* m_runs;
};

}  // namespace wb::ui
