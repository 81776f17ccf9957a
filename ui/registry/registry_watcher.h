#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <QObject>
#include <QString>

#include "core/workspace/workspace.h"
#include "ui/common/database_poller.h"
#include "ui/registry/registry_snapshot.h"


namespace wb::store {
class Database;
}

namespace wb::ui {

/// Lives on a worker thread (RegistryPanel owns it). Polls the database's data_version, which
/// moves whenever another connection or process commits, and publishes a RegistrySnapshot when
/// what the registry holds changed: `wb models alias` in a terminal shows up by itself.
class RegistryWatcher : public DatabasePoller {
  Q_OBJECT
 public:
  explicit RegistryWatcher(Workspace workspace, int poll_interval_ms = 500,
                           QObject* parent = nullptr);
  ~RegistryWatcher() override;

  /// Every model and version in one read transaction (used by the watcher and by tests).
  static RegistrySnapshotPtr loadSnapshot(store::Database& db, const Workspace& workspace,
                                          QString* error);

  /// Full snapshot loads so far (a training run's commits must not cause any).
  int loadCount() const { return m_loads.load(); }

 Q_SIGNALS:
  void snapshotReady(wb::ui::RegistrySnapshotPtr snapshot);

 private:
  void poll(bool force) override;

  Workspace m_workspace;
  QByteArray m_digest;  // of the last published snapshot: other tables' commits are ignored
  std::string m_stamp;  // ModelRegistry::changeStamp() at the last load
  std::atomic<int> m_loads{0};
};

}  // namespace wb::ui
