#pragma once

#include <memory>

#include <QObject>
#include <QString>

#include "ui/common/run_snapshot.h"

class QTimer;

namespace wb::store {
class Database;
}

namespace wb::ui {

/// Lives on a worker thread. Polls the workspace database's data_version (cheap, and it
/// changes whenever another process commits) and publishes a fresh RunSnapshot when the
/// data changed. Also marks runs whose process died as killed.
class StoreWatcher : public QObject {
  Q_OBJECT
 public:
  explicit StoreWatcher(QString db_path, int poll_interval_ms = 400, QObject* parent = nullptr);
  ~StoreWatcher() override;

  /// Builds a snapshot with one connection (used by the watcher and by tests).
  static RunSnapshotPtr loadSnapshot(store::Database& db, QString* error);

 public Q_SLOTS:
  void start();
  void refreshNow();
  void stop();

 Q_SIGNALS:
  void snapshotReady(wb::ui::RunSnapshotPtr snapshot);
  void failed(const QString& message);

 private:
  void poll(bool force);

  QString m_db_path;
  int m_poll_interval_ms;
  std::unique_ptr<store::Database> m_db;  // owned by the worker thread
  QTimer* m_timer = nullptr;
  qint64 m_data_version = -1;
  int m_polls_since_reap = 0;
};

}  // namespace wb::ui
