#pragma once

// How runs compare: the rules shared by the GUI's Compare section and `wb runs compare`.

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/numbers.h"
#include "core/metrics/series_ops.h"
#include "core/store/types.h"

namespace wb::metrics {

/// A whole-string finite number ("0.01", "1e-2", "32") by wb::parseDouble's rules (never the
/// process locale); nullopt for anything else.
inline std::optional<double> parseNumber(std::string_view text) { return parseDouble(text); }

/// Equal as text or as numbers: "0.01" and "1e-2" are the same learning rate. A missing value
/// equals only another missing one.
inline bool sameParamValue(const std::optional<std::string>& a,
                           const std::optional<std::string>& b) {
  if (!a || !b) return !a && !b;
  if (*a == *b) return true;
  const auto x = parseNumber(*a), y = parseNumber(*b);
  return x && y && *x == *y;
}

/// One param across the compared runs.
struct ParamDiffRow {
  std::string key;
  std::vector<std::optional<std::string>> values;  // per run; nullopt = the run lacks it
  bool differs = false;                            // any two runs disagree, or some lack it
};

/// Every key any run has, sorted; one value per run in the runs' order.
inline std::vector<ParamDiffRow> diffParams(const std::vector<const store::ParamMap*>& runs) {
  std::set<std::string> keys;
  for (const auto* params : runs)
    if (params)
      for (const auto& [k, v] : *params) keys.insert(k);
  std::vector<ParamDiffRow> rows;
  rows.reserve(keys.size());
  for (const auto& key : keys) {
    ParamDiffRow row{key, {}, false};
    for (const auto* params : runs) {
      const auto it = params ? params->find(key) : store::ParamMap::const_iterator{};
      row.values.push_back(params && it != params->end() ? std::optional(it->second)
                                                         : std::nullopt);
    }
    for (std::size_t i = 1; i < row.values.size(); ++i)
      row.differs = row.differs || !sameParamValue(row.values[0], row.values[i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

/// A metric's best value: the minimum when lower is better, else the maximum.
inline std::optional<double> bestValue(const store::MetricSummary& s, Goal goal) {
  return goal == Goal::Min ? s.min_value : s.max_value;
}

struct RankedRun {
  std::size_t index = 0;  // into the summaries given
  double best = 0;
  std::optional<double> last;
};

/// Runs with a finite best value, best first; ties broken by the last value, then by order.
/// summaries[i] is run i's summary of the metric, nullptr when it did not log it.
inline std::vector<RankedRun> rankRuns(const std::vector<const store::MetricSummary*>& summaries,
                                       Goal goal) {
  std::vector<RankedRun> ranked;
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    if (!summaries[i]) continue;
    if (const auto v = bestValue(*summaries[i], goal))
      ranked.push_back({i, *v, summaries[i]->last_value});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const RankedRun& a, const RankedRun& b) {
    if (a.best != b.best) return isBetter(a.best, b.best, goal);
    return a.last && (!b.last || isBetter(*a.last, *b.last, goal));
  });
  return ranked;
}

/// Whether a numeric axis reads better on a log scale: every value positive and the largest
/// at least ten times the smallest (learning rates 0.1 … 0.003, weight decays).
inline bool prefersLogScale(const std::vector<double>& values) {
  if (values.size() < 2) return false;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return *lo > 0 && *hi / *lo >= 10.0;
}

}  // namespace wb::metrics
