#include "ui/runs/run_table_indexer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <set>
#include <utility>

#include "core/common/numbers.h"
#include "ui/common/formatting.h"

namespace wb::ui {

using detail::ColumnData;
using detail::RunTableData;

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

double finiteOr(const std::optional<double>& v) { return v && std::isfinite(*v) ? *v : kMissing; }

char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

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

RunColumn runColumn(const char* key, const QString& title, bool visible) {
  RunColumn c;
  c.kind = ColumnKind::RunField;
  c.key = QString::fromLatin1(key);
  c.id = QStringLiteral("run:") + c.key;
  c.title = title;
  c.default_visible = visible;
  return c;
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

}  // namespace

/// Builds one text column: interns values, then ranks them.
class RunTableIndexer::TextColumnBuilder {
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
      const auto number = parseDouble(s);  // the filter's and the CLI's rule
      c.pool_number.push_back(number.value_or(kMissing));
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

const char* RunTableIndexer::statName(MetricColumnStat stat) {
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

QString RunTableIndexer::columnId(ColumnKind kind, const std::string& key, MetricColumnStat stat) {
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

RunTableDataPtr RunTableIndexer::index(RunSnapshotPtr snapshot, RunTableDataPtr previous) {
  RunTableIndexer indexer(snapshot ? std::move(snapshot) : std::make_shared<RunSnapshot>(),
                          std::move(previous));
  indexer.orderRows();
  indexer.addColumns();
  indexer.markColumnChanges();
  const std::size_t n = indexer.m_data->rows.size();
  for (std::size_t r = 0; r < n; ++r) indexer.fillRow(r);
  indexer.finishColumns();
  return indexer.m_data;
}

RunTableIndexer::RunTableIndexer(RunSnapshotPtr snapshot, RunTableDataPtr previous)
    : m_previous(std::move(previous)), m_data(std::make_shared<RunTableData>()) {
  m_data->snapshot = std::move(snapshot);
}

// Rows: the previous ones still present, in their order, then new ones.
void RunTableIndexer::orderRows() {
  RunTableData& d = *m_data;
  const auto& srows = d.snapshot->rows;
  const std::size_t n = srows.size();
  std::unordered_map<std::string_view, int> snap_index;
  snap_index.reserve(n);
  for (std::size_t i = 0; i < n; ++i) snap_index.emplace(srows[i].run.id, static_cast<int>(i));
  std::vector<char> taken(n, 0);
  std::vector<int> prev_of_kept;
  d.rows.reserve(n);
  if (m_previous) {
    for (std::size_t r = 0; r < m_previous->rows.size(); ++r) {
      auto it = snap_index.find(m_previous->rows[r]->run.id);
      if (it == snap_index.end()) {
        d.removed_rows.push_back(static_cast<int>(r));
        continue;
      }
      taken[static_cast<std::size_t>(it->second)] = 1;
      d.rows.push_back(&srows[static_cast<std::size_t>(it->second)]);
      prev_of_kept.push_back(static_cast<int>(r));
    }
  }
  d.kept_rows = static_cast<int>(d.rows.size());
  for (std::size_t i = 0; i < n; ++i)
    if (!taken[i]) d.rows.push_back(&srows[i]);
  d.changed.assign(static_cast<std::size_t>(d.kept_rows), 0);
  for (std::size_t r = 0; r < prev_of_kept.size(); ++r)
    d.changed[r] =
        !sameRow(*m_previous->rows[static_cast<std::size_t>(prev_of_kept[r])], *d.rows[r]);
  d.row_by_id.reserve(n);
  for (std::size_t r = 0; r < n; ++r) d.row_by_id.emplace(d.rows[r]->run.id, static_cast<int>(r));
}

// Columns: the fixed ones, then params, metrics (kStats each) and tags, each section in a
// stable order; a column's default visibility never flips once shown.
void RunTableIndexer::addColumns() {
  const RunSnapshot& snapshot = *m_data->snapshot;
  std::vector<std::string> prev_params, prev_metrics, prev_tags;
  QHash<QString, bool> prev_default;
  if (m_previous) {
    for (const auto& c : m_previous->columns) {
      prev_default.insert(c.info.id, c.info.default_visible);
      const std::string key = c.info.key.toStdString();
      if (c.info.kind == ColumnKind::Param) prev_params.push_back(key);
      if (c.info.kind == ColumnKind::Tag) prev_tags.push_back(key);
      if (c.info.kind == ColumnKind::Metric && c.info.stat == MetricColumnStat::Last)
        prev_metrics.push_back(key);
    }
  }
  std::set<std::string> tag_set;
  for (const auto& row : snapshot.rows)
    for (const auto& [k, v] : row.tags) tag_set.insert(k);
  // Members: the column maps below hold views of these keys.
  const auto& params = m_params = stableKeys(prev_params, snapshot.param_keys);
  const auto& metrics = m_metrics = stableKeys(prev_metrics, snapshot.metric_keys);
  const auto& tags = m_tags = stableKeys(prev_tags, {tag_set.begin(), tag_set.end()});

  auto& cols = m_data->columns;
  cols.reserve(RunTableModel::kFixedColumns + params.size() + metrics.size() * kStats.size() +
               tags.size());
  auto add = [&](RunColumn info) {
    auto it = prev_default.find(info.id);
    if (it != prev_default.end()) info.default_visible = *it;
    ColumnData c;
    c.info = std::move(info);
    cols.push_back(std::move(c));
  };
  add(runColumn("name", RunTableModel::tr("Name"), true));
  add(runColumn("status", RunTableModel::tr("Status"), true));
  add(runColumn("experiment", RunTableModel::tr("Experiment"), true));
  add(runColumn("started", RunTableModel::tr("Started"), true));
  add(runColumn("duration", RunTableModel::tr("Duration"), true));
  add(runColumn("id", RunTableModel::tr("Run ID"), false));
  add(runColumn("parent", RunTableModel::tr("Parent"), false));
  add(runColumn("ended", RunTableModel::tr("Ended"), false));
  auto rank = [](const std::vector<std::string>& keys, const std::string& key) {
    return static_cast<int>(std::find(keys.begin(), keys.end(), key) - keys.begin());
  };
  auto keyed = [&](ColumnKind kind, const std::string& k, MetricColumnStat stat = {}) {
    RunColumn c;
    c.kind = kind;
    c.key = QString::fromStdString(k);
    c.stat = stat;
    c.id = columnId(kind, k, stat);
    c.title = c.key;
    return c;
  };
  for (const auto& k : params) {
    RunColumn c = keyed(ColumnKind::Param, k);
    c.default_visible = rank(snapshot.param_keys, k) < RunTableModel::kDefaultParamColumns;
    m_param_col.emplace(k, static_cast<int>(cols.size()));
    add(std::move(c));
  }
  for (const auto& k : metrics) {
    m_metric_col.emplace(k, static_cast<int>(cols.size()));
    m_lower_better.resize(cols.size() + 1, 0);
    m_lower_better[cols.size()] = store::lowerIsBetter(k);
    const bool shown = rank(snapshot.metric_keys, k) < RunTableModel::kDefaultMetricColumns;
    for (const auto stat : kStats) {
      RunColumn c = keyed(ColumnKind::Metric, k, stat);
      if (stat != MetricColumnStat::Last) c.title += QLatin1Char('.') + QLatin1String(statName(stat));
      c.default_visible = shown && stat == MetricColumnStat::Last;
      add(std::move(c));
    }
  }
  for (const auto& k : tags) {
    RunColumn c = keyed(ColumnKind::Tag, k);
    c.title = QStringLiteral("tags.") + c.key;
    m_tag_col.emplace(k, static_cast<int>(cols.size()));
    add(std::move(c));
  }
  for (std::size_t c = 0; c < cols.size(); ++c)
    m_data->column_by_id.insert(cols[c].info.id, static_cast<int>(c));
}

// Which columns are new, which previous ones are gone; storage for the values.
void RunTableIndexer::markColumnChanges() {
  RunTableData& d = *m_data;
  auto& cols = d.columns;
  d.new_column.assign(cols.size(), 1);
  if (m_previous) {
    for (std::size_t c = 0; c < m_previous->columns.size(); ++c) {
      auto it = d.column_by_id.find(m_previous->columns[c].info.id);
      if (it == d.column_by_id.end())
        d.removed_columns.push_back(static_cast<int>(c));
      else
        d.new_column[static_cast<std::size_t>(*it)] = 0;
    }
  }
  const std::size_t n = d.rows.size();
  m_text.resize(cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c) {
    const auto& info = cols[c].info;
    const bool is_text = info.kind == ColumnKind::Param || info.kind == ColumnKind::Tag ||
                         c == RunTableModel::kName || c == RunTableModel::kStatus ||
                         c == RunTableModel::kExperiment || c == RunTableModel::kRunId ||
                         c == RunTableModel::kParent;
    if (is_text)
      m_text[c] = std::make_unique<TextColumnBuilder>(cols[c], n);
    else
      cols[c].numbers.assign(n, kMissing);
  }
  d.haystack.resize(n);
  d.root.assign(n, -1);
}

void RunTableIndexer::fillRow(std::size_t r) {
  RunTableData& d = *m_data;
  auto& cols = d.columns;
  const RunRow& row = *d.rows[r];
  const auto& run = row.run;
  m_text[RunTableModel::kName]->set(r, run.name);
  m_text[RunTableModel::kStatus]->set(r, store::toString(run.status));
  m_text[RunTableModel::kExperiment]->set(r, run.experiment);
  m_text[RunTableModel::kRunId]->set(r, run.id);
  cols[RunTableModel::kStarted].numbers[r] = run.started_at.value_or(run.created_at);
  cols[RunTableModel::kEnded].numbers[r] = finiteOr(run.ended_at);
  if (!run.parent_run_id.empty()) {
    auto it = d.row_by_id.find(run.parent_run_id);
    m_text[RunTableModel::kParent]->set(
        r, it == d.row_by_id.end()
               ? std::string_view(run.parent_run_id)
               : std::string_view(d.rows[static_cast<std::size_t>(it->second)]->run.name));
    // Sweeps nest at most a few levels; the bound guards against a cycle.
    int root = -1;
    for (int depth = 0; it != d.row_by_id.end() && depth < 16; ++depth) {
      root = it->second;
      const auto& up = d.rows[static_cast<std::size_t>(root)]->run.parent_run_id;
      it = up.empty() ? d.row_by_id.end() : d.row_by_id.find(up);
    }
    d.root[r] = root == static_cast<int>(r) ? -1 : root;
  }
  for (const auto& [k, v] : row.params)
    if (auto it = m_param_col.find(k); it != m_param_col.end())
      m_text[static_cast<std::size_t>(it->second)]->set(r, v);
  for (const auto& [k, v] : row.tags)
    if (auto it = m_tag_col.find(k); it != m_tag_col.end())
      m_text[static_cast<std::size_t>(it->second)]->set(r, v);
  std::string& hay = d.haystack[r];
  for (const auto& [k, s] : row.metrics) {
    auto it = m_metric_col.find(k);
    if (it == m_metric_col.end()) continue;
    const auto base = static_cast<std::size_t>(it->second);
    cols[base].numbers[r] = finiteOr(s.last_value);
    cols[base + 1].numbers[r] = finiteOr(m_lower_better[base] ? s.min_value : s.max_value);
    cols[base + 2].numbers[r] = finiteOr(s.min_value);
    cols[base + 3].numbers[r] = finiteOr(s.max_value);
    if (s.last_value && std::isfinite(*s.last_value)) {
      hay += '\n';
      hay += formatGeneral(*s.last_value, kValueDigits);  // as formatValue() shows it
    }
  }
}

void RunTableIndexer::finishColumns() {
  auto& cols = m_data->columns;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    if (!m_text[c]) continue;
    m_text[c]->finish();
    auto& col = cols[c];
    if (col.info.kind == ColumnKind::Param) {
      const bool some_missing = std::find(col.text.begin(), col.text.end(), -1) != col.text.end();
      col.info.varying = col.pool.size() > 1 || (col.pool.size() == 1 && some_missing);
    }
  }
}

}  // namespace wb::ui
