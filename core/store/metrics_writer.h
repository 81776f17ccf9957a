#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/common/result.h"
#include "core/store/types.h"

namespace wb::store {

class Database;

struct MetricsWriterOptions {
  std::size_t batch_points = 65'536;  // flush when this many points are pending
  int flush_interval_ms = 1000;       // …or when the oldest pending point is this old
  int heartbeat_interval_ms = 10'000;  // heartbeat for heartbeat_run even when idle
  std::string heartbeat_run;           // the run this process owns, if any
};

/// Buffers metric points and writes them in batched transactions from a background thread.
/// log() is cheap and thread-safe; points become visible to readers at each flush.
/// A failed flush (disk full, …) keeps the points and reports the error from flush()/close().
class MetricsWriter {
 public:
  using SeriesHandle = std::uint32_t;
  static constexpr std::size_t kChunkPoints = 1024;

  static Result<std::unique_ptr<MetricsWriter>> open(const std::filesystem::path& db_path,
                                                     MetricsWriterOptions options = {});
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  /// A handle for a (run, key) series; resolving it once keeps log() free of string hashing.
  SeriesHandle series(const std::string& run_id, const std::string& key);

  static constexpr double kNoEpoch = std::numeric_limits<double>::quiet_NaN();
  void log(SeriesHandle series, std::int64_t step, double value, double epoch = kNoEpoch,
           double wall_time = 0);
  void log(const std::string& run_id, const std::string& key, std::int64_t step, double value,
           double epoch = kNoEpoch, double wall_time = 0);

  /// Writes everything pending now and waits for it.
  Status flush();
  /// Flushes and stops the background thread. Called by the destructor too.
  Status close();

  std::size_t pendingPoints() const;
  std::uint64_t writtenPoints() const;

 private:
  struct SeriesInfo {
    std::string run_id;
    std::string key;
    std::int64_t key_id = 0;  // 0: not yet resolved in the database
  };

  explicit MetricsWriter(std::unique_ptr<Database> db, MetricsWriterOptions options);
  void threadMain();
  Status flushLocked(std::unique_lock<std::mutex>& lock);
  Status writeBatch(std::vector<std::vector<MetricPoint>>& batch);

  std::unique_ptr<Database> m_db;  // used only under m_flush_mutex
  MetricsWriterOptions m_options;

  mutable std::mutex m_mutex;  // guards everything below up to m_stop
  std::condition_variable m_wake;
  std::condition_variable m_drained;
  std::vector<SeriesInfo> m_series;
  std::unordered_map<std::string, SeriesHandle> m_series_by_name;
  std::vector<std::vector<MetricPoint>> m_pending;  // indexed by SeriesHandle
  std::size_t m_pending_count = 0;
  std::uint64_t m_written = 0;
  std::optional<Error> m_last_error;
  bool m_stop = false;

  std::mutex m_flush_mutex;  // one flush at a time
  std::thread m_thread;
};

}  // namespace wb::store
