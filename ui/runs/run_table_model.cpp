#include "ui/runs/run_table_model.h"

#include "core/common/clock.h"
#include "ui/common/formatting.h"
#include "ui/runs/run_table_indexer.h"

#include <QBrush>
#include <QColor>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <utility>

namespace wb::ui {

namespace {

using detail::ColumnData;

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

char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool containsLower(std::string_view haystack, std::string_view needle_lower) {
  return std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                     [](char h, char n) { return lowerAscii(h) == n; }) != haystack.end();
}

}  // namespace

RunTableDataPtr RunTableModel::indexSnapshot(RunSnapshotPtr snapshot, RunTableDataPtr previous) {
  return RunTableIndexer::index(std::move(snapshot), std::move(previous));
}

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
                                       snapshot->metric_keys.size() * RunTableIndexer::kStats.size());
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
                    QLatin1String(RunTableIndexer::statName(stat)));
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
  if (col == kStarted || col == kEnded) return formatTime(v, TimePrecision::Seconds);
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
      f.param_column = find(RunTableIndexer::columnId(ColumnKind::Param, field.key));
      break;
    case query::FieldKind::Tag:
      f.tag_column = find(RunTableIndexer::columnId(ColumnKind::Tag, field.key));
      break;
    case query::FieldKind::ParamOrMetric:
      f.param_column = find(RunTableIndexer::columnId(ColumnKind::Param, field.key));
      [[fallthrough]];
    case query::FieldKind::Metric: {
      const MetricColumnStat stat = field.stat == query::MetricStat::Min   ? MetricColumnStat::Min
                                    : field.stat == query::MetricStat::Max ? MetricColumnStat::Max
                                                                           : MetricColumnStat::Last;
      f.metric_column = find(RunTableIndexer::columnId(ColumnKind::Metric, field.metric_key, stat));
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
