#pragma once

#include <QWidget>

#include "ui/run_snapshot.h"

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QTimer;
class QAction;

namespace wb::ui {

class RunDetailWidget;
class RunTableModel;
class WorkspaceSession;

/// The Runs section: a sortable, filterable table of every run, kept current by the session's
/// watcher, and a detail pane for the selected run.
class RunsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit RunsPanel(WorkspaceSession* session, QWidget* parent = nullptr);

  RunTableModel* model() const { return m_model; }
  QSortFilterProxyModel* proxy() const { return m_proxy; }
  QTableView* view() const { return m_view; }
  QLineEdit* filterEdit() const { return m_filter; }
  RunDetailWidget* detail() const { return m_detail; }
  QAction* deleteAction() const { return m_delete; }

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

  /// Selected run ids, in view order.
  QStringList selectedRunIds() const;
  void selectRun(const QString& run_id);
  /// Selects only this run and shows it; a run not loaded yet is selected when it arrives.
  void showRun(QString run_id);

  /// Asks for confirmation, then deletes the selected runs off the GUI thread.
  void deleteSelected();

 Q_SIGNALS:
  void statusMessage(const QString& text, int timeout_ms);

 private:
  void onSnapshot(RunSnapshotPtr snapshot);
  void updateDetail();
  void updateCount();

  WorkspaceSession* m_session;
  RunTableModel* m_model;
  QSortFilterProxyModel* m_proxy;
  QTableView* m_view;
  QLineEdit* m_filter;
  QLabel* m_count;
  QSplitter* m_splitter;
  RunDetailWidget* m_detail;
  QAction* m_delete;
  QTimer* m_tick;
  QString m_pending_show;  // showRun() of a run the snapshot does not have yet
};

}  // namespace wb::ui
