#pragma once

#include <functional>
#include <memory>

#include <QObject>
#include <QString>

#include "core/common/result.h"

class QTimer;

namespace wb::store {
class Database;
}

namespace wb::ui {

/// The polling both section watchers share: lives on a worker thread with its own connection,
/// polls every interval, and lets the subclass reload when the database's data_version moved
/// (cheap, and it changes whenever another connection or process commits).
class DatabasePoller : public QObject {
  Q_OBJECT
 public:
  using Opener = std::function<Result<std::unique_ptr<store::Database>>()>;
  DatabasePoller(Opener open, int poll_interval_ms, QObject* parent = nullptr);
  ~DatabasePoller() override;

 public Q_SLOTS:
  void start();
  /// Reloads now, changed or not.
  void refreshNow();
  void stop();

 Q_SIGNALS:
  void failed(const QString& message);

 protected:
  /// One poll: FORCE on start and refreshNow(). db() is open when this runs.
  virtual void poll(bool force) = 0;
  store::Database& db() const { return *m_db; }
  /// True when FORCE or data_version moved since the last call that returned true.
  bool dataChanged(bool force);

 private:
  Opener m_open;
  int m_poll_interval_ms;
  std::unique_ptr<store::Database> m_db;  // owned by the worker thread
  QTimer* m_timer = nullptr;
  qint64 m_data_version = -1;
};

}  // namespace wb::ui
