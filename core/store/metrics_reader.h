#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/store/types.h"

namespace wb::store {

class Database;

/// Where an incremental read of one series stands (see MetricsReader::readNewPoints). Start
/// from a default-constructed one.
struct SeriesCursor {
  std::int64_t key_id = 0;      // 0: not resolved yet
  std::int64_t chunk_id = 0;    // the last chunk read…
  std::int64_t chunk_used = 0;  // …and how many of its points (the writer fills it in place)
  std::int64_t delivered = 0;   // points read so far
};

/// Points of one series as columns, as charts use them.
struct SeriesColumns {
  std::vector<double> steps;
  std::vector<double> values;
  std::vector<double> walls;   // Unix seconds
  std::vector<double> epochs;  // empty until a point carries an epoch; NaN where missing

  std::size_t size() const { return values.size(); }
};

/// Reads metric series and summaries written by MetricsWriter. The only reader of the
/// metric chunk format (packed MetricPoint arrays).
class MetricsReader {
 public:
  explicit MetricsReader(Database& db) : m_db(db) {}

  /// Every point of one series, in logging order.
  Result<std::vector<MetricPoint>> series(const std::string& run_id, const std::string& key);
  /// Appends to `out` the points of (run_id, key) logged since `cursor` (the chunks after its
  /// chunk, and points the writer added to that chunk since) and advances it, so repeated
  /// calls return every point exactly once. Nothing is read while the key does not exist yet.
  /// expected_total (the summary's count; 0 = unknown) sizes the arrays once.
  Status readNewPoints(const std::string& run_id, const std::string& key, SeriesCursor& cursor,
                       SeriesColumns& out, std::int64_t expected_total = 0);
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
