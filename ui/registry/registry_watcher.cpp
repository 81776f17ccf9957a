#include "ui/registry/registry_watcher.h"

#include <chrono>

#include <QCryptographicHash>

#include "core/common/clock.h"
#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/store/database.h"

namespace wb::ui {

namespace {

/// What the panel shows of a snapshot, hashed: a commit to another table (a training run's
/// metrics) moves data_version but leaves this alone, and nothing is re-applied.
QByteArray digestOf(const RegistrySnapshot& snap) {
  QCryptographicHash hash(QCryptographicHash::Sha1);
  auto add = [&hash](const std::string& s) {
    hash.addData(QByteArrayView(s.data(), static_cast<qsizetype>(s.size())));
    hash.addData(QByteArrayView("\x1f", 1));
  };
  for (const auto& m : snap.models) {
    add(m.name);
    add(m.description);
    add(std::to_string(m.latest_version) + '/' + std::to_string(m.version_count) + '/' +
        std::to_string(m.updated_at));
    for (const auto& [alias, v] : m.aliases) add(alias + '=' + std::to_string(v));
  }
  for (const auto& v : snap.versions) {
    add(v.model + '/' + std::to_string(v.version) + (v.archived ? "a" : "-"));
    add(v.description);
    add(v.exports.dump());
    for (const auto& [k, val] : v.tags) add(k + '=' + val);
    for (const auto& a : v.aliases) add(a);
  }
  return hash.result();
}

}  // namespace

RegistryWatcher::RegistryWatcher(Workspace workspace, int poll_interval_ms, QObject* parent)
    : DatabasePoller([workspace] { return workspace.connect(); }, poll_interval_ms, parent),
      m_workspace(std::move(workspace)) {}

RegistryWatcher::~RegistryWatcher() = default;

void RegistryWatcher::poll(bool force) {
  if (!dataChanged(force)) return;
  // Most commits are other tables' (metrics of a training run): a one-row query tells, where
  // allVersions() would parse every version's JSON (~0.1 ms each).
  {
    objects::ObjectStore objects(m_workspace.objectsDir());
    registry::ModelRegistry reg(db(), objects);
    auto stamp = reg.changeStamp();
    if (stamp && !force && *stamp == m_stamp) return;
    if (stamp) m_stamp = std::move(*stamp);
  }
  ++m_loads;
  QString error;
  auto snapshot = loadSnapshot(db(), m_workspace, &error);
  if (!snapshot) {
    Q_EMIT failed(error);
    return;
  }
  QByteArray digest = digestOf(*snapshot);
  if (!force && digest == m_digest) return;
  m_digest = std::move(digest);
  Q_EMIT snapshotReady(snapshot);
}

RegistrySnapshotPtr RegistryWatcher::loadSnapshot(store::Database& db, const Workspace& workspace,
                                                  QString* error) {
  const auto t0 = std::chrono::steady_clock::now();
  objects::ObjectStore objects(workspace.objectsDir());
  registry::ModelRegistry reg(db, objects);
  // One read transaction: models and versions agree even while the CLI commits.
  if (auto st = db.exec("BEGIN"); !st) {
    if (error) *error = QString::fromStdString(st.error().text());
    return {};
  }
  auto models = reg.models();
  auto versions = reg.allVersions();
  (void)db.exec("COMMIT");
  const Error* failure = !models ? &models.error() : !versions ? &versions.error() : nullptr;
  if (failure) {
    if (error) *error = QString::fromStdString(failure->text());
    return {};
  }
  auto snap = std::make_shared<RegistrySnapshot>();
  snap->models = std::move(*models);
  snap->versions = std::move(*versions);
  snap->loaded_at = unixNow();
  snap->load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return snap;
}

}  // namespace wb::ui
