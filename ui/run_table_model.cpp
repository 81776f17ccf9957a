#include "ui/run_table_model.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <QBrush>
#include <QColor>
#include <QDateTime>

#include "core/common/clock.h"

namespace wb::ui {

namespace {

QColor statusColor(store::RunStatus s) {
  switch (s) {
    case store::RunStatus::Running: return QColor(0x1e, 0x6f, 0xd9);
    case store::RunStatus::Finished: return QColor(0x2e, 0x8b, 0x3e);
    case store::RunStatus::Failed: return QColor(0xc6, 0x28, 0x28);
    case store::RunStatus::Killed: return QColor(0xd9, 0x73, 0x06);
    case store::RunStatus::Queued: return QColor(0x70, 0x70, 0x70);
    case store::RunStatus::Unknown: break;
  }
  return QColor(Qt::gray);
}

std::vector<std::string> firstN(const std::vector<std::string>& keys, std::size_t n) {
  return {keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(std::min(n, keys.size()))};
}

// Params are stored as text; numbers sort as numbers.
QVariant sortableText(const std::string& text) {
  bool ok = false;
  const double v = QString::fromStdString(text).toDouble(&ok);
  if (ok) return v;
  return QString::fromStdString(text);
}

bool sameRow(const RunRow& a, const RunRow& b) {
  const auto& x = a.run;
  const auto& y = b.run;
  if (x.status != y.status || x.name != y.name || x.ended_at != y.ended_at ||
      x.heartbeat_at != y.heartbeat_at || x.notes != y.notes || a.params != b.params ||
      a.tags != b.tags || a.metrics.size() != b.metrics.size())
    return false;
  for (const auto& [k, m] : a.metrics) {
    auto it = b.metrics.find(k);
    if (it == b.metrics.end() || it->second.count != m.count) return false;
  }
  return true;
}

}  // namespace

QString formatDuration(double s) {
  if (s < 0) s = 0;
  if (s < 60) return QString::number(s, 'f', 1) + QStringLiteral(" s");
  const int total = static_cast<int>(s);
  if (s < 3600)
    return QStringLiteral("%1m %2s").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1h %2m").arg(total / 3600).arg(total % 3600 / 60, 2, 10, QLatin1Char('0'));
}

QString formatValue(double v) {
  if (std::isnan(v)) return QStringLiteral("nan");
  return QString::number(v, 'g', 5);
}

RunTableModel::RunTableModel(QObject* parent) : QAbstractTableModel(parent) {}

int RunTableModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !m_snapshot) return 0;
  return static_cast<int>(m_snapshot->rows.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
  if (parent.isValid()) return 0;
  return kFixedColumns + static_cast<int>(m_param_columns.size() + m_metric_columns.size());
}

const RunRow* RunTableModel::rowAt(int row) const {
  if (!m_snapshot || row < 0 || row >= static_cast<int>(m_snapshot->rows.size())) return nullptr;
  return &m_snapshot->rows[static_cast<std::size_t>(row)];
}

int RunTableModel::rowOfRun(const QString& run_id) const {
  if (!m_snapshot) return -1;
  const std::string id = run_id.toStdString();
  for (std::size_t i = 0; i < m_snapshot->rows.size(); ++i)
    if (m_snapshot->rows[i].run.id == id) return static_cast<int>(i);
  return -1;
}

int RunTableModel::columnOfParam(const QString& key) const {
  auto it = std::find(m_param_columns.begin(), m_param_columns.end(), key.toStdString());
  return it == m_param_columns.end() ? -1 : kFixedColumns + static_cast<int>(it - m_param_columns.begin());
}

int RunTableModel::columnOfMetric(const QString& key) const {
  auto it = std::find(m_metric_columns.begin(), m_metric_columns.end(), key.toStdString());
  return it == m_metric_columns.end()
             ? -1
             : kFixedColumns + static_cast<int>(m_param_columns.size()) +
                   static_cast<int>(it - m_metric_columns.begin());
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  const int params = static_cast<int>(m_param_columns.size());
  if (role == Qt::DisplayRole) {
    switch (section) {
      case kName: return tr("Name");
      case kStatus: return tr("Status");
      case kExperiment: return tr("Experiment");
      case kStarted: return tr("Started");
      case kDuration: return tr("Duration");
      default: break;
    }
    const int i = section - kFixedColumns;
    if (i >= 0 && i < params) return QString::fromStdString(m_param_columns[static_cast<std::size_t>(i)]);
    if (i >= params && i - params < static_cast<int>(m_metric_columns.size()))
      return QString::fromStdString(m_metric_columns[static_cast<std::size_t>(i - params)]);
  }
  if (role == Qt::ToolTipRole) {
    const int i = section - kFixedColumns;
    if (i >= 0 && i < params) return tr("Parameter %1").arg(QString::fromStdString(m_param_columns[static_cast<std::size_t>(i)]));
    if (i >= params && i - params < static_cast<int>(m_metric_columns.size()))
      return tr("Last value of metric %1").arg(QString::fromStdString(m_metric_columns[static_cast<std::size_t>(i - params)]));
  }
  return {};
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
  const RunRow* row = rowAt(index.row());
  if (!row || index.column() < 0 || index.column() >= columnCount()) return {};
  const auto& run = row->run;
  const int col = index.column();
  const int params = static_cast<int>(m_param_columns.size());
  if (role == RunIdRole) return QString::fromStdString(run.id);
  if (role == StatusRole) return static_cast<int>(run.status);

  if (col == kStatus) {
    if (role == Qt::ForegroundRole) return QBrush(statusColor(run.status));
    if (role == Qt::ToolTipRole && !run.status_message.empty())
      return QString::fromStdString(run.status_message);
  }
  if (col >= kFixedColumns && role == Qt::TextAlignmentRole)
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (col == kDuration && role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != SortRole && role != Qt::ToolTipRole) return {};

  switch (col) {
    case kName:
      if (role == Qt::ToolTipRole) return QString::fromStdString(run.id);
      return QString::fromStdString(run.name);
    case kStatus: return QString::fromUtf8(store::toString(run.status).data());
    case kExperiment: return QString::fromStdString(run.experiment);
    case kStarted: {
      const double t = run.started_at.value_or(run.created_at);
      if (role == SortRole) return t;
      return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(t * 1000))
          .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    case kDuration: {
      const auto d = run.durationSeconds(unixNow());
      if (role == SortRole) return d ? QVariant(*d) : QVariant(-1.0);
      return d ? formatDuration(*d) : QStringLiteral("–");
    }
    default: break;
  }
  const int i = col - kFixedColumns;
  if (i < params) {
    auto it = row->params.find(m_param_columns[static_cast<std::size_t>(i)]);
    if (it == row->params.end()) return role == SortRole ? QVariant() : QVariant(QString());
    if (role == SortRole) return sortableText(it->second);
    return QString::fromStdString(it->second);
  }
  auto it = row->metrics.find(m_metric_columns[static_cast<std::size_t>(i - params)]);
  if (it == row->metrics.end() || !it->second.last_value)
    return role == SortRole ? QVariant() : QVariant(QString());
  const double v = *it->second.last_value;
  if (role == SortRole) return v;
  if (role == Qt::ToolTipRole)
    return tr("last %1 at step %2 · min %3 · max %4")
        .arg(formatValue(v))
        .arg(it->second.last_step)
        .arg(it->second.min_value ? formatValue(*it->second.min_value) : QStringLiteral("–"))
        .arg(it->second.max_value ? formatValue(*it->second.max_value) : QStringLiteral("–"));
  return formatValue(v);
}

void RunTableModel::setSnapshot(RunSnapshotPtr snapshot) {
  if (!snapshot) snapshot = std::make_shared<RunSnapshot>();
  auto params = firstN(snapshot->param_keys, kMaxParamColumns);
  auto metrics = firstN(snapshot->metric_keys, kMaxMetricColumns);
  if (!m_snapshot || params != m_param_columns || metrics != m_metric_columns) {
    beginResetModel();
    m_param_columns = std::move(params);
    m_metric_columns = std::move(metrics);
    m_snapshot = std::move(snapshot);
    endResetModel();
    return;
  }

  // Same columns: turn the old row list into the new one with removes, appends and changes.
  // The view's sort proxy orders them, so new runs can go at the end.
  std::unordered_map<std::string, std::size_t> new_index;
  for (std::size_t i = 0; i < snapshot->rows.size(); ++i) new_index[snapshot->rows[i].run.id] = i;

  auto working = std::make_shared<RunSnapshot>(*m_snapshot);
  working->param_keys = snapshot->param_keys;
  working->metric_keys = snapshot->metric_keys;
  working->schema_version = snapshot->schema_version;
  working->db_size_bytes = snapshot->db_size_bytes;
  working->loaded_at = snapshot->loaded_at;
  working->load_ms = snapshot->load_ms;
  for (int r = static_cast<int>(working->rows.size()) - 1; r >= 0; --r) {
    if (new_index.count(working->rows[static_cast<std::size_t>(r)].run.id)) continue;
    beginRemoveRows({}, r, r);
    working->rows.erase(working->rows.begin() + r);
    m_snapshot = working;
    endRemoveRows();
  }
  std::unordered_map<std::string, std::size_t> old_index;
  for (std::size_t i = 0; i < working->rows.size(); ++i) old_index[working->rows[i].run.id] = i;
  int first_changed = -1, last_changed = -1;
  for (std::size_t i = 0; i < working->rows.size(); ++i) {
    const auto& fresh = snapshot->rows[new_index[working->rows[i].run.id]];
    if (!sameRow(working->rows[i], fresh)) {
      working->rows[i] = fresh;
      if (first_changed < 0) first_changed = static_cast<int>(i);
      last_changed = static_cast<int>(i);
    }
  }
  std::vector<const RunRow*> added;
  for (const auto& row : snapshot->rows)
    if (!old_index.count(row.run.id)) added.push_back(&row);
  m_snapshot = working;
  if (first_changed >= 0)
    Q_EMIT dataChanged(index(first_changed, 0), index(last_changed, columnCount() - 1));
  if (!added.empty()) {
    const int first = static_cast<int>(working->rows.size());
    beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
    for (const auto* row : added) working->rows.push_back(*row);
    endInsertRows();
  }
}

void RunTableModel::tickRunning() {
  if (!m_snapshot) return;
  for (std::size_t i = 0; i < m_snapshot->rows.size(); ++i) {
    if (m_snapshot->rows[i].run.status != store::RunStatus::Running) continue;
    const auto idx = index(static_cast<int>(i), kDuration);
    Q_EMIT dataChanged(idx, idx, {Qt::DisplayRole, SortRole});
  }
}

}  // namespace wb::ui
