#pragma once

#include <QSet>
#include <QStringList>
#include <QWidget>

class QLabel;
class QPushButton;

namespace wb::ui {

class CompareRuns;
class ParallelCoordsWidget;

/// The Compare overview's parallel coordinates: one axis per chosen param, the ranking metric
/// last; brushing along axes picks runs, which can then be compared alone or selected in Runs.
class CompareParallelSection : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kMaxAutoAxes = 8;

  explicit CompareParallelSection(const CompareRuns* runs, QWidget* parent = nullptr);

  void refresh();
  /// Params drawn as axes; chosen = false picks the differing params automatically.
  void setAxisParams(const QStringList& keys, bool chosen = true);
  QStringList axisParams() const { return m_axis_params; }
  bool axisParamsChosen() const { return m_axis_params_chosen; }
  /// As setAxisParams, without redrawing (restoring saved state).
  void restoreAxisParams(const QStringList& keys, bool chosen);

  /// Runs inside every brush (all runs without brushes), and the compared runs outside them.
  QStringList brushedRuns() const { return m_brushed; }
  QSet<QString> fadedRuns() const;

  ParallelCoordsWidget* plot() const { return m_parallel; }
  QPushButton* compareBrushedButton() const { return m_compare_brushed; }
  QPushButton* selectBrushedButton() const { return m_select_brushed; }

 Q_SIGNALS:
  void runsBrushed(const QStringList& run_ids);
  /// "Compare These": narrow the comparison to these runs.
  void compareRequested(const QStringList& run_ids);
  void selectInRunsRequested(const QStringList& run_ids);

 private:
  void onBrushed(const QStringList& run_ids);
  void updateBrushControls();
  void fillAxesMenu();

  const CompareRuns* m_runs;
  QStringList m_axis_params;
  bool m_axis_params_chosen = false;  // false: the differing params, picked automatically
  QStringList m_brushed;
  ParallelCoordsWidget* m_parallel = nullptr;
  QPushButton* m_axes_button = nullptr;
  QLabel* m_brush_label = nullptr;
  QPushButton* m_compare_brushed = nullptr;
  QPushButton* m_select_brushed = nullptr;
  QPushButton* m_clear_brushes = nullptr;
};

}  // namespace wb::ui
