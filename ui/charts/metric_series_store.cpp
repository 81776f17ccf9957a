#include "ui/charts/metric_series_store.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>

#include <QDateTime>
#include <QJsonObject>
#include <QTimer>

#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"
#include "core/store/types.h"

namespace wb::ui {

namespace detail {

/// New points of one series from the database, as arrays.
struct SeriesDelta : store::SeriesColumns {
  QString run_id;
  QString key;
  quint64 token = 0;
  bool initial = false;  // the first read: everything the database held
};

struct WorkerBatch {
  std::vector<SeriesDelta> series;
  struct Keys {
    QString run_id;
    quint64 token;
    QStringList keys;
  };
  std::vector<Keys> keys;
  struct Start {
    QString run_id;
    quint64 token;
    double start_time;
  };
  std::vector<Start> starts;
  QString error;
  std::size_t points = 0;
  bool empty() const { return series.empty() && keys.empty() && starts.empty() && error.isEmpty(); }
};

/// Lives on the store's thread; owns the read connection. Everything here runs there.
class MetricSeriesWorker : public QObject {
  Q_OBJECT
 public:
  // Initial reads are handed over in batches of about this many points, so the first
  // panels draw while the rest load.
  static constexpr std::size_t kBatchPoints = 1'000'000;

  MetricSeriesWorker(MetricSeriesStore* store, std::string db_path, int poll_interval_ms)
      : m_store(store), m_db_path(std::move(db_path)), m_poll_interval_ms(poll_interval_ms) {}

  void start() {
    m_timer = new QTimer(this);
    m_timer->setInterval(m_poll_interval_ms);
    connect(m_timer, &QTimer::timeout, this, [this] { poll(false); });
    m_timer->start();
  }
  void setPollInterval(int interval_ms) {
    m_poll_interval_ms = interval_ms;
    if (m_timer) m_timer->setInterval(interval_ms);
  }
  void watch(const QString& run_id, quint64 token) {
    auto& run = m_runs[run_id.toStdString()];
    run = Run{};
    run.token = token;
    schedule();
  }
  void unwatch(const QString& run_id) { m_runs.erase(run_id.toStdString()); }
  void track(const QString& run_id, const QString& key, quint64 token) {
    auto it = m_runs.find(run_id.toStdString());
    if (it == m_runs.end() || it->second.token != token) return;
    auto [cursor, inserted] = it->second.tracked.try_emplace(key.toStdString());
    if (!inserted) return;
    m_pending.emplace_back(run_id.toStdString(), key.toStdString());
    schedule();
  }
  void pollNow() { poll(true); }

 private:
  struct Cursor {
    store::SeriesCursor read;
    bool initial_done = false;
  };
  struct Run {
    quint64 token = 0;
    std::map<std::string, Cursor> tracked;
    std::map<std::string, std::int64_t> counts;  // points per key at the last summary read
    QStringList keys;
    bool keys_sent = false;
    bool start_sent = false;
  };

  void schedule() {
    if (m_scheduled) return;
    m_scheduled = true;
    QTimer::singleShot(0, this, [this] {
      m_scheduled = false;
      processPending();
    });
  }

  bool ensureDb(WorkerBatch& batch) {
    if (m_db) return true;
    if (m_db_path.empty()) return false;
    auto db = store::Database::open(m_db_path, store::OpenMode::ReadOnly);
    if (!db) {
      if (!m_reported_open_error) batch.error = QString::fromStdString(db.error().text());
      m_reported_open_error = true;
      return false;
    }
    m_db = std::move(*db);
    return true;
  }

  void processPending() {
    auto batch = std::make_shared<WorkerBatch>();
    if (!ensureDb(*batch)) return send(batch);
    for (auto& [id, run] : m_runs) {
      if (run.start_sent) continue;
      run.start_sent = true;
      auto found = store::RunRepository(*m_db).find(id);
      if (!found) continue;
      const double start = found->started_at.value_or(found->created_at);
      batch->starts.push_back({QString::fromStdString(id), run.token, start});
    }
    // Keys first: panels appear while the series load.
    pollInto(*batch, true);
    send(batch);
    batch = std::make_shared<WorkerBatch>();
    auto pending = std::move(m_pending);
    m_pending.clear();
    for (const auto& [run_id, key] : pending) {
      auto run = m_runs.find(run_id);
      if (run == m_runs.end()) continue;
      auto cursor = run->second.tracked.find(key);
      if (cursor == run->second.tracked.end() || cursor->second.initial_done) continue;
      SeriesDelta delta;
      delta.run_id = QString::fromStdString(run_id);
      delta.key = QString::fromStdString(key);
      delta.token = run->second.token;
      delta.initial = true;
      if (!readDelta(run_id, key, cursor->second, delta, batch->error)) continue;
      cursor->second.initial_done = true;
      batch->points += delta.values.size();
      batch->series.push_back(std::move(delta));
      if (batch->points >= kBatchPoints) {
        send(batch);
        batch = std::make_shared<WorkerBatch>();
      }
    }
    send(batch);
  }

  void poll(bool force) {
    if (m_runs.empty()) return;
    auto batch = std::make_shared<WorkerBatch>();
    if (!ensureDb(*batch)) return send(batch);
    // data_version changes whenever another connection commits: idle polls cost one pragma.
    const std::int64_t version = m_db->dataVersion();
    if (!force && version == m_data_version) return;
    m_data_version = version;
    pollInto(*batch, false);
    send(batch);
  }

  /// Keys of every watched run, and the new points of every loaded series that grew.
  void pollInto(WorkerBatch& batch, bool keys_only) {
    if (m_runs.empty() || !m_db) return;
    std::vector<std::string> ids;
    ids.reserve(m_runs.size());
    for (const auto& [id, run] : m_runs) ids.push_back(id);
    auto summaries = store::MetricsReader(*m_db).summaries(ids);
    if (!summaries) {
      batch.error = QString::fromStdString(summaries.error().text());
      return;
    }
    std::map<std::string, std::map<std::string, std::int64_t>> counts;
    for (const auto& s : *summaries) counts[s.run_id][s.key] = s.count;
    for (auto& [id, run] : m_runs) {
      const auto& run_counts = counts[id];
      run.counts = run_counts;
      QStringList keys;
      keys.reserve(static_cast<qsizetype>(run_counts.size()));
      for (const auto& [key, count] : run_counts) keys << QString::fromStdString(key);
      if (!run.keys_sent || keys != run.keys) {
        run.keys = keys;
        run.keys_sent = true;
        batch.keys.push_back({QString::fromStdString(id), run.token, keys});
      }
      if (keys_only) continue;
      for (auto& [key, cursor] : run.tracked) {
        if (!cursor.initial_done) continue;
        const auto c = run_counts.find(key);
        if (c == run_counts.end() || c->second <= cursor.read.delivered) continue;
        SeriesDelta delta;
        delta.run_id = QString::fromStdString(id);
        delta.key = QString::fromStdString(key);
        delta.token = run.token;
        if (!readDelta(id, key, cursor, delta, batch.error) || delta.values.empty()) continue;
        batch.points += delta.values.size();
        batch.series.push_back(std::move(delta));
      }
    }
  }

  // A top-up must not re-read a million points every poll: only the chunks from the cursor on.
  bool readDelta(const std::string& run_id, const std::string& key, Cursor& cursor,
                 SeriesDelta& out, QString& error) {
    std::int64_t expected = 0;
    if (auto run = m_runs.find(run_id); run != m_runs.end()) {
      const auto count = run->second.counts.find(key);
      if (count != run->second.counts.end()) expected = count->second;
    }
    auto read = store::MetricsReader(*m_db).readNewPoints(run_id, key, cursor.read, out, expected);
    if (!read) error = QString::fromStdString(read.error().text());
    return read.ok();
  }

  void send(std::shared_ptr<WorkerBatch>& batch) {
    if (batch->empty()) return;
    // The store owns this thread and joins it before it is destroyed; posted calls to a
    // destroyed store are dropped by Qt.
    QMetaObject::invokeMethod(
        m_store, [store = m_store, batch] { store->applyBatch(batch); }, Qt::QueuedConnection);
  }

  MetricSeriesStore* m_store;
  std::string m_db_path;
  int m_poll_interval_ms;
  std::unique_ptr<store::Database> m_db;
  QTimer* m_timer = nullptr;
  std::int64_t m_data_version = -1;
  bool m_reported_open_error = false;
  bool m_scheduled = false;
  std::map<std::string, Run> m_runs;
  std::vector<std::pair<std::string, std::string>> m_pending;  // (run, key) to read first
};

}  // namespace detail

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString seriesId(const QString& run_id, const QString& key) { return run_id + QChar(0x1f) + key; }

// Appends grow by an eighth (at least 4096 points) rather than doubling: a million-point series
// should not carry a million spare slots.
void reserveFor(std::vector<double>& v, std::size_t extra) {
  const std::size_t need = v.size() + extra;
  if (need <= v.capacity()) return;
  v.reserve(need + std::max<std::size_t>(v.size() / 8, 4096));
}

void updateFlags(MetricSeries& s, std::size_t from) {
  const std::size_t n = s.size();
  if (from == 0) {
    s.steps_sorted = s.wall_sorted = true;
    s.epochs_sorted = !s.epochs.empty();
  }
  for (std::size_t i = std::max<std::size_t>(from, 1); i < n && s.steps_sorted; ++i)
    s.steps_sorted = !(s.steps[i] < s.steps[i - 1]);
  for (std::size_t i = std::max<std::size_t>(from, 1); i < n && s.wall_sorted; ++i)
    s.wall_sorted = !(s.wall_times[i] < s.wall_times[i - 1]);
  if (s.epochs.empty()) {
    s.epochs_sorted = false;
    return;
  }
  for (std::size_t i = from; i < n && s.epochs_sorted; ++i)
    s.epochs_sorted = std::isfinite(s.epochs[i]) && (i == 0 || !(s.epochs[i] < s.epochs[i - 1]));
}

/// Appends arrays (epochs may be empty: no epoch given). Keeps flags current.
void appendPoints(MetricSeries& s, std::span<const double> steps, std::span<const double> values,
                  std::span<const double> walls, std::span<const double> epochs) {
  const std::size_t n = values.size();
  if (n == 0) return;
  const std::size_t at = s.size();
  const bool any_epoch =
      std::any_of(epochs.begin(), epochs.end(), [](double e) { return !std::isnan(e); });
  if (any_epoch && s.epochs.empty()) s.epochs.assign(at, kNaN);
  for (auto* v : {&s.steps, &s.values, &s.wall_times}) reserveFor(*v, n);
  s.steps.insert(s.steps.end(), steps.begin(), steps.end());
  s.values.insert(s.values.end(), values.begin(), values.end());
  s.wall_times.insert(s.wall_times.end(), walls.begin(), walls.end());
  if (any_epoch || !s.epochs.empty()) {
    reserveFor(s.epochs, n);
    if (epochs.size() == n)
      s.epochs.insert(s.epochs.end(), epochs.begin(), epochs.end());
    else
      s.epochs.resize(at + n, kNaN);
  }
  updateFlags(s, at);
}

/// Merges points read from the database: live points it now holds (step at or before its last)
/// are replaced by its copies; later live points stay after them.
void mergeFromDb(MetricSeries& s, detail::SeriesDelta& d) {
  const std::size_t live_begin = s.db_points;
  const std::size_t live_n = s.size() - live_begin;
  const std::size_t dn = d.values.size();
  if (d.initial) s.loaded = true;
  if (dn == 0) {
    ++s.revision;
    return;
  }
  if (live_n == 0) {
    if (s.empty()) {
      // The common first load: adopt the worker's arrays without copying.
      s.steps = std::move(d.steps);
      s.values = std::move(d.values);
      s.wall_times = std::move(d.walls);
      s.epochs = std::move(d.epochs);
      updateFlags(s, 0);
    } else {
      appendPoints(s, d.steps, d.values, d.walls, d.epochs);
    }
    s.db_points += dn;
    ++s.revision;
    return;
  }
  // Take the live tail out.
  auto tail = [&](const std::vector<double>& v) {
    return v.empty()
               ? std::vector<double>{}
               : std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(live_begin), v.end());
  };
  const auto t_steps = tail(s.steps), t_values = tail(s.values), t_walls = tail(s.wall_times),
             t_epochs = tail(s.epochs);
  const double last_db_step = d.steps.back();
  std::size_t replaced = 0;
  while (replaced < live_n && !(t_steps[replaced] > last_db_step)) ++replaced;
  // Append-only when the database's points are exactly the live ones it replaces.
  bool same = live_n <= dn || replaced == dn;
  for (std::size_t j = 0; same && j < std::min(live_n, dn); ++j)
    same = t_steps[j] == d.steps[j] &&
           (t_values[j] == d.values[j] || (std::isnan(t_values[j]) && std::isnan(d.values[j])));
  const bool flags_clean = s.steps_sorted && s.wall_sorted && (s.epochs.empty() || s.epochs_sorted);
  for (auto* v : {&s.steps, &s.values, &s.wall_times}) v->resize(live_begin);
  if (!s.epochs.empty()) s.epochs.resize(live_begin);
  const bool had_epochs = !s.epochs.empty();
  appendPoints(s, d.steps, d.values, d.walls, d.epochs);
  const auto keep = [&](const std::vector<double>& v) {
    return v.empty() ? std::span<const double>{} : std::span<const double>(v).subspan(replaced);
  };
  appendPoints(s, keep(t_steps), keep(t_values), keep(t_walls), keep(t_epochs));
  // Flags cover the whole series: after cutting a tail, only a clean prefix can be trusted.
  if (!flags_clean || (had_epochs != !s.epochs.empty())) updateFlags(s, 0);
  s.db_points = live_begin + dn;
  if (!same) ++s.generation;
  ++s.revision;
}

}  // namespace

QString toString(XAxisMode mode) {
  switch (mode) {
    case XAxisMode::Step:
      return QStringLiteral("step");
    case XAxisMode::Epoch:
      return QStringLiteral("epoch");
    case XAxisMode::WallTime:
      return QStringLiteral("wall");
    case XAxisMode::RelativeTime:
      return QStringLiteral("relative");
    case XAxisMode::Unknown:
      break;
  }
  return QStringLiteral("unknown");
}

XAxisMode xAxisModeFromString(const QString& text) {
  for (auto m : {XAxisMode::Step, XAxisMode::Epoch, XAxisMode::WallTime, XAxisMode::RelativeTime})
    if (text == toString(m)) return m;
  return XAxisMode::Unknown;
}

std::span<const double> MetricSeries::xs(XAxisMode mode) const {
  switch (mode) {
    case XAxisMode::Step:
      return steps_sorted ? std::span<const double>(steps) : std::span<const double>{};
    case XAxisMode::Epoch:
      return epochs_sorted ? std::span<const double>(epochs) : std::span<const double>{};
    case XAxisMode::WallTime:
    case XAxisMode::RelativeTime:
      return wall_sorted ? std::span<const double>(wall_times) : std::span<const double>{};
    case XAxisMode::Unknown:
      break;
  }
  return {};
}

const std::vector<double>& MetricSeries::rawXs(XAxisMode mode) const {
  switch (mode) {
    case XAxisMode::Epoch:
      return epochs;
    case XAxisMode::WallTime:
    case XAxisMode::RelativeTime:
      return wall_times;
    default:
      return steps;
  }
}

std::size_t MetricSeries::memoryBytes() const {
  return sizeof(double) *
         (steps.capacity() + values.capacity() + wall_times.capacity() + epochs.capacity());
}

MetricSeriesStore::MetricSeriesStore(QObject* parent) : MetricSeriesStore(QString(), parent) {}

MetricSeriesStore::MetricSeriesStore(const QString& db_path, QObject* parent)
    : QObject(parent), m_db_path(db_path), m_live_timer(new QTimer(this)) {
  m_thread.setObjectName(QStringLiteral("MetricSeriesStore"));
  m_live_timer->setSingleShot(true);
  m_live_timer->setInterval(kLiveCoalesceMs);
  connect(m_live_timer, &QTimer::timeout, this, &MetricSeriesStore::flushLive);
  startWorker();
}

MetricSeriesStore::~MetricSeriesStore() { stopWorker(); }

void MetricSeriesStore::startWorker() {
  if (m_db_path.isEmpty() || m_worker) return;
  m_worker = new detail::MetricSeriesWorker(this, m_db_path.toStdString(), m_poll_interval_ms);
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  m_thread.start();
  auto* w = m_worker;
  QMetaObject::invokeMethod(
      w, [w] { w->start(); }, Qt::QueuedConnection);
}

void MetricSeriesStore::stopWorker() {
  if (!m_worker) return;
  m_thread.quit();
  m_thread.wait();
  m_worker = nullptr;  // deleted by the thread's finished signal
}

void MetricSeriesStore::setDatabasePath(const QString& path) {
  if (path == m_db_path) return;
  stopWorker();
  m_db_path = path;
  // Everything read from the old database is stale; keep the interest, reload the rest.
  const auto runs = m_runs.keys();
  for (auto& run : m_runs) {
    run.series.clear();
    run.db_keys.clear();
    run.live_keys.clear();
    run.requested.clear();
    run.token = ++m_next_token;
  }
  startWorker();
  for (const auto& id : runs) {
    if (m_worker) {
      auto* w = m_worker;
      QMetaObject::invokeMethod(
          w, [w, id, token = m_runs[id].token] { w->watch(id, token); }, Qt::QueuedConnection);
    }
    Q_EMIT keysChanged(id);
  }
}

void MetricSeriesStore::setPollInterval(int interval_ms) {
  m_poll_interval_ms = std::max(10, interval_ms);
  if (auto* w = m_worker)
    QMetaObject::invokeMethod(
        w, [w, ms = m_poll_interval_ms] { w->setPollInterval(ms); }, Qt::QueuedConnection);
}

void MetricSeriesStore::acquireRuns(const QStringList& run_ids) {
  for (const auto& id : run_ids) {
    if (id.isEmpty()) continue;
    auto& run = m_runs[id];
    if (run.refs++ > 0) continue;
    run.token = ++m_next_token;
    if (auto* w = m_worker)
      QMetaObject::invokeMethod(
          w, [w, id, token = run.token] { w->watch(id, token); }, Qt::QueuedConnection);
  }
}

void MetricSeriesStore::releaseRuns(const QStringList& run_ids) {
  for (const auto& id : run_ids) {
    auto it = m_runs.find(id);
    if (it == m_runs.end() || --it->refs > 0) continue;
    m_runs.erase(it);
    if (auto* w = m_worker)
      QMetaObject::invokeMethod(
          w, [w, id] { w->unwatch(id); }, Qt::QueuedConnection);
  }
}

QStringList MetricSeriesStore::keys(const QString& run_id) const {
  const auto it = m_runs.constFind(run_id);
  if (it == m_runs.constEnd()) return {};
  QSet<QString> all = it->db_keys;
  all.unite(it->live_keys);
  QStringList out(all.begin(), all.end());
  std::sort(out.begin(), out.end());
  return out;
}

void MetricSeriesStore::request(const QString& run_id, const QString& key) {
  auto it = m_runs.find(run_id);
  if (it == m_runs.end() || it->requested.contains(key)) return;
  it->requested.insert(key);
  if (auto* w = m_worker)
    QMetaObject::invokeMethod(
        w, [w, run_id, key, token = it->token] { w->track(run_id, key, token); },
        Qt::QueuedConnection);
}

const MetricSeries* MetricSeriesStore::series(const QString& run_id, const QString& key) const {
  const auto it = m_runs.constFind(run_id);
  if (it == m_runs.constEnd()) return nullptr;
  const auto s = it->series.constFind(key);
  return s == it->series.constEnd() ? nullptr : s->get();
}

bool MetricSeriesStore::isLoaded(const QString& run_id, const QString& key) const {
  const auto* s = series(run_id, key);
  return s && s->loaded;
}

double MetricSeriesStore::runStartTime(const QString& run_id) const {
  const auto it = m_runs.constFind(run_id);
  if (it == m_runs.constEnd()) return kNaN;
  if (std::isfinite(it->start_time) && it->start_time > 0) return it->start_time;
  double earliest = kNaN;
  for (const auto& s : it->series)
    if (!s->wall_times.empty() && !(s->wall_times.front() >= earliest))
      earliest = s->wall_times.front();
  return earliest;
}

void MetricSeriesStore::appendLive(const QString& run_id, const QString& key, qint64 step,
                                   double value, double wall_time, double epoch) {
  if (std::isnan(wall_time))
    wall_time = static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
  bool schedule = false;
  {
    std::lock_guard lock(m_live_mutex);
    m_live_staged.push_back({run_id, key, static_cast<double>(step), value, wall_time, epoch});
    schedule = !m_live_scheduled;
    m_live_scheduled = true;
  }
  if (schedule) scheduleLiveFlush();
}

void MetricSeriesStore::scheduleLiveFlush() {
  if (QThread::currentThread() == thread())
    m_live_timer->start();
  else
    QMetaObject::invokeMethod(
        this, [this] { m_live_timer->start(); }, Qt::QueuedConnection);
}

int MetricSeriesStore::appendEvent(const QJsonObject& event, const QString& fallback_run_id) {
  const QString kind = event.value(QLatin1String("event")).toString();
  QString run_id = event.value(QLatin1String("run_id")).toString();
  if (run_id.isEmpty()) run_id = fallback_run_id;
  if (run_id.isEmpty()) return 0;
  const auto step = static_cast<qint64>(event.value(QLatin1String("step")).toDouble(-1));
  if (kind == QLatin1String("step")) {
    if (step < 0 || !event.contains(QLatin1String("loss"))) return 0;
    // The trainer logs train/loss_step at epoch − 1 + batch / batches (1-based epoch).
    double epoch = kNaN;
    const double e = event.value(QLatin1String("epoch")).toDouble(-1);
    const double batch = event.value(QLatin1String("batch")).toDouble(-1);
    const double batches = event.value(QLatin1String("batches")).toDouble(-1);
    if (e >= 1 && batch >= 0 && batches > 0) epoch = e - 1 + batch / batches;
    appendLive(run_id, QStringLiteral("train/loss_step"), step,
               event.value(QLatin1String("loss")).toDouble(kNaN), kNoValue, epoch);
    return 1;
  }
  if (kind == QLatin1String("epoch")) {
    const QJsonObject metrics = event.value(QLatin1String("metrics")).toObject();
    if (step < 0) return 0;
    const double epoch = event.value(QLatin1String("epoch")).toDouble(kNaN);
    int n = 0;
    for (auto it = metrics.begin(); it != metrics.end(); ++it) {
      if (!it.value().isDouble()) continue;
      appendLive(run_id, it.key(), step, it.value().toDouble(), kNoValue, epoch);
      ++n;
    }
    return n;
  }
  if (kind == QLatin1String("finished")) pollNow();  // the last flush is in: read it now
  return 0;
}

void MetricSeriesStore::flushLive() {
  std::vector<LivePoint> points;
  {
    std::lock_guard lock(m_live_mutex);
    points.swap(m_live_staged);
    m_live_scheduled = false;
  }
  if (points.empty()) return;
  QSet<QString> changed_keys_runs;
  std::vector<std::pair<QString, QString>> changed;
  QSet<QString> changed_ids;
  for (const auto& p : points) {
    auto run = m_runs.find(p.run_id);
    if (run == m_runs.end()) continue;
    auto& slot = run->series[p.key];
    if (!slot) slot = std::make_shared<MetricSeries>();
    MetricSeries& s = *slot;
    if (!s.empty() && !(p.step > s.steps.back())) continue;
    appendPoints(s, std::span<const double>(&p.step, 1), std::span<const double>(&p.value, 1),
                 std::span<const double>(&p.wall_time, 1), std::span<const double>(&p.epoch, 1));
    ++s.revision;
    if (!run->db_keys.contains(p.key) && !run->live_keys.contains(p.key)) {
      run->live_keys.insert(p.key);
      changed_keys_runs.insert(p.run_id);
    }
    const QString id = seriesId(p.run_id, p.key);
    if (!changed_ids.contains(id)) {
      changed_ids.insert(id);
      changed.emplace_back(p.run_id, p.key);
    }
  }
  for (const auto& run_id : changed_keys_runs) Q_EMIT keysChanged(run_id);
  for (const auto& [run_id, key] : changed) Q_EMIT seriesChanged(run_id, key);
}

void MetricSeriesStore::pollNow() {
  if (auto* w = m_worker)
    QMetaObject::invokeMethod(
        w, [w] { w->pollNow(); }, Qt::QueuedConnection);
}

void MetricSeriesStore::applyBatch(const std::shared_ptr<detail::WorkerBatch>& batch) {
  if (!batch->error.isEmpty()) Q_EMIT loadFailed(batch->error);
  for (const auto& start : batch->starts) {
    auto run = m_runs.find(start.run_id);
    if (run != m_runs.end() && run->token == start.token) run->start_time = start.start_time;
  }
  QStringList keys_changed;
  for (const auto& k : batch->keys) {
    auto run = m_runs.find(k.run_id);
    if (run == m_runs.end() || run->token != k.token) continue;
    const QSet<QString> keys(k.keys.begin(), k.keys.end());
    if (keys == run->db_keys) continue;
    run->db_keys = keys;
    run->live_keys.subtract(keys);
    keys_changed << k.run_id;
  }
  std::vector<std::pair<QString, QString>> changed;
  for (auto& delta : batch->series) {
    auto run = m_runs.find(delta.run_id);
    if (run == m_runs.end() || run->token != delta.token) continue;
    auto& slot = run->series[delta.key];
    if (!slot) slot = std::make_shared<MetricSeries>();
    mergeFromDb(*slot, delta);
    changed.emplace_back(delta.run_id, delta.key);
  }
  for (const auto& run_id : keys_changed) Q_EMIT keysChanged(run_id);
  for (const auto& [run_id, key] : changed) Q_EMIT seriesChanged(run_id, key);
}

std::size_t MetricSeriesStore::memoryBytes() const {
  std::size_t total = 0;
  for (const auto& run : m_runs)
    for (const auto& s : run.series) total += s->memoryBytes();
  return total;
}

}  // namespace wb::ui

#include "metric_series_store.moc"
