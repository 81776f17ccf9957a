#pragma once

#include <QStringList>
#include <QWidget>

class QAbstractButton;
class QAction;
class QHBoxLayout;
class QLabel;
class QPlainTextEdit;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTableWidget;
class QTimer;

namespace wb::ui {

class RunLauncher;
class RunQueueModel;
struct RunEntry;

/// The run queue of the Experiments section: the launcher's runs and sweeps with status,
/// progress and ETA, Stop / Stop All / Clear Finished / Open in Runs, the selected job's log
/// and the selected run's latest metrics.
class RunQueueWidget : public QWidget {
  Q_OBJECT
 public:
  explicit RunQueueWidget(RunLauncher* launcher, QWidget* parent = nullptr);

  RunLauncher* launcher() const { return m_launcher; }
  RunQueueModel* model() const { return m_model; }
  QTableView* view() const { return m_view; }
  QAbstractButton* stopButton() const { return m_stop_button; }
  QAbstractButton* stopAllButton() const { return m_stop_all_button; }
  QAbstractButton* clearFinishedButton() const { return m_clear_button; }
  QAbstractButton* openRunButton() const { return m_open_button; }
  QAction* stopAction() const { return m_stop; }
  QAction* openRunAction() const { return m_open; }
  QPlainTextEdit* logView() const { return m_log; }
  QTableWidget* metricsTable() const { return m_metrics; }
  QLabel* emptyStateLabel() const { return m_empty; }

  /// The selected row's entry; nullptr if none.
  const RunEntry* selectedEntry() const;
  void selectRow(int row);

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

 Q_SIGNALS:
  /// Open in Runs (toolbar, double-click) on a run that has ended.
  void openRunRequested(const QString& run_id);

 private:
  // Construction steps, run in this order: widget creation order is the tab order.
  void setupActions();
  QHBoxLayout* buildToolbar();
  void setupTable();
  void setupPanes();
  void layoutPanes(QHBoxLayout* toolbar);
  void connectModel();

  void onSelectionChanged();
  void onLogAppended(int job, const QString& line);
  void flushPending();
  void reloadLog();
  void updateMetrics();
  void updateActions();
  void updateEmptyState();
  void stopSelected();
  void openSelected();

  RunLauncher* m_launcher;
  RunQueueModel* m_model;
  QTableView* m_view;
  QStackedWidget* m_stack;
  QLabel* m_empty;
  QLabel* m_summary;
  QLabel* m_log_title;
  QLabel* m_metrics_title;
  QPlainTextEdit* m_log;
  QTableWidget* m_metrics;
  QSplitter* m_vsplit;
  QSplitter* m_hsplit;
  QAction* m_stop;
  QAction* m_stop_all;
  QAction* m_clear;
  QAction* m_open;
  QAction* m_copy_id;
  QAbstractButton* m_stop_button;
  QAbstractButton* m_stop_all_button;
  QAbstractButton* m_clear_button;
  QAbstractButton* m_open_button;
  QTimer* m_coalesce;  // log lines and metric refreshes, batched: a fast run prints ~1k lines/s
  QTimer* m_tick;      // ETA and duration move with the clock
  int m_selected_key = -1;
  int m_log_job = -1;
  QStringList m_pending_log;
  bool m_metrics_dirty = false;
};

}  // namespace wb::ui
