#pragma once

#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/store/types.h"

namespace wb::store {

class Database;

/// Reads metric series and summaries written by MetricsWriter.
class MetricsReader {
 public:
  explicit MetricsReader(Database& db) : m_db(db) {}

  /// Every point of one series, in logging order.
  Result<std::vector<MetricPoint>> series(const std::string& run_id, const std::string& key);
  /// The metric keys a run has logged, sorted.
  Result<std::vector<std::string>> keys(const std::string& run_id);
  /// Summaries (count, last, min, max) for these runs (all runs if empty), optionally only
  /// for some keys. One query per few hundred runs: fast enough for tables of thousands.
  Result<std::vector<MetricSummary>> summaries(const std::vector<std::string>& run_ids = {},
                                               const std::vector<std::string>& keys = {});

 private:
  Database& m_db;
};

}  // namespace wb::store
