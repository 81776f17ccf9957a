#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wb::store {

enum class RunStatus { Unknown, Queued, Running, Finished, Failed, Killed };

std::string_view toString(RunStatus status);
RunStatus runStatusFromString(std::string_view text);
inline bool isTerminal(RunStatus s) {
  return s == RunStatus::Finished || s == RunStatus::Failed || s == RunStatus::Killed;
}

struct Experiment {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  double created_at = 0;
};

/// A run as stored. Times are Unix seconds; empty optionals are "not yet".
struct Run {
  std::string id;
  std::int64_t experiment_id = 0;
  std::string experiment;
  std::string name;
  RunStatus status = RunStatus::Unknown;
  double created_at = 0;
  std::optional<double> started_at;
  std::optional<double> ended_at;
  std::optional<double> heartbeat_at;
  std::int64_t pid = 0;
  std::int64_t pid_start_ticks = 0;
  std::string host;
  std::string config_text;
  std::string config_hash;
  std::string parent_run_id;
  std::string notes;
  std::string status_message;

  /// Seconds from start to end (or to now while running); nullopt if it never started.
  std::optional<double> durationSeconds(double now) const;
};

/// One logged point of a metric series. Trivially copyable: chunks are arrays of these.
struct MetricPoint {
  std::int64_t step = 0;
  double epoch = 0;      // NaN when not given
  double wall_time = 0;  // Unix seconds
  double value = 0;
};
static_assert(sizeof(MetricPoint) == 32);

/// Per run and key: what tables and comparisons need without reading the series.
struct MetricSummary {
  std::string run_id;
  std::string key;
  std::int64_t count = 0;
  std::int64_t last_step = 0;
  std::optional<double> last_value;  // nullopt for NaN/inf
  double last_wall_time = 0;
  std::optional<double> min_value;
  std::optional<double> max_value;

  /// Best value: the minimum for loss/error-like keys, the maximum otherwise.
  std::optional<double> best() const;
};

/// True for keys where lower is better (loss, error, mae, rmse, perplexity…).
bool lowerIsBetter(std::string_view key);

struct Artifact {
  std::string run_id;
  std::string path;
  std::string object_id;
  std::int64_t size_bytes = 0;
  double created_at = 0;
};

using ParamMap = std::map<std::string, std::string>;

}  // namespace wb::store
