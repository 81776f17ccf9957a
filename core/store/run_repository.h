#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/store/types.h"

namespace wb::store {

class Database;

struct NewRun {
  std::string experiment = "Default";
  std::string name;  // empty: a generated readable name
  RunStatus status = RunStatus::Running;
  std::int64_t pid = 0;  // the process that owns the run; 0: none yet (queued)
  std::string config_text;
  std::string parent_run_id;
  ParamMap params;
  ParamMap tags;
  std::string notes;
};

struct RunFilter {
  std::string experiment;  // empty: all
  RunStatus status = RunStatus::Unknown;  // Unknown: all
  std::string parent_run_id;
  int limit = -1;
};

/// Reads and writes runs, experiments, params, tags and artifacts. Holds no state but the
/// connection; cheap to create per call site.
class RunRepository {
 public:
  explicit RunRepository(Database& db) : m_db(db) {}

  Result<std::int64_t> ensureExperiment(const std::string& name);
  Result<std::vector<Experiment>> experiments();

  Result<Run> create(const NewRun& spec);
  /// By full id, unique id prefix (at least 4 characters) or exact name (newest wins).
  Result<Run> find(const std::string& id_or_name);
  Result<std::vector<Run>> list(const RunFilter& filter = {});

  Status setStatus(const std::string& run_id, RunStatus status, const std::string& message = {});
  Status setParams(const std::string& run_id, const ParamMap& params);
  /// Makes process PID the owner of a run (a queued run starting, a run resuming): STATUS
  /// (running or queued), new pid and host, started_at set if it was not.
  Status claim(const std::string& run_id, std::int64_t pid, RunStatus status = RunStatus::Running);
  Result<ParamMap> params(const std::string& run_id);
  /// All params of all runs: run id → params. One query, for tables.
  Result<std::map<std::string, ParamMap>> allParams();
  Status setTags(const std::string& run_id, const ParamMap& tags);
  Status removeTags(const std::string& run_id, const std::vector<std::string>& keys);
  Result<ParamMap> tags(const std::string& run_id);
  Result<std::map<std::string, ParamMap>> allTags();
  Status setNotes(const std::string& run_id, const std::string& notes);
  Status addArtifact(const Artifact& artifact);
  Result<std::vector<Artifact>> artifacts(const std::string& run_id);
  /// Deletes runs with everything they own (params, tags, metrics, artifact records).
  Status remove(const std::vector<std::string>& run_ids);

  /// Marks `running` runs whose process is gone as `killed`: on this host by pid (and its
  /// start time, so a reused pid is not mistaken for the run), elsewhere by a stale heartbeat.
  /// Returns how many runs it marked.
  Result<int> reapDeadRuns(double stale_heartbeat_s = 120.0);

 private:
  Database& m_db;
};

}  // namespace wb::store
