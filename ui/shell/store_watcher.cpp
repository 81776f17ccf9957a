#include "ui/shell/store_watcher.h"

#include <chrono>
#include <set>

#include <QFileInfo>

#include "core/common/clock.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"
#include "core/store/schema.h"

namespace wb::ui {

namespace {
constexpr int kReapEveryPolls = 5;
}

StoreWatcher::StoreWatcher(QString db_path, int poll_interval_ms, QObject* parent)
    : DatabasePoller(
          [path = db_path.toStdString()] {
            return store::Database::open(path, store::OpenMode::ReadWrite);
          },
          poll_interval_ms, parent) {}

StoreWatcher::~StoreWatcher() = default;

void StoreWatcher::poll(bool force) {
  if (++m_polls_since_reap >= kReapEveryPolls || force) {
    m_polls_since_reap = 0;
    store::RunRepository repo(db());
    // Our own commit does not move our data_version: reload explicitly when we marked runs.
    if (auto reaped = repo.reapDeadRuns(); reaped && *reaped > 0) force = true;
  }
  if (!dataChanged(force)) return;
  QString error;
  auto snapshot = loadSnapshot(db(), &error);
  if (!snapshot) {
    Q_EMIT failed(error);
    return;
  }
  Q_EMIT snapshotReady(snapshot);
}

RunSnapshotPtr StoreWatcher::loadSnapshot(store::Database& db, QString* error) {
  const auto t0 = std::chrono::steady_clock::now();
  auto fail = [&](const Error& e) {
    if (error) *error = QString::fromStdString(e.text());
    return RunSnapshotPtr{};
  };
  // One read transaction: the snapshot is consistent even while a trainer commits.
  if (auto st = db.exec("BEGIN"); !st) return fail(st.error());
  auto snap = std::make_shared<RunSnapshot>();
  store::RunRepository repo(db);
  store::MetricsReader reader(db);
  auto runs = repo.list();
  auto params = repo.allParams();
  auto tags = repo.allTags();
  auto summaries = reader.summaries();
  auto version = store::schemaVersion(db);
  (void)db.exec("COMMIT");
  if (!runs) return fail(runs.error());
  if (!params) return fail(params.error());
  if (!tags) return fail(tags.error());
  if (!summaries) return fail(summaries.error());

  std::set<std::string> param_keys, metric_keys;
  std::map<std::string, std::size_t> index;
  snap->rows.reserve(runs->size());
  for (auto& run : *runs) {
    index[run.id] = snap->rows.size();
    RunRow row;
    row.params = std::move((*params)[run.id]);
    row.tags = std::move((*tags)[run.id]);
    for (const auto& [k, v] : row.params) param_keys.insert(k);
    row.run = std::move(run);
    snap->rows.push_back(std::move(row));
  }
  for (auto& s : *summaries) {
    auto it = index.find(s.run_id);
    if (it == index.end()) continue;
    metric_keys.insert(s.key);
    snap->rows[it->second].metrics[s.key] = std::move(s);
  }
  // Params that differ between runs are the interesting ones: they come first.
  std::vector<std::string> varying, constant;
  for (const auto& key : param_keys) {
    std::set<std::string> values;
    for (const auto& row : snap->rows) {
      auto it = row.params.find(key);
      values.insert(it == row.params.end() ? std::string("\x1f") : it->second);
      if (values.size() > 1) break;
    }
    (values.size() > 1 ? varying : constant).push_back(key);
  }
  snap->param_keys = std::move(varying);
  snap->param_keys.insert(snap->param_keys.end(), constant.begin(), constant.end());
  snap->metric_keys.assign(metric_keys.begin(), metric_keys.end());
  snap->schema_version = version ? *version : 0;
  snap->db_size_bytes = QFileInfo(QString::fromStdString(db.path().string())).size() +
                        QFileInfo(QString::fromStdString(db.path().string() + "-wal")).size();
  snap->loaded_at = unixNow();
  snap->load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return snap;
}

}  // namespace wb::ui
