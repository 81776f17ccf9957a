#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QThread>

class QJsonObject;
class QTimer;

namespace wb::ui {

namespace detail {
class MetricSeriesWorker;
struct WorkerBatch;
}  // namespace detail

/// What a chart's x axis shows.
enum class XAxisMode { Unknown = 0, Step, Epoch, WallTime, RelativeTime };

QString toString(XAxisMode mode);  // "step", "epoch", "wall", "relative"
XAxisMode xAxisModeFromString(const QString& text);

/// One series in memory: parallel contiguous arrays in logging order.
struct MetricSeries {
  std::vector<double> steps;
  std::vector<double> values;
  std::vector<double> wall_times;  // Unix seconds
  std::vector<double> epochs;      // empty until a point carries an epoch; NaN where missing
  std::size_t db_points = 0;       // leading points read from the database; the rest came live
  std::uint64_t revision = 0;      // bumps on every change
  std::uint64_t generation = 0;    // bumps when points other than appended ones change
  bool loaded = false;             // the database's points are in (first read done)
  bool steps_sorted = true;        // non-decreasing
  bool wall_sorted = true;         // non-decreasing
  bool epochs_sorted = false;      // epochs exist, all finite and non-decreasing

  std::size_t size() const { return values.size(); }
  bool empty() const { return values.empty(); }
  /// x of every point in this mode when it can be plotted as is (sorted, finite); empty
  /// otherwise, and the chart sorts a copy. RelativeTime gives wall times (subtract the origin).
  std::span<const double> xs(XAxisMode mode) const;
  /// The x array of this mode even when unsorted (epochs may be empty).
  const std::vector<double>& rawXs(XAxisMode mode) const;
  std::size_t memoryBytes() const;
};

/// Series of metric points per (run, key), shared by every chart of a window.
///
/// Reads from the workspace database happen on a worker thread with its own connection:
/// a series is read once when first requested, then topped up incrementally (only the chunks
/// written since) while the poll sees the database change; runs started anywhere (CLI, another
/// GUI) are covered that way. Training processes launched by this GUI feed appendLive() /
/// appendEvent() for sub-second updates; the database later confirms those points and
/// replaces them without duplicates. seriesChanged() is emitted once per series per batch.
class MetricSeriesStore : public QObject {
  Q_OBJECT
 public:
  static constexpr int kDefaultPollIntervalMs = 250;
  static constexpr int kLiveCoalesceMs = 10;

  explicit MetricSeriesStore(QObject* parent = nullptr);
  explicit MetricSeriesStore(const QString& db_path, QObject* parent = nullptr);
  ~MetricSeriesStore() override;

  /// The workspace database; an empty path keeps the store live-only. Changing it drops
  /// everything loaded.
  void setDatabasePath(const QString& path);
  QString databasePath() const { return m_db_path; }
  void setPollInterval(int interval_ms);
  int pollInterval() const { return m_poll_interval_ms; }

  /// Interest in runs, counted per run: the first acquire reads the run's keys and starts
  /// polling it; the last release frees its series.
  void acquireRuns(const QStringList& run_ids);
  void releaseRuns(const QStringList& run_ids);
  bool isAcquired(const QString& run_id) const { return m_runs.contains(run_id); }
  QStringList acquiredRuns() const { return m_runs.keys(); }

  /// Keys known for a run (database and live), sorted.
  QStringList keys(const QString& run_id) const;
  /// Starts reading (run, key) if it is not loaded or loading; seriesChanged follows.
  void request(const QString& run_id, const QString& key);
  /// nullptr until something (database or live) arrived for it.
  const MetricSeries* series(const QString& run_id, const QString& key) const;
  bool isLoaded(const QString& run_id, const QString& key) const;
  /// Relative time's origin: the run's start as stored, else its earliest loaded point.
  double runStartTime(const QString& run_id) const;

  static constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();
  /// A point from a training process's event stream. Thread-safe and cheap: staged, then
  /// applied in one batch kLiveCoalesceMs later on this object's thread. A point at or
  /// before the series' last step is dropped (the database already gave it). Runs nobody
  /// acquired are ignored. wall_time NaN = now.
  void appendLive(const QString& run_id, const QString& key, qint64 step, double value,
                  double wall_time = kNoValue, double epoch = kNoValue);
  /// One JSON event of `wb train` / `wb sweep` (a line of its stdout): "step" adds
  /// train/loss_step (as the trainer logs it), "epoch" adds every metric of its "metrics".
  /// Events without a run_id use fallback_run_id. Returns how many points were staged.
  int appendEvent(const QJsonObject& event, const QString& fallback_run_id = {});
  /// Applies staged live points now.
  void flushLive();
  /// Polls the database now instead of at the next tick.
  void pollNow();

  std::size_t memoryBytes() const;

 Q_SIGNALS:
  void seriesChanged(const QString& run_id, const QString& key);
  void keysChanged(const QString& run_id);
  void loadFailed(const QString& message);

 private:
  friend class detail::MetricSeriesWorker;  // hands batches to applyBatch()

  struct LivePoint {
    QString run_id;
    QString key;
    double step, value, wall_time, epoch;
  };
  struct RunState {
    int refs = 0;
    quint64 token = 0;  // this acquisition; batches from an older one are dropped
    double start_time = kNoValue;
    QSet<QString> db_keys;
    QSet<QString> live_keys;
    QHash<QString, std::shared_ptr<MetricSeries>> series;
    QSet<QString> requested;
  };

  void startWorker();
  void stopWorker();
  void applyBatch(const std::shared_ptr<detail::WorkerBatch>& batch);
  void scheduleLiveFlush();

  QString m_db_path;
  int m_poll_interval_ms = kDefaultPollIntervalMs;
  QHash<QString, RunState> m_runs;
  quint64 m_next_token = 0;

  QThread m_thread;
  detail::MetricSeriesWorker* m_worker = nullptr;  // lives on m_thread

  std::mutex m_live_mutex;
  std::vector<LivePoint> m_live_staged;  // guarded by m_live_mutex
  bool m_live_scheduled = false;         // guarded by m_live_mutex
  QTimer* m_live_timer = nullptr;
};

}  // namespace wb::ui
