#pragma once

#include <optional>
#include <vector>

#include <QWidget>

#include "ui/common/run_snapshot.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace wb::ui {

class MetricPanelGrid;
class MetricSeriesStore;
class RunColors;

/// The right-hand pane of the Runs section: one run's header, live charts of every metric,
/// a table of metric summaries, params, tags, notes and resolved config. With several runs
/// (setRuns) the charts overlay them.
class RunDetailWidget : public QWidget {
  Q_OBJECT
 public:
  explicit RunDetailWidget(QWidget* parent = nullptr);
  ~RunDetailWidget() override;

  /// The database the charts read series from (on a worker thread of the series store).
  void setDatabasePath(const QString& path);
  /// Shares a series store (and run colours) with other views, e.g. Compare, and with the run
  /// launcher's live events. Without it the widget owns a store on setDatabasePath's path.
  void setSeriesStore(MetricSeriesStore* store, RunColors* colors = nullptr);
  MetricSeriesStore* seriesStore() const { return m_store; }
  RunColors* runColors() const { return m_colors; }
  MetricPanelGrid* chartGrid() const { return m_grid; }

  /// Shows a run, or the empty state for nullopt. Keeps the chosen metric across runs.
  void setRun(const std::optional<RunRow>& row);
  /// Several runs: the charts overlay them; the tables stay empty.
  void setRuns(const std::vector<RunRow>& rows);
  QString runId() const { return m_run ? QString::fromStdString(m_run->run.id) : QString(); }
  /// The metric chosen in the table (or a default: val/accuracy, val/loss, train/loss, …).
  QString chartedMetric() const { return m_chart_key; }
  /// Points of the charted metric's series in memory for this run (for tests).
  int chartPointCount() const;
  /// Registers the shown run as a model version (enabled for one run that is not running).
  QPushButton* registerButton() const { return m_register; }

 Q_SIGNALS:
  void notesSaveRequested(const QString& run_id, const QString& notes);
  /// "Register Model…" was pressed for the shown run.
  void registerModelRequested(const QString& run_id);
  /// The charted metric's series of the shown run was (re)loaded or grew.
  void chartLoaded(const QString& key, int points);

 private:
  void chartMetric(const QString& key);
  void fillTables();
  void buildGrid();
  void showRunsInGrid(const std::vector<const RunRow*>& rows);

  QString m_db_path;
  std::optional<RunRow> m_run;
  QString m_chart_key;
  MetricSeriesStore* m_store = nullptr;
  RunColors* m_colors = nullptr;
  bool m_owns_store = false;

  QLabel* m_title = nullptr;
  QLabel* m_subtitle = nullptr;
  QPushButton* m_register = nullptr;
  QTabWidget* m_tabs = nullptr;
  QWidget* m_charts_page = nullptr;
  MetricPanelGrid* m_grid = nullptr;
  QTableWidget* m_metrics = nullptr;
  QTableWidget* m_params = nullptr;
  QTableWidget* m_tags = nullptr;
  QPlainTextEdit* m_notes = nullptr;
  QPushButton* m_save_notes = nullptr;
  QPlainTextEdit* m_config = nullptr;
};

}  // namespace wb::ui
