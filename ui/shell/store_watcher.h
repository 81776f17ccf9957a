#pragma once

#include <memory>

#include <QObject>
#include <QString>

#include "ui/common/database_poller.h"
#include "ui/common/run_snapshot.h"

namespace wb::store {
class Database;
}

namespace wb::ui {

/// Lives on a worker thread. Polls the workspace database's data_version (cheap, and it
/// changes whenever another process commits) and publishes a fresh RunSnapshot when the
/// data changed. Also marks runs whose process died as killed.
class StoreWatcher : public DatabasePoller {
  Q_OBJECT
 public:
  explicit StoreWatcher(QString db_path, int poll_interval_ms = 400, QObject* parent = nullptr);
  ~StoreWatcher() override;

  /// Builds a snapshot with one connection (used by the watcher and by tests).
  static RunSnapshotPtr loadSnapshot(store::Database& db, QString* error);

 Q_SIGNALS:
  void snapshotReady(wb::ui::RunSnapshotPtr snapshot);

 private:
  void poll(bool force) override;

  int m_polls_since_reap = 0;
};

}  // namespace wb::ui
