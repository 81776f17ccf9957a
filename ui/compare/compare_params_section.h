#pragma once

#include <QSet>
#include <QWidget>

class QCheckBox;
class QLabel;
class QTableView;

namespace wb::ui {

class CompareRuns;
class ParamsDiffModel;

/// The Compare overview's params diff: one row per param, one column per run, the rows where
/// runs differ marked (optionally only those).
class CompareParamsSection : public QWidget {
  Q_OBJECT
 public:
  explicit CompareParamsSection(const CompareRuns* runs, QWidget* parent = nullptr);

  void refresh();
  /// Runs outside the parallel-coordinates brushes are drawn faded.
  void setFadedRuns(const QSet<QString>& run_ids);

  ParamsDiffModel* model() const { return m_model; }
  QTableView* view() const { return m_view; }
  QCheckBox* onlyDifferencesBox() const { return m_only_diff; }
  QLabel* countLabel() const { return m_count; }

 private:
  const CompareRuns* m_runs;
  ParamsDiffModel* m_model = nullptr;
  QTableView* m_view = nullptr;
  QCheckBox* m_only_diff = nullptr;
  QLabel* m_count = nullptr;
};

}  // namespace wb::ui
