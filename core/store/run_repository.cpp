#include "core/store/run_repository.h"

#include "core/common/clock.h"
#include "core/common/ids.h"
#include "core/common/process_info.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"

namespace wb::store {

namespace {

constexpr const char* kRunColumns =
    "r.id, r.experiment_id, e.name, r.name, r.status, r.created_at, r.started_at, r.ended_at, "
    "r.heartbeat_at, coalesce(r.pid,0), coalesce(r.pid_start_ticks,0), r.host, r.config_text, "
    "r.config_hash, coalesce(r.parent_run_id,''), r.notes, r.status_message "
    "FROM runs r JOIN experiments e ON e.id = r.experiment_id";

Run readRun(const Statement& s) {
  Run r;
  r.id = s.columnText(0);
  r.experiment_id = s.columnInt(1);
  r.experiment = s.columnText(2);
  r.name = s.columnText(3);
  r.status = runStatusFromString(s.columnText(4));
  r.created_at = s.columnDouble(5);
  r.started_at = s.columnOptDouble(6);
  r.ended_at = s.columnOptDouble(7);
  r.heartbeat_at = s.columnOptDouble(8);
  r.pid = s.columnInt(9);
  r.pid_start_ticks = s.columnInt(10);
  r.host = s.columnText(11);
  r.config_text = s.columnText(12);
  r.config_hash = s.columnText(13);
  r.parent_run_id = s.columnText(14);
  r.notes = s.columnText(15);
  r.status_message = s.columnText(16);
  return r;
}

Status upsertPairs(Database& db, const char* table, const std::string& run_id,
                   const ParamMap& pairs) {
  auto stmt = db.prepare(std::string("INSERT INTO ") + table +
                         "(run_id, key, value) VALUES(?,?,?) "
                         "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value");
  if (!stmt) return stmt.error();
  for (const auto& [k, v] : pairs) {
    if (k.empty()) return makeError("empty key", run_id);
    if (auto st = stmt->bind(1, run_id).bind(2, k).bind(3, v).run(); !st) return st;
  }
  return {};
}

Result<ParamMap> readPairs(Database& db, const char* table, const std::string& run_id) {
  auto stmt = db.prepare(std::string("SELECT key, value FROM ") + table +
                         " WHERE run_id = ? ORDER BY key");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  ParamMap out;
  while (stmt->step()) out[stmt->columnText(0)] = stmt->columnText(1);
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Result<std::map<std::string, ParamMap>> readAllPairs(Database& db, const char* table) {
  auto stmt = db.prepare(std::string("SELECT run_id, key, value FROM ") + table);
  if (!stmt) return stmt.error();
  std::map<std::string, ParamMap> out;
  while (stmt->step()) out[stmt->columnText(0)][stmt->columnText(1)] = stmt->columnText(2);
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Status requireRun(Database& db, const std::string& run_id) {
  auto stmt = db.prepare("SELECT 1 FROM runs WHERE id = ?");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  if (!stmt->step()) return makeError("no such run", run_id);
  return {};
}

}  // namespace

Result<std::int64_t> RunRepository::ensureExperiment(const std::string& name) {
  if (name.empty()) return makeError("experiment name is empty");
  auto sel = m_db.prepare("SELECT id FROM experiments WHERE name = ?");
  if (!sel) return sel.error();
  sel->bind(1, name);
  if (sel->step()) return sel->columnInt(0);
  auto ins = m_db.prepare(
      "INSERT INTO experiments(name, created_at) VALUES(?, ?) "
      "ON CONFLICT(name) DO NOTHING");
  if (!ins) return ins.error();
  if (auto st = ins->bind(1, name).bind(2, unixNow()).run(); !st) return st.error();
  sel->reset();
  sel->bind(1, name);
  if (sel->step()) return sel->columnInt(0);
  return makeError("cannot create experiment", name);
}

Result<std::vector<Experiment>> RunRepository::experiments() {
  auto stmt = m_db.prepare("SELECT id, name, description, created_at FROM experiments ORDER BY name");
  if (!stmt) return stmt.error();
  std::vector<Experiment> out;
  while (stmt->step())
    out.push_back({stmt->columnInt(0), stmt->columnText(1), stmt->columnText(2),
                   stmt->columnDouble(3)});
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Result<Run> RunRepository::create(const NewRun& spec) {
  Run run;
  run.id = randomHexId();
  Status st = m_db.writeTransaction([&]() -> Status {
    auto exp = ensureExperiment(spec.experiment);
    if (!exp) return exp.error();
    const double now = unixNow();
    auto stmt = m_db.prepare(
        "INSERT INTO runs(id, experiment_id, name, status, created_at, started_at, "
        "heartbeat_at, pid, pid_start_ticks, host, config_text, config_hash, parent_run_id, "
        "notes) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!stmt) return stmt.error();
    const bool started = spec.status != RunStatus::Queued;
    stmt->bind(1, run.id)
        .bind(2, *exp)
        .bind(3, spec.name.empty() ? randomRunName() : spec.name)
        .bind(4, toString(spec.status))
        .bind(5, now)
        .bind(6, started ? std::optional<double>(now) : std::nullopt)
        .bind(7, started ? std::optional<double>(now) : std::nullopt);
    if (spec.pid > 0) {
      stmt->bind(8, spec.pid).bind(9, processStartTicks(spec.pid));
    } else {
      stmt->bindNull(8).bindNull(9);
    }
    stmt->bind(10, localHostName())
        .bind(11, spec.config_text)
        .bind(12, spec.config_text.empty() ? std::string() : objects::sha256Hex(spec.config_text.data(), spec.config_text.size()));
    if (spec.parent_run_id.empty()) {
      stmt->bindNull(13);
    } else {
      stmt->bind(13, spec.parent_run_id);
    }
    stmt->bind(14, spec.notes);
    if (auto s = stmt->run(); !s) return s;
    if (auto s = upsertPairs(m_db, "params", run.id, spec.params); !s) return s;
    return upsertPairs(m_db, "tags", run.id, spec.tags);
  });
  if (!st) return st.error();
  return find(run.id);
}

Result<Run> RunRepository::find(const std::string& id_or_name) {
  if (id_or_name.empty()) return makeError("empty run id");
  {
    auto stmt = m_db.prepare(std::string("SELECT ") + kRunColumns + " WHERE r.id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, id_or_name);
    if (stmt->step()) return readRun(*stmt);
  }
  if (id_or_name.size() >= 4 && id_or_name.find_first_not_of("0123456789abcdef") == std::string::npos) {
    auto stmt = m_db.prepare(std::string("SELECT ") + kRunColumns +
                             " WHERE r.id >= ?1 AND r.id < ?1 || 'g' LIMIT 2");
    if (!stmt) return stmt.error();
    stmt->bind(1, id_or_name);
    std::vector<Run> hits;
    while (stmt->step()) hits.push_back(readRun(*stmt));
    if (hits.size() == 1) return hits.front();
    if (hits.size() > 1) return makeError("ambiguous run id prefix", id_or_name);
  }
  auto stmt = m_db.prepare(std::string("SELECT ") + kRunColumns +
                           " WHERE r.name = ? ORDER BY r.created_at DESC LIMIT 1");
  if (!stmt) return stmt.error();
  stmt->bind(1, id_or_name);
  if (stmt->step()) return readRun(*stmt);
  if (stmt->lastError()) return *stmt->lastError();
  return makeError("no such run", id_or_name);
}

Result<std::vector<Run>> RunRepository::list(const RunFilter& filter) {
  std::string sql = std::string("SELECT ") + kRunColumns + " WHERE 1=1";
  if (!filter.experiment.empty()) sql += " AND e.name = :exp";
  if (filter.status != RunStatus::Unknown) sql += " AND r.status = :status";
  if (!filter.parent_run_id.empty()) sql += " AND r.parent_run_id = :parent";
  sql += " ORDER BY r.created_at DESC, r.id";
  if (filter.limit >= 0) sql += " LIMIT " + std::to_string(filter.limit);
  auto stmt = m_db.prepare(sql);
  if (!stmt) return stmt.error();
  int i = 1;
  if (!filter.experiment.empty()) stmt->bind(i++, filter.experiment);
  if (filter.status != RunStatus::Unknown) stmt->bind(i++, toString(filter.status));
  if (!filter.parent_run_id.empty()) stmt->bind(i++, filter.parent_run_id);
  std::vector<Run> out;
  while (stmt->step()) out.push_back(readRun(*stmt));
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Status RunRepository::setStatus(const std::string& run_id, RunStatus status,
                                const std::string& message) {
  if (status == RunStatus::Unknown) return makeError("unknown status", run_id);
  return m_db.writeTransaction([&]() -> Status {
    if (auto st = requireRun(m_db, run_id); !st) return st;
    const double now = unixNow();
    auto stmt = m_db.prepare(
        "UPDATE runs SET status = ?2, status_message = ?3, "
        "started_at = CASE WHEN ?2 = 'running' THEN coalesce(started_at, ?4) ELSE started_at END, "
        "ended_at = CASE WHEN ?2 IN ('finished','failed','killed') THEN ?4 ELSE NULL END, "
        "heartbeat_at = ?4 WHERE id = ?1");
    if (!stmt) return stmt.error();
    return stmt->bind(1, run_id).bind(2, toString(status)).bind(3, message).bind(4, now).run();
  });
}

Status RunRepository::claim(const std::string& run_id, std::int64_t pid, RunStatus status) {
  if (status != RunStatus::Running && status != RunStatus::Queued)
    return makeError("a claimed run is running or queued", run_id);
  return m_db.writeTransaction([&]() -> Status {
    if (auto st = requireRun(m_db, run_id); !st) return st;
    // A queued run has not started: its start time is set when it leaves the queue.
    auto stmt = m_db.prepare(
        "UPDATE runs SET status = ?6, status_message = '', ended_at = NULL, "
        "heartbeat_at = ?2, pid = ?3, pid_start_ticks = ?4, host = ?5, "
        "started_at = CASE WHEN ?6 = 'running' THEN coalesce(started_at, ?2) ELSE started_at END "
        "WHERE id = ?1");
    if (!stmt) return stmt.error();
    return stmt->bind(1, run_id)
        .bind(2, unixNow())
        .bind(3, pid)
        .bind(4, processStartTicks(pid))
        .bind(5, localHostName())
        .bind(6, std::string(toString(status)))
        .run();
  });
}

Status RunRepository::setParams(const std::string& run_id, const ParamMap& params) {
  return m_db.writeTransaction([&]() -> Status {
    if (auto st = requireRun(m_db, run_id); !st) return st;
    return upsertPairs(m_db, "params", run_id, params);
  });
}

Result<ParamMap> RunRepository::params(const std::string& run_id) {
  return readPairs(m_db, "params", run_id);
}

Result<std::map<std::string, ParamMap>> RunRepository::allParams() {
  return readAllPairs(m_db, "params");
}

Status RunRepository::setTags(const std::string& run_id, const ParamMap& tags) {
  return m_db.writeTransaction([&]() -> Status {
    if (auto st = requireRun(m_db, run_id); !st) return st;
    return upsertPairs(m_db, "tags", run_id, tags);
  });
}

Status RunRepository::removeTags(const std::string& run_id, const std::vector<std::string>& keys) {
  return m_db.writeTransaction([&]() -> Status {
    if (auto st = requireRun(m_db, run_id); !st) return st;
    auto stmt = m_db.prepare("DELETE FROM tags WHERE run_id = ? AND key = ?");
    if (!stmt) return stmt.error();
    for (const auto& k : keys)
      if (auto st = stmt->bind(1, run_id).bind(2, k).run(); !st) return st;
    return {};
  });
}

Result<ParamMap> RunRepository::tags(const std::string& run_id) {
  return readPairs(m_db, "tags", run_id);
}

Result<std::map<std::string, ParamMap>> RunRepository::allTags() {
  return readAllPairs(m_db, "tags");
}

Status RunRepository::setNotes(const std::string& run_id, const std::string& notes) {
  return m_db.writeTransaction([&]() -> Status {
    if (auto st = requireRun(m_db, run_id); !st) return st;
    auto stmt = m_db.prepare("UPDATE runs SET notes = ? WHERE id = ?");
    if (!stmt) return stmt.error();
    return stmt->bind(1, notes).bind(2, run_id).run();
  });
}

Status RunRepository::addArtifact(const Artifact& a) {
  return m_db.writeTransaction([&]() -> Status {
    if (auto st = requireRun(m_db, a.run_id); !st) return st;
    auto stmt = m_db.prepare(
        "INSERT INTO artifacts(run_id, path, object_id, size_bytes, created_at) "
        "VALUES(?,?,?,?,?) ON CONFLICT(run_id, path) DO UPDATE SET "
        "object_id = excluded.object_id, size_bytes = excluded.size_bytes, "
        "created_at = excluded.created_at");
    if (!stmt) return stmt.error();
    return stmt->bind(1, a.run_id)
        .bind(2, a.path)
        .bind(3, a.object_id)
        .bind(4, a.size_bytes)
        .bind(5, a.created_at > 0 ? a.created_at : unixNow())
        .run();
  });
}

Result<std::vector<Artifact>> RunRepository::artifacts(const std::string& run_id) {
  auto stmt = m_db.prepare(
      "SELECT run_id, path, object_id, size_bytes, created_at FROM artifacts WHERE run_id = ? "
      "ORDER BY path");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  std::vector<Artifact> out;
  while (stmt->step())
    out.push_back({stmt->columnText(0), stmt->columnText(1), stmt->columnText(2),
                   stmt->columnInt(3), stmt->columnDouble(4)});
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Status RunRepository::remove(const std::vector<std::string>& run_ids) {
  Status st = m_db.writeTransaction([&]() -> Status {
    auto stmt = m_db.prepare("DELETE FROM runs WHERE id = ?");
    if (!stmt) return stmt.error();
    for (const auto& id : run_ids) {
      if (auto st = requireRun(m_db, id); !st) return st;
      if (auto st = stmt->bind(1, id).run(); !st) return st;
    }
    return {};
  });
  // Give the metric pages back to the file system (a no-op until the database uses
  // incremental auto-vacuum; `wb gc` converts older ones). Best effort: the rows are gone.
  if (st) (void)m_db.exec("PRAGMA incremental_vacuum");
  return st;
}

Result<int> RunRepository::reapDeadRuns(double stale_heartbeat_s) {
  auto sel = m_db.prepare(
      "SELECT id, coalesce(pid,0), coalesce(pid_start_ticks,0), host, "
      "coalesce(heartbeat_at, started_at, created_at), status FROM runs "
      "WHERE status = 'running' OR (status = 'queued' AND pid IS NOT NULL)");
  if (!sel) return sel.error();
  const std::string host = localHostName();
  const double now = unixNow();
  struct Dead {
    std::string id;
    std::string why;
  };
  std::vector<Dead> dead;
  while (sel->step()) {
    const std::int64_t pid = sel->columnInt(1);
    const std::string run_host = sel->columnText(3);
    const double heartbeat = sel->columnDouble(4);
    const bool queued = sel->columnText(5) == "queued";
    if (run_host == host && pid > 0) {
      if (!processAlive(pid, sel->columnInt(2)))
        dead.push_back({sel->columnText(0),
                        "process " + std::to_string(pid) +
                            (queued ? " ended while the run was queued"
                                    : " ended without finishing the run")});
    } else if (queued) {
      continue;  // waiting elsewhere sends no heartbeat
    } else if (now - heartbeat > stale_heartbeat_s) {
      dead.push_back({sel->columnText(0), "no heartbeat from " + run_host + " for " +
                                              std::to_string(static_cast<int>(now - heartbeat)) +
                                              " s"});
    }
  }
  if (sel->lastError()) return *sel->lastError();
  if (dead.empty()) return 0;
  int marked = 0;
  Status st = m_db.writeTransaction([&]() -> Status {
    auto upd = m_db.prepare(
        "UPDATE runs SET status = 'killed', status_message = ?2, "
        "ended_at = coalesce(heartbeat_at, started_at, created_at) "
        "WHERE id = ?1 AND status IN ('running', 'queued')");
    if (!upd) return upd.error();
    for (const auto& d : dead) {
      if (auto s = upd->bind(1, d.id).bind(2, d.why).run(); !s) return s;
      marked += m_db.changes();
    }
    return {};
  });
  if (!st) return st.error();
  return marked;
}

}  // namespace wb::store
