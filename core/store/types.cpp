#include "core/store/types.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace wb::store {

std::string_view toString(RunStatus status) {
  switch (status) {
    case RunStatus::Queued: return "queued";
    case RunStatus::Running: return "running";
    case RunStatus::Finished: return "finished";
    case RunStatus::Failed: return "failed";
    case RunStatus::Killed: return "killed";
    case RunStatus::Unknown: break;
  }
  return "unknown";
}

RunStatus runStatusFromString(std::string_view text) {
  for (auto s : {RunStatus::Queued, RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                 RunStatus::Killed}) {
    if (toString(s) == text) return s;
  }
  return RunStatus::Unknown;
}

std::optional<double> Run::durationSeconds(double now) const {
  if (!started_at) return std::nullopt;
  if (ended_at) return *ended_at - *started_at;
  if (status == RunStatus::Running) return now - *started_at;
  if (heartbeat_at) return *heartbeat_at - *started_at;
  return std::nullopt;
}

bool lowerIsBetter(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array kLowerBetter = {"loss", "error", "err", "mae", "mse", "rmse",
                                              "perplexity", "latency", "time"};
  return std::any_of(kLowerBetter.begin(), kLowerBetter.end(),
                     [&](const char* word) { return lower.find(word) != std::string::npos; });
}

std::optional<double> MetricSummary::best() const {
  return lowerIsBetter(key) ? min_value : max_value;
}

}  // namespace wb::store
