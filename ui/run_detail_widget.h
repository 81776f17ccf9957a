#pragma once

#include <optional>

#include <QWidget>

#include "ui/run_snapshot.h"

class QCustomPlot;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace wb::ui {

/// The right-hand pane of the Runs section: one run's header, metrics (with a chart of the
/// chosen metric), params, tags, notes and resolved config.
class RunDetailWidget : public QWidget {
  Q_OBJECT
 public:
  explicit RunDetailWidget(QWidget* parent = nullptr);

  /// The database the chart reads series from (a connection per load, off the GUI thread).
  void setDatabasePath(const QString& path) { m_db_path = path; }
  /// Shows a run, or the empty state for nullopt. Keeps the chosen metric across runs.
  void setRun(const std::optional<RunRow>& row);
  QString runId() const { return m_run ? QString::fromStdString(m_run->run.id) : QString(); }
  QString chartedMetric() const { return m_chart_key; }
  /// Points currently plotted (for tests).
  int chartPointCount() const;

 Q_SIGNALS:
  void notesSaveRequested(const QString& run_id, const QString& notes);
  void chartLoaded(const QString& key, int points);

 private:
  void chartMetric(const QString& key);
  void fillTables();

  QString m_db_path;
  std::optional<RunRow> m_run;
  QString m_chart_key;
  int m_chart_generation = 0;

  QLabel* m_title = nullptr;
  QLabel* m_subtitle = nullptr;
  QTabWidget* m_tabs = nullptr;
  QTableWidget* m_metrics = nullptr;
  QCustomPlot* m_plot = nullptr;
  QTableWidget* m_params = nullptr;
  QTableWidget* m_tags = nullptr;
  QPlainTextEdit* m_notes = nullptr;
  QPushButton* m_save_notes = nullptr;
  QPlainTextEdit* m_config = nullptr;
};

}  // namespace wb::ui
