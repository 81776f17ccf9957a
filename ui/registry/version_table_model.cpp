#include "ui/registry/version_table_model.h"

#include <QBrush>
#include <QFont>
#include <QPalette>

#include "ui/common/formatting.h"
#include "ui/registry/alias_badge_delegate.h"
#include "ui/registry/registry_format.h"

namespace wb::ui {

namespace {
std::vector<const registry::ModelVersion*> allOf(const RegistrySnapshot& snap) {
  std::vector<const registry::ModelVersion*> out;
  out.reserve(snap.versions.size());
  for (const auto& v : snap.versions) out.push_back(&v);
  return out;
}
}  // namespace

void VersionTableModel::setSnapshot(const RegistrySnapshotPtr& snapshot) {
  const QStringList keys = snapshot ? registry_format::keyMetrics(allOf(*snapshot)) : QStringList{};
  bool same_rows = m_snap && snapshot && keys == m_metric_keys &&
                   m_snap->versions.size() == snapshot->versions.size();
  for (std::size_t i = 0; same_rows && i < snapshot->versions.size(); ++i)
    same_rows = m_snap->versions[i].id == snapshot->versions[i].id;
  if (same_rows) {
    // Same rows and columns: cells change in place, selection and sort stay.
    m_snap = snapshot;
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    return;
  }
  beginResetModel();
  m_snap = snapshot;
  m_metric_keys = keys;
  m_columns = {{ColumnKind::Model, {}}, {ColumnKind::Version, {}}, {ColumnKind::Aliases, {}}};
  for (const auto& k : keys) m_columns.push_back({ColumnKind::Metric, k});
  for (auto kind : {ColumnKind::Created, ColumnKind::Run, ColumnKind::Dataset, ColumnKind::Size,
                    ColumnKind::Tags})
    m_columns.push_back({kind, {}});
  endResetModel();
}

const registry::ModelVersion* VersionTableModel::versionAt(int row) const {
  if (!m_snap || row < 0 || row >= static_cast<int>(m_snap->versions.size())) return nullptr;
  return &m_snap->versions[static_cast<std::size_t>(row)];
}

int VersionTableModel::rowOf(const QString& name, int version) const {
  if (!m_snap) return -1;
  const std::string n = name.toStdString();
  for (std::size_t i = 0; i < m_snap->versions.size(); ++i)
    if (m_snap->versions[i].model == n && m_snap->versions[i].version == version)
      return static_cast<int>(i);
  return -1;
}

VersionTableModel::ColumnKind VersionTableModel::columnKind(int column) const {
  if (column < 0 || column >= static_cast<int>(m_columns.size())) return ColumnKind::Unknown;
  return m_columns[static_cast<std::size_t>(column)].kind;
}

int VersionTableModel::columnOf(ColumnKind kind) const {
  for (std::size_t i = 0; i < m_columns.size(); ++i)
    if (m_columns[i].kind == kind) return static_cast<int>(i);
  return -1;
}

int VersionTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !m_snap ? 0 : static_cast<int>(m_snap->versions.size());
}

int VersionTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
}

QVariant VersionTableModel::display(const registry::ModelVersion& v, const Column& c,
                                    bool for_sort) const {
  switch (c.kind) {
    case ColumnKind::Model:
      return QString::fromStdString(v.model);
    case ColumnKind::Version:
      return for_sort ? QVariant(v.version) : QVariant(QStringLiteral("v%1").arg(v.version));
    case ColumnKind::Aliases:
      return {};  // painted by AliasBadgeDelegate
    case ColumnKind::Metric: {
      const auto value = registry_format::metricValue(v.metrics, c.metric.toStdString());
      if (!value) return {};
      return for_sort ? QVariant(*value) : QVariant(formatValue(*value));
    }
    case ColumnKind::Created:
      return for_sort ? QVariant(v.created_at) : QVariant(formatTime(v.created_at));
    case ColumnKind::Run: {
      const auto name =
          v.lineage.is_object() ? v.lineage.value("run_name", std::string()) : std::string();
      if (!name.empty()) return QString::fromStdString(name);
      if (!v.run_id.empty()) return QString::fromStdString(v.run_id.substr(0, 8));
      return for_sort ? QVariant(QString()) : QVariant(QString::fromStdString(v.source));
    }
    case ColumnKind::Dataset:
      return QString::fromStdString(v.dataset);
    case ColumnKind::Size:
      return for_sort ? QVariant(static_cast<qlonglong>(v.size_bytes))
                      : QVariant(formatBytes(v.size_bytes));
    case ColumnKind::Tags:
      return registry_format::tagsText(v);
    case ColumnKind::Unknown:
      break;
  }
  return {};
}

QVariant VersionTableModel::data(const QModelIndex& index, int role) const {
  const auto* v = index.isValid() ? versionAt(index.row()) : nullptr;
  if (!v || index.column() >= columnCount()) return {};
  const Column& c = m_columns[static_cast<std::size_t>(index.column())];
  switch (role) {
    case Qt::DisplayRole:
      return c.kind == ColumnKind::Aliases ? QVariant() : display(*v, c, false);
    case SortRole:
      if (c.kind == ColumnKind::Aliases) {
        QStringList a;
        for (const auto& s : v->aliases) a << QString::fromStdString(s);
        return a.join(QLatin1Char(' '));
      }
      return display(*v, c, true);
    case AliasBadgeDelegate::AliasesRole: {
      if (c.kind != ColumnKind::Aliases) return {};
      QStringList a;
      for (const auto& s : v->aliases) a << QString::fromStdString(s);
      return a;
    }
    case ModelNameRole:
      return QString::fromStdString(v->model);
    case VersionRole:
      return v->version;
    case ArchivedRole:
      return v->archived;
    case RunIdRole:
      return QString::fromStdString(v->run_id);
    case Qt::ToolTipRole:
      if (c.kind == ColumnKind::Run) return QString::fromStdString(v->run_id);
      if (c.kind == ColumnKind::Model && !v->description.empty())
        return QString::fromStdString(v->description);
      if (c.kind == ColumnKind::Version && v->archived) return tr("Archived");
      return {};
    case Qt::ForegroundRole:
      if (v->archived) return QBrush(QPalette().color(QPalette::Disabled, QPalette::Text));
      return {};
    case Qt::FontRole:
      if (v->archived) {
        QFont f;
        f.setItalic(true);
        return f;
      }
      return {};
    case Qt::TextAlignmentRole:
      if (c.kind == ColumnKind::Metric || c.kind == ColumnKind::Size ||
          c.kind == ColumnKind::Version)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
      return {};
    default:
      return {};
  }
}

QVariant VersionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) return {};
  const Column& c = m_columns[static_cast<std::size_t>(section)];
  if (role == Qt::ToolTipRole && c.kind == ColumnKind::Metric)
    return c.metric.startsWith(QLatin1String("test/"))
               ? tr("%1 on the test split").arg(c.metric)
               : tr("%1: the run's best value").arg(c.metric);
  if (role != Qt::DisplayRole) return {};
  switch (c.kind) {
    case ColumnKind::Model:
      return tr("Model");
    case ColumnKind::Version:
      return tr("Version");
    case ColumnKind::Aliases:
      return tr("Aliases");
    case ColumnKind::Metric:
      return c.metric;
    case ColumnKind::Created:
      return tr("Created");
    case ColumnKind::Run:
      return tr("Run");
    case ColumnKind::Dataset:
      return tr("Dataset");
    case ColumnKind::Size:
      return tr("Size");
    case ColumnKind::Tags:
      return tr("Tags");
    case ColumnKind::Unknown:
      break;
  }
  return {};
}

}  // namespace wb::ui
