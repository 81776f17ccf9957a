#include "core/store/metrics_reader.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "core/store/database.h"

namespace wb::store {

Result<std::vector<MetricPoint>> MetricsReader::series(const std::string& run_id,
                                                       const std::string& key) {
  auto count = m_db.prepare(
      "SELECT s.count, k.id FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id "
      "WHERE s.run_id = ? AND k.name = ?");
  if (!count) return count.error();
  count->bind(1, run_id).bind(2, key);
  if (!count->step()) {
    if (count->lastError()) return *count->lastError();
    return std::vector<MetricPoint>{};
  }
  const auto expected = static_cast<std::size_t>(count->columnInt(0));
  const std::int64_t key_id = count->columnInt(1);
  count->reset();

  auto stmt = m_db.prepare(
      "SELECT count, data FROM metric_chunks WHERE run_id = ? AND key_id = ? ORDER BY id");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id).bind(2, key_id);
  std::vector<MetricPoint> out;
  out.reserve(expected);
  while (stmt->step()) {
    const auto n = static_cast<std::size_t>(stmt->columnInt(0));
    const auto bytes = static_cast<std::size_t>(stmt->columnBytes(1));
    if (bytes != n * sizeof(MetricPoint))
      return makeError("corrupt metric chunk (size " + std::to_string(bytes) + " for " +
                           std::to_string(n) + " points)",
                       run_id + "/" + key);
    const std::size_t at = out.size();
    out.resize(at + n);
    std::memcpy(out.data() + at, stmt->columnBlob(1), bytes);
  }
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Result<std::vector<std::string>> MetricsReader::keys(const std::string& run_id) {
  auto stmt = m_db.prepare(
      "SELECT k.name FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id "
      "WHERE s.run_id = ? ORDER BY k.name");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  std::vector<std::string> out;
  while (stmt->step()) out.push_back(stmt->columnText(0));
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Result<std::vector<MetricSummary>> MetricsReader::summaries(const std::vector<std::string>& run_ids,
                                                            const std::vector<std::string>& keys) {
  const std::string base =
      "SELECT s.run_id, k.name, s.count, s.last_step, s.last_value, s.last_wall_time, "
      "s.min_value, s.max_value FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id";
  std::unordered_set<std::string> wanted(keys.begin(), keys.end());
  std::vector<MetricSummary> out;
  auto readRows = [&](Statement& stmt) -> Status {
    while (stmt.step()) {
      MetricSummary m;
      m.key = stmt.columnText(1);
      if (!wanted.empty() && !wanted.count(m.key)) continue;
      m.run_id = stmt.columnText(0);
      m.count = stmt.columnInt(2);
      m.last_step = stmt.columnInt(3);
      m.last_value = stmt.columnOptDouble(4);
      m.last_wall_time = stmt.columnDouble(5);
      m.min_value = stmt.columnOptDouble(6);
      m.max_value = stmt.columnOptDouble(7);
      out.push_back(std::move(m));
    }
    if (stmt.lastError()) return *stmt.lastError();
    return {};
  };
  if (run_ids.empty()) {
    auto stmt = m_db.prepare(base + " ORDER BY s.run_id, k.name");
    if (!stmt) return stmt.error();
    if (auto st = readRows(*stmt); !st) return st.error();
    return out;
  }
  constexpr std::size_t kPerQuery = 500;
  for (std::size_t at = 0; at < run_ids.size(); at += kPerQuery) {
    const std::size_t n = std::min(kPerQuery, run_ids.size() - at);
    std::string sql = base + " WHERE s.run_id IN (";
    for (std::size_t i = 0; i < n; ++i) sql += i ? ",?" : "?";
    sql += ") ORDER BY s.run_id, k.name";
    auto stmt = m_db.prepare(sql);
    if (!stmt) return stmt.error();
    for (std::size_t i = 0; i < n; ++i) stmt->bind(static_cast<int>(i + 1), run_ids[at + i]);
    if (auto st = readRows(*stmt); !st) return st.error();
  }
  return out;
}

}  // namespace wb::store
