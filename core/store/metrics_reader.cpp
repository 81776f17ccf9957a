#include "core/store/metrics_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
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

Status MetricsReader::readNewPoints(const std::string& run_id, const std::string& key,
                                    SeriesCursor& cursor, SeriesColumns& out,
                                    std::int64_t expected_total) {
  auto fail = [&](const std::string& text) { return makeError(text, run_id + "/" + key); };
  if (cursor.key_id == 0) {
    auto stmt = m_db.prepare("SELECT id FROM metric_keys WHERE name = ?");
    if (!stmt) return fail(stmt.error().text());
    stmt->bind(1, key);
    if (!stmt->step()) {
      if (stmt->lastError()) return fail(stmt->lastError()->text());
      return {};  // not logged yet
    }
    cursor.key_id = stmt->columnInt(0);
  }
  auto stmt = m_db.prepare(
      "SELECT id, count, data FROM metric_chunks WHERE run_id = ? AND key_id = ? AND id >= ? "
      "ORDER BY id");
  if (!stmt) return fail(stmt.error().text());
  stmt->bind(1, run_id).bind(2, cursor.key_id).bind(3, cursor.chunk_id);
  // Size the arrays once: growing them by doubling would leave up to half of a million-point
  // series' memory unused.
  if (expected_total > cursor.delivered) {
    const auto more = static_cast<std::size_t>(expected_total - cursor.delivered);
    for (auto* v : {&out.steps, &out.values, &out.walls}) v->reserve(v->size() + more);
  }
  bool any_epoch = !out.epochs.empty();
  while (stmt->step()) {
    const std::int64_t id = stmt->columnInt(0);
    const auto n = static_cast<std::size_t>(stmt->columnInt(1));
    const auto bytes = static_cast<std::size_t>(stmt->columnBytes(2));
    if (bytes != n * sizeof(MetricPoint)) return fail("corrupt metric chunk");
    const std::size_t skip =
        id == cursor.chunk_id ? static_cast<std::size_t>(cursor.chunk_used) : 0;
    const auto* data = static_cast<const unsigned char*>(stmt->columnBlob(2));
    const std::size_t at = out.values.size();
    const std::size_t add = n > skip ? n - skip : 0;
    out.steps.resize(at + add);
    out.values.resize(at + add);
    out.walls.resize(at + add);
    if (any_epoch) out.epochs.resize(at + add);
    for (std::size_t i = 0; i < add; ++i) {
      MetricPoint p;  // the blob carries no alignment promise
      std::memcpy(&p, data + (skip + i) * sizeof(p), sizeof(p));
      out.steps[at + i] = static_cast<double>(p.step);
      out.values[at + i] = p.value;
      out.walls[at + i] = p.wall_time;
      if (!any_epoch && !std::isnan(p.epoch)) {
        any_epoch = true;
        out.epochs.reserve(out.values.capacity());
        out.epochs.assign(at + add, std::numeric_limits<double>::quiet_NaN());
      }
      if (any_epoch) out.epochs[at + i] = p.epoch;
    }
    cursor.chunk_id = id;
    cursor.chunk_used = static_cast<std::int64_t>(n);
    cursor.delivered += static_cast<std::int64_t>(add);
  }
  if (stmt->lastError()) return fail(stmt->lastError()->text());
  return {};
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
