#pragma once

#include <functional>

#include <QObject>
#include <QString>
#include <QThread>

#include "core/common/result.h"
#include "core/workspace/workspace.h"
#include "ui/common/run_snapshot.h"

namespace wb::store {
class Database;
}

namespace wb::ui {

class StoreWatcher;

/// An open workspace in the GUI: owns the watcher thread that publishes run snapshots and
/// runs store writes off the GUI thread.
class WorkspaceSession : public QObject {
  Q_OBJECT
 public:
  explicit WorkspaceSession(Workspace workspace, QObject* parent = nullptr,
                            int poll_interval_ms = 400);
  ~WorkspaceSession() override;

  const Workspace& workspace() const { return m_workspace; }
  QString rootPath() const;
  QString dbPath() const;
  RunSnapshotPtr lastSnapshot() const { return m_last; }

  /// Asks the watcher for a fresh snapshot now.
  void refresh();

  /// Runs fn on a worker thread with its own connection; done(error or empty) runs on the GUI
  /// thread unless context was destroyed meanwhile. Refreshes the snapshot afterwards.
  void runWrite(std::function<Status(store::Database&)> fn, QObject* context,
                std::function<void(const QString& error)> done);

 Q_SIGNALS:
  void snapshotReady(wb::ui::RunSnapshotPtr snapshot);
  void failed(const QString& message);

 private:
  Workspace m_workspace;
  QThread m_thread;
  StoreWatcher* m_watcher = nullptr;  // lives on m_thread
  RunSnapshotPtr m_last;
};

}  // namespace wb::ui
