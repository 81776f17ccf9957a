#include "core/store/metrics_writer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/common/clock.h"
#include "core/store/database.h"

namespace wb::store {

namespace {
std::string seriesName(const std::string& run_id, const std::string& key) {
  return run_id + '\x1f' + key;
}
}  // namespace

Result<std::unique_ptr<MetricsWriter>> MetricsWriter::open(const std::filesystem::path& db_path,
                                                           MetricsWriterOptions options) {
  auto db = Database::open(db_path, OpenMode::ReadWrite);
  if (!db) return db.error();
  if (options.batch_points == 0) options.batch_points = 1;
  std::unique_ptr<MetricsWriter> writer(new MetricsWriter(std::move(*db), std::move(options)));
  writer->m_thread = std::thread([w = writer.get()] { w->threadMain(); });
  return writer;
}

MetricsWriter::MetricsWriter(std::unique_ptr<Database> db, MetricsWriterOptions options)
    : m_db(std::move(db)), m_options(std::move(options)) {}

MetricsWriter::~MetricsWriter() { (void)close(); }

MetricsWriter::SeriesHandle MetricsWriter::series(const std::string& run_id,
                                                  const std::string& key) {
  std::lock_guard lock(m_mutex);
  const auto name = seriesName(run_id, key);
  if (auto it = m_series_by_name.find(name); it != m_series_by_name.end()) return it->second;
  const auto handle = static_cast<SeriesHandle>(m_series.size());
  m_series.push_back({run_id, key, 0});
  m_pending.emplace_back();
  m_series_by_name.emplace(name, handle);
  return handle;
}

void MetricsWriter::log(SeriesHandle series, std::int64_t step, double value, double epoch,
                        double wall_time) {
  if (wall_time <= 0) wall_time = unixNow();
  std::unique_lock lock(m_mutex);
  if (series >= m_pending.size()) return;
  m_pending[series].push_back({step, epoch, wall_time, value});
  ++m_pending_count;
  if (m_pending_count >= m_options.batch_points) {
    m_wake.notify_one();
    // Back-pressure: a producer far ahead of the disk waits instead of growing without bound.
    if (m_pending_count >= 4 * m_options.batch_points && !m_stop && !m_last_error)
      m_drained.wait(lock, [&] {
        return m_pending_count < 2 * m_options.batch_points || m_stop || m_last_error;
      });
  }
}

void MetricsWriter::log(const std::string& run_id, const std::string& key, std::int64_t step,
                        double value, double epoch, double wall_time) {
  log(series(run_id, key), step, value, epoch, wall_time);
}

std::size_t MetricsWriter::pendingPoints() const {
  std::lock_guard lock(m_mutex);
  return m_pending_count;
}

std::uint64_t MetricsWriter::writtenPoints() const {
  std::lock_guard lock(m_mutex);
  return m_written;
}

void MetricsWriter::threadMain() {
  using clock = std::chrono::steady_clock;
  auto last_heartbeat = clock::now();
  std::unique_lock lock(m_mutex);
  while (!m_stop) {
    m_wake.wait_for(lock, std::chrono::milliseconds(m_options.flush_interval_ms), [&] {
      return m_stop || m_pending_count >= m_options.batch_points;
    });
    if (m_stop) break;
    const bool heartbeat_due =
        !m_options.heartbeat_run.empty() &&
        clock::now() - last_heartbeat > std::chrono::milliseconds(m_options.heartbeat_interval_ms);
    if (m_pending_count == 0 && !heartbeat_due) continue;
    (void)flushLocked(lock);
    last_heartbeat = clock::now();
    if (m_last_error) {
      // Keep the points and try again later rather than spin on a full disk.
      m_wake.wait_for(lock, std::chrono::milliseconds(m_options.flush_interval_ms),
                      [&] { return m_stop; });
    }
  }
}

Status MetricsWriter::flush() {
  std::unique_lock lock(m_mutex);
  return flushLocked(lock);
}

Status MetricsWriter::close() {
  Status result;
  {
    std::unique_lock lock(m_mutex);
    if (m_stop && !m_thread.joinable() && m_pending_count == 0) return {};
    m_stop = true;
    m_wake.notify_all();
    m_drained.notify_all();
  }
  if (m_thread.joinable()) m_thread.join();
  std::unique_lock lock(m_mutex);
  return flushLocked(lock);
}

// Called with m_mutex held; releases it while writing so producers keep logging.
Status MetricsWriter::flushLocked(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  std::lock_guard flush_guard(m_flush_mutex);
  lock.lock();
  std::vector<std::vector<MetricPoint>> batch(m_pending.size());
  for (std::size_t i = 0; i < m_pending.size(); ++i) batch[i].swap(m_pending[i]);
  const std::size_t count = m_pending_count;
  m_pending_count = 0;
  lock.unlock();

  Status st = writeBatch(batch);

  lock.lock();
  if (!st) {
    // Put the points back in front of anything logged meanwhile: nothing is lost.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].empty()) continue;
      batch[i].insert(batch[i].end(), m_pending[i].begin(), m_pending[i].end());
      m_pending[i].swap(batch[i]);
    }
    m_pending_count += count;
    m_last_error = st.error();
  } else {
    m_written += count;
    m_last_error.reset();
  }
  m_drained.notify_all();
  return st;
}

Status MetricsWriter::writeBatch(std::vector<std::vector<MetricPoint>>& batch) {
  std::vector<SeriesInfo> series;
  {
    std::lock_guard lock(m_mutex);
    series = m_series;  // handles below batch.size() are stable
  }
  Database& db = *m_db;
  const double now = unixNow();
  std::vector<std::pair<std::size_t, std::int64_t>> resolved_keys;
  Status st = db.writeTransaction([&]() -> Status {
    auto key_ins = db.prepare("INSERT INTO metric_keys(name) VALUES(?) ON CONFLICT(name) DO NOTHING");
    auto key_sel = db.prepare("SELECT id FROM metric_keys WHERE name = ?");
    auto tail_sel = db.prepare(
        "SELECT id, count, data FROM metric_chunks WHERE run_id = ? AND key_id = ? "
        "ORDER BY id DESC LIMIT 1");
    auto chunk_ins = db.prepare(
        "INSERT INTO metric_chunks(run_id, key_id, first_step, last_step, count, data) "
        "VALUES(?,?,?,?,?,?)");
    auto chunk_upd = db.prepare(
        "UPDATE metric_chunks SET last_step = ?, count = ?, data = ? WHERE id = ?");
    auto summary = db.prepare(
        "INSERT INTO metric_summaries(run_id, key_id, count, last_step, last_value, "
        "last_wall_time, min_value, max_value) VALUES(?1,?2,?3,?4,?5,?6,?7,?8) "
        "ON CONFLICT(run_id, key_id) DO UPDATE SET count = count + excluded.count, "
        "last_step = excluded.last_step, last_value = excluded.last_value, "
        "last_wall_time = excluded.last_wall_time, "
        "min_value = CASE WHEN min_value IS NULL THEN excluded.min_value "
        "  WHEN excluded.min_value IS NULL THEN min_value "
        "  ELSE min(min_value, excluded.min_value) END, "
        "max_value = CASE WHEN max_value IS NULL THEN excluded.max_value "
        "  WHEN excluded.max_value IS NULL THEN max_value "
        "  ELSE max(max_value, excluded.max_value) END");
    auto run_check = db.prepare("SELECT 1 FROM runs WHERE id = ?");
    for (auto* s : {&key_ins, &key_sel, &tail_sel, &chunk_ins, &chunk_upd, &summary, &run_check})
      if (!*s) return s->error();

    std::vector<MetricPoint> merged;
    for (std::size_t h = 0; h < batch.size(); ++h) {
      auto& points = batch[h];
      if (points.empty()) continue;
      const auto& info = series[h];
      run_check->bind(1, info.run_id);
      const bool run_exists = run_check->step();
      run_check->reset();
      if (!run_exists) {
        // The run was deleted while it logged: its points have nowhere to go.
        points.clear();
        continue;
      }
      std::int64_t key_id = info.key_id;
      if (key_id == 0) {
        if (auto s = key_ins->bind(1, info.key).run(); !s) return s;
        key_sel->bind(1, info.key);
        if (!key_sel->step()) return makeError("cannot resolve metric key", info.key);
        key_id = key_sel->columnInt(0);
        key_sel->reset();
        resolved_keys.emplace_back(h, key_id);
      }

      // Fill the series' last chunk before starting new ones: chunks stay full, reads fast.
      std::size_t offset = 0;
      tail_sel->bind(1, info.run_id).bind(2, key_id);
      if (tail_sel->step()) {
        const auto tail_count = static_cast<std::size_t>(tail_sel->columnInt(1));
        if (tail_count < kChunkPoints &&
            static_cast<std::size_t>(tail_sel->columnBytes(2)) == tail_count * sizeof(MetricPoint)) {
          const std::int64_t tail_id = tail_sel->columnInt(0);
          const std::size_t take = std::min(kChunkPoints - tail_count, points.size());
          merged.resize(tail_count + take);
          std::memcpy(merged.data(), tail_sel->columnBlob(2), tail_count * sizeof(MetricPoint));
          std::memcpy(merged.data() + tail_count, points.data(), take * sizeof(MetricPoint));
          tail_sel->reset();
          chunk_upd->bind(1, merged.back().step)
              .bind(2, static_cast<std::int64_t>(merged.size()))
              .bindBlob(3, merged.data(), merged.size() * sizeof(MetricPoint))
              .bind(4, tail_id);
          if (auto s = chunk_upd->run(); !s) return s;
          offset = take;
        }
      }
      tail_sel->reset();
      for (; offset < points.size(); offset += kChunkPoints) {
        const std::size_t n = std::min(kChunkPoints, points.size() - offset);
        const MetricPoint* first = points.data() + offset;
        chunk_ins->bind(1, info.run_id)
            .bind(2, key_id)
            .bind(3, first->step)
            .bind(4, first[n - 1].step)
            .bind(5, static_cast<std::int64_t>(n))
            .bindBlob(6, first, n * sizeof(MetricPoint));
        if (auto s = chunk_ins->run(); !s) return s;
      }

      std::optional<double> lo, hi;
      for (const auto& p : points) {
        if (!std::isfinite(p.value)) continue;
        lo = lo ? std::min(*lo, p.value) : p.value;
        hi = hi ? std::max(*hi, p.value) : p.value;
      }
      const auto& last = points.back();
      summary->bind(1, info.run_id)
          .bind(2, key_id)
          .bind(3, static_cast<std::int64_t>(points.size()))
          .bind(4, last.step)
          .bind(5, std::isfinite(last.value) ? std::optional<double>(last.value) : std::nullopt)
          .bind(6, last.wall_time)
          .bind(7, lo)
          .bind(8, hi);
      if (auto s = summary->run(); !s) return s;
    }
    if (!m_options.heartbeat_run.empty()) {
      auto hb = db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'");
      if (!hb) return hb.error();
      if (auto s = hb->bind(1, now).bind(2, m_options.heartbeat_run).run(); !s) return s;
    }
    return {};
  });
  if (st) {
    std::lock_guard lock(m_mutex);
    for (const auto& [h, id] : resolved_keys) m_series[h].key_id = id;
  }
  return st;
}

}  // namespace wb::store
