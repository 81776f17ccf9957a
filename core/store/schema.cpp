#include "core/store/schema.h"

#include <string>

#include "core/common/clock.h"
#include "core/store/database.h"

namespace wb::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "experiments, runs, params, tags", R"sql(
CREATE TABLE experiments(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  created_at REAL NOT NULL);
CREATE TABLE runs(
  id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('queued','running','finished','failed','killed')),
  created_at REAL NOT NULL,
  started_at REAL,
  ended_at REAL,
  heartbeat_at REAL,
  pid INTEGER,
  pid_start_ticks INTEGER,
  host TEXT NOT NULL DEFAULT '',
  config_text TEXT NOT NULL DEFAULT '',
  config_hash TEXT NOT NULL DEFAULT '',
  parent_run_id TEXT REFERENCES runs(id) ON DELETE CASCADE,
  notes TEXT NOT NULL DEFAULT '',
  status_message TEXT NOT NULL DEFAULT '');
CREATE INDEX runs_by_experiment ON runs(experiment_id);
CREATE INDEX runs_by_parent ON runs(parent_run_id);
CREATE INDEX runs_by_status ON runs(status);
CREATE INDEX runs_by_name ON runs(name);
CREATE TABLE params(
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(run_id, key)) WITHOUT ROWID;
CREATE TABLE tags(
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(run_id, key)) WITHOUT ROWID;
)sql"},
      // Metrics are packed: one row holds up to kChunkPoints points of one series, which
      // is what makes a million points a second reachable in SQLite.
      {2, "metrics as chunked series with per-series summaries", R"sql(
CREATE TABLE metric_keys(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE);
CREATE TABLE metric_chunks(
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL REFERENCES metric_keys(id),
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  count INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE INDEX metric_chunks_by_series ON metric_chunks(run_id, key_id, id);
CREATE TABLE metric_summaries(
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL REFERENCES metric_keys(id),
  count INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  last_value REAL,
  last_wall_time REAL NOT NULL,
  min_value REAL,
  max_value REAL,
  PRIMARY KEY(run_id, key_id)) WITHOUT ROWID;
)sql"},
      {3, "artifacts", R"sql(
CREATE TABLE artifacts(
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  object_id TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  created_at REAL NOT NULL,
  PRIMARY KEY(run_id, path)) WITHOUT ROWID;
CREATE INDEX artifacts_by_object ON artifacts(object_id);
)sql"},
      {4, "datasets, dataset versions, run inputs", R"sql(
CREATE TABLE datasets(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at REAL NOT NULL);
CREATE TABLE dataset_versions(
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  parent_version INTEGER,
  manifest_id TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  storage TEXT NOT NULL,
  created_at REAL NOT NULL,
  sample_count INTEGER NOT NULL,
  problem_count INTEGER NOT NULL,
  total_bytes INTEGER NOT NULL,
  stats_json TEXT NOT NULL,
  UNIQUE(dataset_id, version));
CREATE TABLE run_inputs(
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
  role TEXT NOT NULL DEFAULT 'train',
  PRIMARY KEY(run_id, dataset_version_id, role)) WITHOUT ROWID;
CREATE INDEX run_inputs_by_version ON run_inputs(dataset_version_id);
)sql"},
      // New databases get incremental auto-vacuum when created (Database::open); this records
      // it for older ones, where it takes effect at their next VACUUM (gc runs one once).
      {5, "incremental auto-vacuum", R"sql(
PRAGMA auto_vacuum=INCREMENTAL;
)sql"},
      // Version numbers come from next_version, never from max(version): a deleted version's
      // number is not given out again. run_id has no foreign key: deleting a run keeps the
      // models registered from it (their bundles hold everything they need).
      {6, "model registry", R"sql(
CREATE TABLE registered_models(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  next_version INTEGER NOT NULL DEFAULT 1,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL);
CREATE TABLE model_versions(
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  model_type TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT 'run',
  bundle_id TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  run_id TEXT NOT NULL DEFAULT '',
  checkpoint TEXT NOT NULL DEFAULT '',
  dataset TEXT NOT NULL DEFAULT '',
  config_hash TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  signature_json TEXT NOT NULL DEFAULT '{}',
  metrics_json TEXT NOT NULL DEFAULT '{}',
  lineage_json TEXT NOT NULL DEFAULT '{}',
  exports_json TEXT NOT NULL DEFAULT '{}',
  created_at REAL NOT NULL,
  UNIQUE(model_id, version));
CREATE INDEX model_versions_by_bundle ON model_versions(bundle_id);
CREATE INDEX model_versions_by_run ON model_versions(run_id);
CREATE TABLE model_version_tags(
  version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(version_id, key)) WITHOUT ROWID;
CREATE TABLE model_aliases(
  model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  version_id INTEGER NOT NULL REFERENCES model_versions(id),
  updated_at REAL NOT NULL,
  PRIMARY KEY(model_id, alias)) WITHOUT ROWID;
CREATE INDEX model_aliases_by_version ON model_aliases(version_id);
CREATE TABLE model_alias_events(
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  from_version INTEGER,
  to_version INTEGER,
  reason TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  at REAL NOT NULL);
CREATE INDEX model_alias_events_by_model ON model_alias_events(model_id, id);
)sql"},
  };
  return kMigrations;
}

int latestSchemaVersion() { return migrations().back().version; }

Result<int> schemaVersion(Database& db) {
  auto exists = db.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'");
  if (!exists) return exists.error();
  if (!exists->step()) return makeError("cannot read the schema", db.path().string());
  if (exists->columnInt(0) == 0) return 0;
  auto stmt = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!stmt) return stmt.error();
  if (!stmt->step()) return makeError("cannot read the schema version", db.path().string());
  return static_cast<int>(stmt->columnInt(0));
}

Status migrate(Database& db, int target_version) {
  if (target_version < 0) target_version = latestSchemaVersion();
  return db.writeTransaction([&]() -> Status {
    if (auto st = db.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, "
            "description TEXT NOT NULL, applied_at REAL NOT NULL)");
        !st)
      return st;
    auto current = schemaVersion(db);
    if (!current) return current.error();
    if (*current > latestSchemaVersion()) {
      return makeError("the workspace was written by a newer Workbench (schema version " +
                           std::to_string(*current) + ", this build knows up to " +
                           std::to_string(latestSchemaVersion()) + "); upgrade Workbench",
                       db.path().string());
    }
    for (const auto& m : migrations()) {
      if (m.version <= *current || m.version > target_version) continue;
      if (auto st = db.exec(m.sql); !st) {
        return makeError("migration " + std::to_string(m.version) + " failed: " +
                             st.error().message,
                         db.path().string());
      }
      auto rec = db.prepare(
          "INSERT INTO schema_migrations(version, description, applied_at) VALUES(?,?,?)");
      if (!rec) return rec.error();
      if (auto st = rec->bind(1, m.version).bind(2, m.description).bind(3, unixNow()).run(); !st)
        return st;
    }
    return {};
  });
}

}  // namespace wb::store
