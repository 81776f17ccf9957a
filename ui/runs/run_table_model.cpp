#include "ui/runs/run_table_model.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <unordered_map>
#include <utility>

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFutureWatcher>
#include <QHash>
#include <QtConcurrent/QtConcurrentRun>

#include "core/common/clock.h"

namespace wb::ui {

namespace detail {

/// One column's values for every row, in table order.
struct ColumnData {
  RunColumn info;
  bool text_kind = false;       // values in text/pool, else in numbers
  std::vector<double> numbers;  // NaN: missing
  std::vector<int> text;        // index into the pool, -1: missing
  // Interned values: params and tags take few distinct values.
  std::vector<QString> pool;
  std::vector<std::string> pool_utf8;
  std::vector<double> pool_number;  // NaN: not a number
  std::vector<int> pool_rank;       // order of the text values
  bool numeric = false;             // every value is a number
};

struct RunTableData {
  RunSnapshotPtr snapshot;
  std::vector<const RunRow*> rows;  // table order; point into snapshot
  std::vector<ColumnData> columns;
  std::unordered_map<std::string_view, int> row_by_id;  // views into snapshot
  QHash<QString, int> column_by_id;
  std::vector<std::string> haystack;  // per row: last metric values as shown, for plain search
  std::vector<int> root;              // sweep root row, -1: none
  // Against the data this one replaces:
  std::vector<int> removed_rows;     // previous rows gone, ascending
  std::vector<int> removed_columns;  // previous columns gone, ascending
  int kept_rows = 0;                 // rows [0, kept_rows) were there, in the same order
  std::vector<char> new_column;      // per column
  std::vector<char> changed;         // per kept row: some value differs
};

}  // namespace detail

namespace {

using detail::ColumnData;
using detail::RunTableData;

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// Run fields of filter expressions, in the order ResolvedField::run_field counts them.
constexpr std::array<std::string_view, 9> kFilterRunFields = {
    "status", "name", "id", "experiment", "created", "started", "ended", "duration", "notes"};

QColor statusColor(store::RunStatus s) {
  switch (s) {
    case store::RunStatus::Running:
      return QColor(0x1e, 0x6f, 0xd9);
    case store::RunStatus::Finished:
      return QColor(0x2e, 0x8b, 0x3e);
    case store::RunStatus::Failed:
      return QColor(0xc6, 0x28, 0x28);
    case store::RunStatus::Killed:
      return QColor(0xd9, 0x73, 0x06);
    case store::RunStatus::Queued:
      return QColor(0x70, 0x70, 0x70);
    case store::RunStatus::Unknown:
      break;
  }
  return QColor(Qt::gray);
}

bool parseNumber(std::string_view text, double& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && std::isfinite(out);
}

double finiteOr(const std::optional<double>& v) { return v && std::isfinite(*v) ? *v : kMissing; }

char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool containsLower(std::string_view haystack, std::string_view needle_lower) {
  return std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                     [](char h, char n) { return lowerAscii(h) == n; }) != haystack.end();
}

// Digit runs compare as numbers ("run-2" before "run-10"), letters ignoring ASCII case; other
// UTF-8 bytes in code point order.
bool naturalLess(std::string_view a, std::string_view b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      // By value: skip leading zeros, then the longer run is larger, then digit by digit.
      while (i + 1 < ie && a[i] == '0') ++i;
      while (j + 1 < je && b[j] == '0') ++j;
      if (ie - i != je - j) return ie - i < je - j;
      for (; i < ie; ++i, ++j)
        if (a[i] != b[j]) return a[i] < b[j];
      continue;
    }
    const auto x = static_cast<unsigned char>(lowerAscii(a[i]));
    const auto y = static_cast<unsigned char>(lowerAscii(b[j]));
    if (x != y) return x < y;
    ++i;
    ++j;
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;  // equal but for case or zeros: still a fixed order
}

/// Builds one text column: interns values, then ranks them.
class TextColumnBuilder {
 public:
  TextColumnBuilder(ColumnData& column, std::size_t rows) : m_column(column) {
    column.text_kind = true;
    column.text.assign(rows, -1);
  }
  void set(std::size_t row, std::string_view value) {
    auto it = m_index.find(value);
    if (it == m_index.end()) {
      const int id = static_cast<int>(m_column.pool_utf8.size());
      m_column.pool_utf8.emplace_back(value);
      it = m_index.emplace(value, id).first;
    }
    m_column.text[row] = it->second;
  }
  void finish() {
    auto& c = m_column;
    const std::size_t n = c.pool_utf8.size();
    c.pool.reserve(n);
    c.pool_number.reserve(n);
    c.numeric = n > 0;
    for (const auto& s : c.pool_utf8) {
      c.pool.push_back(QString::fromStdString(s));
      double x = 0;
      const bool number = parseNumber(s, x);
      c.pool_number.push_back(number ? x : kMissing);
      c.numeric = c.numeric && number;
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int x, int y) {
      return naturalLess(c.pool_utf8[static_cast<std::size_t>(x)],
                         c.pool_utf8[static_cast<std::size_t>(y)]);
    });
    c.pool_rank.assign(n, 0);
    for (std::size_t r = 0; r < n; ++r)
      c.pool_rank[static_cast<std::size_t>(order[r])] = static_cast<int>(r);
  }

 private:
  ColumnData& m_column;
  // Views into the snapshot (or static text), which outlives the builder.
  std::unordered_map<std::string_view, int> m_index;
};

bool sameSummary(const store::MetricSummary& a, const store::MetricSummary& b) {
  return a.count == b.count && a.last_step == b.last_step && a.last_value == b.last_value &&
         a.min_value == b.min_value && a.max_value == b.max_value;
}

bool sameRow(const RunRow& a, const RunRow& b) {
  const auto& x = a.run;
  const auto& y = b.run;
  if (x.status != y.status || x.name != y.name || x.experiment != y.experiment ||
      x.started_at != y.started_at || x.ended_at != y.ended_at || x.notes != y.notes ||
      x.status_message != y.status_message || x.parent_run_id != y.parent_run_id ||
      a.params != b.params || a.tags != b.tags || a.metrics.size() != b.metrics.size())
    return false;
  auto it = b.metrics.begin();
  for (const auto& [k, m] : a.metrics) {
    if (it->first != k || !sameSummary(m, it->second)) return false;
    ++it;
  }
  return true;
}

const char* statName(MetricColumnStat stat) {
  switch (stat) {
    case MetricColumnStat::Best:
      return "best";
    case MetricColumnStat::Min:
      return "min";
    case MetricColumnStat::Max:
      return "max";
    default:
      return "last";
  }
}

constexpr std::array<MetricColumnStat, 4> kStats = {MetricColumnStat::Last, MetricColumnStat::Best,
                                                    MetricColumnStat::Min, MetricColumnStat::Max};

RunColumn runColumn(const char* key, const QString& title, bool visible) {
  RunColumn c;
  c.kind = ColumnKind::RunField;
  c.key = QString::fromLatin1(key);
  c.id = QStringLiteral("run:") + c.key;
  c.title = title;
  c.default_visible = visible;
  return c;
}

QString columnId(ColumnKind kind, const std::string& key, MetricColumnStat stat = {}) {
  const QString k = QString::fromStdString(key);
  switch (kind) {
    case ColumnKind::Param:
      return QStringLiteral("param:") + k;
    case ColumnKind::Tag:
      return QStringLiteral("tag:") + k;
    case ColumnKind::Metric:
      return QStringLiteral("metric:") + k + QLatin1Char(':') + QLatin1String(statName(stat));
    default:
      return QStringLiteral("run:") + k;
  }
}

// Keys of one section: the previous ones still present (their order), then new ones.
std::vector<std::string> stableKeys(const std::vector<std::string>& previous,
                                    const std::vector<std::string>& now) {
  std::set<std::string_view> present(now.begin(), now.end());
  std::vector<std::string> out;
  std::set<std::string_view> taken;
  for (const auto& k : previous)
    if (present.count(k)) {
      out.push_back(k);
      taken.insert(k);
    }
  for (const auto& k : now)
    if (!taken.count(k)) out.push_back(k);
  return out;
}

QString formatTime(double t) {
  return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(t * 1000))
      .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

}  // namespace

QString formatDuration(double s) {
  if (s < 0) s = 0;
  if (s < 60) return QString::number(s, 'f', 1) + QStringLiteral(" s");
  const int total = static_cast<int>(s);
  if (s < 3600)
    return QStringLiteral("%1m %2s").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1h %2m")
      .arg(total / 3600)
      .arg(total % 3600 / 60, 2, 10, QLatin1Char('0'));
}

QString formatValue(double v) {
  if (std::isnan(v)) return QStringLiteral("nan");
  return QString::number(v, 'g', 5);
}

// ---------------------------------------------------------------------------------------------
// Indexing (any thread)

RunTableDataPtr RunTableModel::indexSnapshot(RunSnapshotPtr snapshot, RunTableDataPtr previous) {
  if (!snapshot) snapshot = std::make_shared<RunSnapshot>();
  auto d = std::make_shared<RunTableData>();
  d->snapshot = snapshot;
  const auto& srows = snapshot->rows;
  const std::size_t n = srows.size();

  // Rows: the previous ones still present, in their order, then new ones.
  std::unordered_map<std::string_view, int> snap_index;
  snap_index.reserve(n);
  for (std::size_t i = 0; i < n; ++i) snap_index.emplace(srows[i].run.id, static_cast<int>(i));
  std::vector<char> taken(n, 0);
  std::vector<int> prev_of_kept;
  d->rows.reserve(n);
  if (previous) {
    for (std::size_t r = 0; r < previous->rows.size(); ++r) {
      auto it = snap_index.find(previous->rows[r]->run.id);
      if (it == snap_index.end()) {
        d->removed_rows.push_back(static_cast<int>(r));
        continue;
      }
      taken[static_cast<std::size_t>(it->second)] = 1;
      d->rows.push_back(&srows[static_cast<std::size_t>(it->second)]);
      prev_of_kept.push_back(static_cast<int>(r));
    }
  }
  d->kept_rows = static_cast<int>(d->rows.size());
  for (std::size_t i = 0; i < n; ++i)
    if (!taken[i]) d->rows.push_back(&srows[i]);
  d->changed.assign(static_cast<std::size_t>(d->kept_rows), 0);
  for (std::size_t r = 0; r < prev_of_kept.size(); ++r)
    d->changed[r] =
        !sameRow(*previous->rows[static_cast<std::size_t>(prev_of_kept[r])], *d->rows[r]);
  d->row_by_id.reserve(n);
  for (std::size_t r = 0; r < n; ++r) d->row_by_id.emplace(d->rows[r]->run.id, static_cast<int>(r));

  // Column keys per section, in a stable order.
  std::vector<std::string> prev_params, prev_metrics, prev_tags;
  QHash<QString, bool> prev_default;
  if (previous) {
    for (const auto& c : previous->columns) {
      prev_default.insert(c.info.id, c.info.default_visible);
      const std::string key = c.info.key.toStdString();
      if (c.info.kind == ColumnKind::Param) prev_params.push_back(key);
      if (c.info.kind == ColumnKind::Tag) prev_tags.push_back(key);
      if (c.info.kind == ColumnKind::Metric && c.info.stat == MetricColumnStat::Last)
        prev_metrics.push_back(key);
    }
  }
  std::set<std::string> tag_set;
  for (const auto& row : srows)
    for (const auto& [k, v] : row.tags) tag_set.insert(k);
  const auto params = stableKeys(prev_params, snapshot->param_keys);
  const auto metrics = stableKeys(prev_metrics, snapshot->metric_keys);
  const auto tags = stableKeys(prev_tags, {tag_set.begin(), tag_set.end()});

  auto& cols = d->columns;
  cols.reserve(kFixedColumns + params.size() + metrics.size() * kStats.size() + tags.size());
  auto add = [&](RunColumn info) {
    auto it = prev_default.find(info.id);
    if (it != prev_default.end()) info.default_visible = *it;  // a default never flips
    ColumnData c;
    c.info = std::move(info);
    cols.push_back(std::move(c));
  };
  add(runColumn("name", tr("Name"), true));
  add(runColumn("status", tr("Status"), true));
  add(runColumn("experiment", tr("Experiment"), true));
  add(runColumn("started", tr("Started"), true));
  add(runColumn("duration", tr("Duration"), true));
  add(runColumn("id", tr("Run ID"), false));
  add(runColumn("parent", tr("Parent"), false));
  add(runColumn("ended", tr("Ended"), false));
  auto rank = [](const std::vector<std::string>& keys, const std::string& key) {
    return static_cast<int>(std::find(keys.begin(), keys.end(), key) - keys.begin());
  };
  std::unordered_map<std::string_view, int> param_col, metric_col, tag_col;
  std::vector<char> lower_better;  // per metric key, by its first column
  for (const auto& k : params) {
    RunColumn c;
    c.kind = ColumnKind::Param;
    c.key = QString::fromStdString(k);
    c.id = columnId(c.kind, k);
    c.title = c.key;
    c.default_visible = rank(snapshot->param_keys, k) < kDefaultParamColumns;
    param_col.emplace(k, static_cast<int>(cols.size()));
    add(std::move(c));
  }
  for (const auto& k : metrics) {
    metric_col.emplace(k, static_cast<int>(cols.size()));
    lower_better.resize(cols.size() + 1, 0);
    lower_better[cols.size()] = store::lowerIsBetter(k);
    const bool shown = rank(snapshot->metric_keys, k) < kDefaultMetricColumns;
    for (const auto stat : kStats) {
      RunColumn c;
      c.kind = ColumnKind::Metric;
      c.key = QString::fromStdString(k);
      c.stat = stat;
      c.id = columnId(c.kind, k, stat);
      c.title = stat == MetricColumnStat::Last
                    ? c.key
                    : c.key + QLatin1Char('.') + QLatin1String(statName(stat));
      c.default_visible = shown && stat == MetricColumnStat::Last;
      add(std::move(c));
    }
  }
  for (const auto& k : tags) {
    RunColumn c;
    c.kind = ColumnKind::Tag;
    c.key = QString::fromStdString(k);
    c.id = columnId(c.kind, k);
    c.title = QStringLiteral("tags.") + c.key;
    tag_col.emplace(k, static_cast<int>(cols.size()));
    add(std::move(c));
  }
  for (std::size_t c = 0; c < cols.size(); ++c)
    d->column_by_id.insert(cols[c].info.id, static_cast<int>(c));

  // Which columns are new, which previous ones are gone.
  d->new_column.assign(cols.size(), 1);
  if (previous) {
    for (std::size_t c = 0; c < previous->columns.size(); ++c) {
      auto it = d->column_by_id.find(previous->columns[c].info.id);
      if (it == d->column_by_id.end())
        d->removed_columns.push_back(static_cast<int>(c));
      else
        d->new_column[static_cast<std::size_t>(*it)] = 0;
    }
  }

  // Values.
  std::vector<std::unique_ptr<TextColumnBuilder>> text(cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c) {
    const auto& info = cols[c].info;
    const bool is_text = info.kind == ColumnKind::Param || info.kind == ColumnKind::Tag ||
                         c == kName || c == kStatus || c == kExperiment || c == kRunId ||
                         c == kParent;
    if (is_text)
      text[c] = std::make_unique<TextColumnBuilder>(cols[c], n);
    else
      cols[c].numbers.assign(n, kMissing);
  }
  d->haystack.resize(n);
  d->root.assign(n, -1);
  char buf[32];
  for (std::size_t r = 0; r < n; ++r) {
    const RunRow& row = *d->rows[r];
    const auto& run = row.run;
    const std::string_view status = store::toString(run.status);
    text[kName]->set(r, run.name);
    text[kStatus]->set(r, status);
    text[kExperiment]->set(r, run.experiment);
    text[kRunId]->set(r, run.id);
    cols[kStarted].numbers[r] = run.started_at.value_or(run.created_at);
    cols[kEnded].numbers[r] = finiteOr(run.ended_at);
    std::string& hay = d->haystack[r];
    if (!run.parent_run_id.empty()) {
      auto it = d->row_by_id.find(run.parent_run_id);
      text[kParent]->set(
          r, it == d->row_by_id.end()
                 ? std::string_view(run.parent_run_id)
                 : std::string_view(d->rows[static_cast<std::size_t>(it->second)]->run.name));
      // Sweeps nest at most a few levels; the bound guards against a cycle.
      int root = -1;
      for (int depth = 0; it != d->row_by_id.end() && depth < 16; ++depth) {
        root = it->second;
        const auto& up = d->rows[static_cast<std::size_t>(root)]->run.parent_run_id;
        it = up.empty() ? d->row_by_id.end() : d->row_by_id.find(up);
      }
      d->root[r] = root == static_cast<int>(r) ? -1 : root;
    }
    for (const auto& [k, v] : row.params) {
      auto it = param_col.find(k);
      if (it == param_col.end()) continue;
      text[static_cast<std::size_t>(it->second)]->set(r, v);
    }
    for (const auto& [k, v] : row.tags) {
      auto it = tag_col.find(k);
      if (it == tag_col.end()) continue;
      text[static_cast<std::size_t>(it->second)]->set(r, v);
    }
    for (const auto& [k, s] : row.metrics) {
      auto it = metric_col.find(k);
      if (it == metric_col.end()) continue;
      const auto base = static_cast<std::size_t>(it->second);
      cols[base].numbers[r] = finiteOr(s.last_value);
      cols[base + 1].numbers[r] =
          finiteOr(lower_better[base] ? s.min_value : s.max_value);  // best()
      cols[base + 2].numbers[r] = finiteOr(s.min_value);
      cols[base + 3].numbers[r] = finiteOr(s.max_value);
      if (s.last_value && std::isfinite(*s.last_value)) {
        // As formatValue() shows it ('g', 5 digits).
        const auto end =
            std::to_chars(buf, buf + sizeof buf, *s.last_value, std::chars_format::general, 5).ptr;
        hay += '\n';
        hay.append(buf, end);
      }
    }
  }
  for (std::size_t c = 0; c < cols.size(); ++c) {
    if (!text[c]) continue;
    text[c]->finish();
    auto& col = cols[c];
    if (col.info.kind == ColumnKind::Param) {
      const bool some_missing = std::find(col.text.begin(), col.text.end(), -1) != col.text.end();
      col.info.varying = col.pool.size() > 1 || (col.pool.size() == 1 && some_missing);
    }
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Model

RunTableModel::RunTableModel(QObject* parent)
    : QAbstractTableModel(parent),
      m_data(indexSnapshot(nullptr, nullptr)),
      m_watcher(new QFutureWatcher<RunTableDataPtr>(this)) {
  // The watcher is a child: a result never reaches a destroyed model.
  connect(m_watcher, &QFutureWatcher<RunTableDataPtr>::finished, this, [this] {
    m_indexing = false;
    apply(m_watcher->result());
    if (m_pending) startIndexing();
  });
}

RunTableModel::~RunTableModel() = default;

RunSnapshotPtr RunTableModel::snapshot() const { return m_applied; }

void RunTableModel::setSnapshot(RunSnapshotPtr snapshot) {
  if (!snapshot) snapshot = std::make_shared<RunSnapshot>();
  if (m_indexing) {
    m_pending = std::move(snapshot);
    return;
  }
  const long cells = static_cast<long>(snapshot->rows.size()) *
                     static_cast<long>(kFixedColumns + snapshot->param_keys.size() +
                                       snapshot->metric_keys.size() * kStats.size());
  if (cells <= kSyncIndexCells) {
    apply(indexSnapshot(std::move(snapshot), m_data));
    return;
  }
  m_pending = std::move(snapshot);
  startIndexing();
}

void RunTableModel::startIndexing() {
  m_indexing = true;
  m_watcher->setFuture(QtConcurrent::run([snap = std::exchange(m_pending, nullptr), prev = m_data] {
    return indexSnapshot(snap, prev);
  }));
}

void RunTableModel::apply(RunTableDataPtr next) {
  const RunTableDataPtr prev = m_data;
  // 1. Columns that are gone, on the old data.
  if (!next->removed_columns.empty()) {
    m_col_map.resize(prev->columns.size());
    std::iota(m_col_map.begin(), m_col_map.end(), 0);
    m_col_mapped = true;
    const auto gone = contiguousRanges(next->removed_columns);
    for (auto it = gone.rbegin(); it != gone.rend(); ++it) {
      beginRemoveColumns({}, it->first, it->second);
      m_col_map.erase(m_col_map.begin() + it->first, m_col_map.begin() + it->second + 1);
      endRemoveColumns();
    }
  }
  // 2. Rows that are gone, on the old data.
  if (!next->removed_rows.empty()) {
    const int old_rows = static_cast<int>(prev->rows.size());
    m_row_map.resize(static_cast<std::size_t>(old_rows));
    std::iota(m_row_map.begin(), m_row_map.end(), 0);
    m_row_inverse = m_row_map;
    m_row_mapped = true;
    const auto gone = contiguousRanges(next->removed_rows);
    for (auto it = gone.rbegin(); it != gone.rend(); ++it) {
      beginRemoveRows({}, it->first, it->second);
      m_row_map.erase(m_row_map.begin() + it->first, m_row_map.begin() + it->second + 1);
      for (auto& m : m_row_inverse) {
        if (m > it->second)
          m -= it->second - it->first + 1;
        else if (m >= it->first)
          m = -1;
      }
      endRemoveRows();
    }
  }
  // 3. The new data, with new columns and rows not yet shown.
  m_data = next;
  m_applied = next->snapshot;
  const int rows = static_cast<int>(next->rows.size());
  const int cols = static_cast<int>(next->columns.size());
  m_col_map.clear();
  for (int c = 0; c < cols; ++c)
    if (!next->new_column[static_cast<std::size_t>(c)]) m_col_map.push_back(c);
  m_col_mapped = static_cast<int>(m_col_map.size()) != cols;
  m_row_mapped = next->kept_rows != rows;
  if (m_row_mapped) {
    m_row_map.resize(static_cast<std::size_t>(next->kept_rows));
    std::iota(m_row_map.begin(), m_row_map.end(), 0);
    m_row_inverse.assign(static_cast<std::size_t>(rows), -1);
    std::iota(m_row_inverse.begin(), m_row_inverse.begin() + next->kept_rows, 0);
  }
  // 4. New columns, at their place.
  if (m_col_mapped) {
    std::vector<int> added;
    for (int c = 0; c < cols; ++c)
      if (next->new_column[static_cast<std::size_t>(c)]) added.push_back(c);
    for (const auto& [first, last] : contiguousRanges(added)) {
      beginInsertColumns({}, first, last);
      std::vector<int> ids(static_cast<std::size_t>(last - first + 1));
      std::iota(ids.begin(), ids.end(), first);
      m_col_map.insert(m_col_map.begin() + first, ids.begin(), ids.end());
      endInsertColumns();
    }
    m_col_mapped = false;
    m_col_map.clear();
  }
  // 5. Changed rows: one signal, so a sorting proxy re-sorts once.
  int first_changed = -1, last_changed = -1;
  for (int r = 0; r < next->kept_rows; ++r) {
    if (!next->changed[static_cast<std::size_t>(r)]) continue;
    if (first_changed < 0) first_changed = r;
    last_changed = r;
  }
  if (first_changed >= 0 && cols > 0)
    Q_EMIT dataChanged(index(first_changed, 0), index(last_changed, cols - 1));
  // 6. New rows at the end; the view's proxy puts them in order.
  if (m_row_mapped) {
    beginInsertRows({}, next->kept_rows, rows - 1);
    m_row_mapped = false;
    m_row_map.clear();
    m_row_inverse.clear();
    endInsertRows();
  }
  Q_EMIT snapshotApplied();
}

int RunTableModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid()) return 0;
  return m_row_mapped ? static_cast<int>(m_row_map.size()) : static_cast<int>(m_data->rows.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
  if (parent.isValid()) return 0;
  return m_col_mapped ? static_cast<int>(m_col_map.size())
                      : static_cast<int>(m_data->columns.size());
}

const RunRow* RunTableModel::rowAt(int row) const {
  if (row < 0 || row >= rowCount()) return nullptr;
  return m_data->rows[static_cast<std::size_t>(dataRow(row))];
}

int RunTableModel::rowOfRun(const QString& run_id) const {
  const std::string id = run_id.toStdString();
  auto it = m_data->row_by_id.find(id);
  return it == m_data->row_by_id.end() ? -1 : modelRow(it->second);
}

const RunColumn& RunTableModel::column(int column) const {
  static const RunColumn kNone;
  if (column < 0 || column >= columnCount()) return kNone;
  return m_data->columns[static_cast<std::size_t>(dataColumn(column))].info;
}

int RunTableModel::columnOfId(const QString& id) const {
  const int c = m_data->column_by_id.value(id, -1);
  if (c < 0 || !m_col_mapped) return c;
  auto it = std::find(m_col_map.begin(), m_col_map.end(), c);
  return it == m_col_map.end() ? -1 : static_cast<int>(it - m_col_map.begin());
}

int RunTableModel::columnOfParam(const QString& key) const {
  return columnOfId(QStringLiteral("param:") + key);
}

int RunTableModel::columnOfMetric(const QString& key, MetricColumnStat stat) const {
  return columnOfId(QStringLiteral("metric:") + key + QLatin1Char(':') +
                    QLatin1String(statName(stat)));
}

int RunTableModel::columnOfTag(const QString& key) const {
  return columnOfId(QStringLiteral("tag:") + key);
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) return {};
  const RunColumn& c = column(section);
  switch (role) {
    case Qt::DisplayRole:
      return c.title;
    case ColumnIdRole:
      return c.id;
    case Qt::ToolTipRole:
      switch (c.kind) {
        case ColumnKind::Param:
          return c.varying ? tr("Parameter %1").arg(c.key)
                           : tr("Parameter %1 (the same in every run)").arg(c.key);
        case ColumnKind::Tag:
          return tr("Tag %1").arg(c.key);
        case ColumnKind::Metric:
          switch (c.stat) {
            case MetricColumnStat::Best:
              return store::lowerIsBetter(c.key.toStdString())
                         ? tr("Best (lowest) value of metric %1").arg(c.key)
                         : tr("Best (highest) value of metric %1").arg(c.key);
            case MetricColumnStat::Min:
              return tr("Lowest value of metric %1").arg(c.key);
            case MetricColumnStat::Max:
              return tr("Highest value of metric %1").arg(c.key);
            default:
              return tr("Last value of metric %1").arg(c.key);
          }
        default:
          return {};
      }
    default:
      return {};
  }
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
  const int r = dataRow(index.row());
  const int col = dataColumn(index.column());
  const ColumnData& c = m_data->columns[static_cast<std::size_t>(col)];
  const RunRow& row = *m_data->rows[static_cast<std::size_t>(r)];
  const auto& run = row.run;
  switch (role) {
    case RunIdRole:
      return QString::fromStdString(run.id);
    case StatusRole:
      return static_cast<int>(run.status);
    case Qt::ForegroundRole:
      if (col == kStatus) return QBrush(statusColor(run.status));
      return {};
    case Qt::TextAlignmentRole:
      if (col == kDuration || c.info.kind == ColumnKind::Metric ||
          (c.text_kind && c.numeric && col > kParent))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
      return {};
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
    case SortRole:
      break;
    default:
      return {};
  }
  if (c.text_kind) {
    const int v = c.text[static_cast<std::size_t>(r)];
    if (role == Qt::ToolTipRole) {
      if (col == kName) return QString::fromStdString(run.id);
      if (col == kStatus)
        return run.status_message.empty() ? QVariant() : QString::fromStdString(run.status_message);
      if (col == kParent) return QString::fromStdString(run.parent_run_id);
    }
    if (v < 0) return role == Qt::DisplayRole ? QVariant(QString()) : QVariant();
    if (role == SortRole && c.numeric) return c.pool_number[static_cast<std::size_t>(v)];
    return c.pool[static_cast<std::size_t>(v)];
  }
  if (col == kDuration) {
    const auto d = run.durationSeconds(unixNow());
    if (role == SortRole) return d ? QVariant(*d) : QVariant();
    return d ? formatDuration(*d) : QStringLiteral("–");
  }
  const double v = c.numbers[static_cast<std::size_t>(r)];
  if (std::isnan(v)) return role == Qt::DisplayRole ? QVariant(QString()) : QVariant();
  if (role == SortRole) return v;
  if (col == kStarted || col == kEnded) return formatTime(v);
  if (role == Qt::ToolTipRole && c.info.kind == ColumnKind::Metric) {
    auto it = row.metrics.find(c.info.key.toStdString());
    if (it == row.metrics.end()) return {};
    const auto& s = it->second;
    auto fmt = [](const std::optional<double>& x) {
      return x ? formatValue(*x) : QStringLiteral("–");
    };
    return tr("last %1 at step %2 · min %3 · max %4 · %5 points")
        .arg(fmt(s.last_value))
        .arg(s.last_step)
        .arg(fmt(s.min_value), fmt(s.max_value))
        .arg(s.count);
  }
  return formatValue(v);
}

SortKey RunTableModel::sortKey(int row, int column) const {
  const int r = dataRow(row);
  const int col = dataColumn(column);
  const ColumnData& c = m_data->columns[static_cast<std::size_t>(col)];
  if (c.text_kind) {
    const int v = c.text[static_cast<std::size_t>(r)];
    if (v < 0) return {};
    const double x = c.pool_number[static_cast<std::size_t>(v)];
    if (!std::isnan(x)) return {SortKey::kNumber, x};
    return {SortKey::kText, static_cast<double>(c.pool_rank[static_cast<std::size_t>(v)])};
  }
  if (col == kDuration) {
    const auto d = m_data->rows[static_cast<std::size_t>(r)]->run.durationSeconds(unixNow());
    return d ? SortKey{SortKey::kNumber, *d} : SortKey{};
  }
  const double v = c.numbers[static_cast<std::size_t>(r)];
  return std::isnan(v) ? SortKey{} : SortKey{SortKey::kNumber, v};
}

ResolvedField RunTableModel::resolve(const query::FieldRef& field) const {
  // Data columns: fieldValue() reads the same data, whatever half-applied update is showing.
  ResolvedField f;
  f.kind = field.kind;
  auto find = [&](const QString& id) { return m_data->column_by_id.value(id, -1); };
  switch (field.kind) {
    case query::FieldKind::RunField: {
      auto it = std::find(kFilterRunFields.begin(), kFilterRunFields.end(), field.key);
      f.run_field =
          it == kFilterRunFields.end() ? -1 : static_cast<int>(it - kFilterRunFields.begin());
      break;
    }
    case query::FieldKind::Param:
      f.param_column = find(columnId(ColumnKind::Param, field.key));
      break;
    case query::FieldKind::Tag:
      f.tag_column = find(columnId(ColumnKind::Tag, field.key));
      break;
    case query::FieldKind::ParamOrMetric:
      f.param_column = find(columnId(ColumnKind::Param, field.key));
      [[fallthrough]];
    case query::FieldKind::Metric: {
      const MetricColumnStat stat = field.stat == query::MetricStat::Min   ? MetricColumnStat::Min
                                    : field.stat == query::MetricStat::Max ? MetricColumnStat::Max
                                                                           : MetricColumnStat::Last;
      f.metric_column = find(columnId(ColumnKind::Metric, field.metric_key, stat));
      break;
    }
    case query::FieldKind::Unknown:
      break;
  }
  return f;
}

query::FieldValue RunTableModel::fieldValue(int row, const ResolvedField& f, double now) const {
  const auto r = static_cast<std::size_t>(dataRow(row));
  auto text = [&](int column) -> query::FieldValue {
    if (column < 0) return {};
    const ColumnData& c = m_data->columns[static_cast<std::size_t>(column)];
    const int v = c.text[r];
    if (v < 0) return {};
    return std::string_view(c.pool_utf8[static_cast<std::size_t>(v)]);
  };
  auto number = [&](int column) -> query::FieldValue {
    if (column < 0) return {};
    const double v = m_data->columns[static_cast<std::size_t>(column)].numbers[r];
    if (std::isnan(v)) return {};
    return v;
  };
  switch (f.kind) {
    case query::FieldKind::RunField: {
      const store::Run& run = m_data->rows[r]->run;
      switch (f.run_field) {
        case 0:
          return store::toString(run.status);
        case 1:
          return std::string_view(run.name);
        case 2:
          return std::string_view(run.id);
        case 3:
          return std::string_view(run.experiment);
        case 4:
          return run.created_at;
        case 5:
          return run.started_at ? query::FieldValue(*run.started_at) : query::FieldValue();
        case 6:
          return run.ended_at ? query::FieldValue(*run.ended_at) : query::FieldValue();
        case 7: {
          const auto d = run.durationSeconds(now);
          return d ? query::FieldValue(*d) : query::FieldValue();
        }
        case 8:
          return std::string_view(run.notes);
        default:
          return {};
      }
    }
    case query::FieldKind::Param:
      return text(f.param_column);
    case query::FieldKind::Tag:
      return text(f.tag_column);
    case query::FieldKind::Metric:
      return number(f.metric_column);
    case query::FieldKind::ParamOrMetric: {
      auto v = text(f.param_column);
      return v.isMissing() ? number(f.metric_column) : v;
    }
    case query::FieldKind::Unknown:
      break;
  }
  return {};
}

std::vector<char> RunTableModel::rowsContaining(std::string_view needle_lower) const {
  const int rows = rowCount();
  std::vector<char> out(static_cast<std::size_t>(rows), 0);
  if (needle_lower.empty()) {
    std::fill(out.begin(), out.end(), 1);
    return out;
  }
  // Text columns: each distinct value once, then a lookup per row.
  std::vector<char> hit;
  for (const ColumnData& c : m_data->columns) {
    if (!c.text_kind) continue;
    hit.assign(c.pool_utf8.size(), 0);
    bool any = false;
    for (std::size_t i = 0; i < hit.size(); ++i)
      any |= (hit[i] = containsLower(c.pool_utf8[i], needle_lower));
    if (!any) continue;
    for (int r = 0; r < rows; ++r) {
      const int v = c.text[static_cast<std::size_t>(dataRow(r))];
      if (v >= 0 && hit[static_cast<std::size_t>(v)]) out[static_cast<std::size_t>(r)] = 1;
    }
  }
  // Metric values as shown.
  for (int r = 0; r < rows; ++r) {
    auto& o = out[static_cast<std::size_t>(r)];
    if (!o)
      o = m_data->haystack[static_cast<std::size_t>(dataRow(r))].find(needle_lower) !=
          std::string::npos;
  }
  return out;
}

int RunTableModel::rootRowOf(int row) const {
  const int root = m_data->root[static_cast<std::size_t>(dataRow(row))];
  return root < 0 ? -1 : modelRow(root);
}

void RunTableModel::tickRunning() {
  int first = -1, last = -1;
  const int rows = rowCount();
  for (int r = 0; r < rows; ++r) {
    if (m_data->rows[static_cast<std::size_t>(dataRow(r))]->run.status != store::RunStatus::Running)
      continue;
    if (first < 0) first = r;
    last = r;
  }
  if (first >= 0)
    Q_EMIT dataChanged(index(first, kDuration), index(last, kDuration),
                       {Qt::DisplayRole, SortRole});
}

std::vector<std::pair<int, int>> contiguousRanges(const std::vector<int>& sorted) {
  std::vector<std::pair<int, int>> out;
  for (const int i : sorted) {
    if (!out.empty() && out.back().second + 1 == i)
      out.back().second = i;
    else
      out.emplace_back(i, i);
  }
  return out;
}

}  // namespace wb::ui
