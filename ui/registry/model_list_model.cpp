#include "ui/registry/model_list_model.h"

#include <QFont>

#include "ui/common/formatting.h"
#include "ui/registry/alias_badge_delegate.h"

namespace wb::ui {

void ModelListModel::setSnapshot(const RegistrySnapshotPtr& snapshot) {
  std::vector<registry::RegisteredModel> models =
      snapshot ? snapshot->models : std::vector<registry::RegisteredModel>{};
  bool same_rows = models.size() == m_models.size();
  for (std::size_t i = 0; same_rows && i < models.size(); ++i)
    same_rows = models[i].name == m_models[i].name;
  if (same_rows) {
    // Same models: update in place so the view keeps its selection and scroll position.
    m_models = std::move(models);
    if (!m_models.empty()) Q_EMIT dataChanged(index(1, 0), index(rowCount() - 1, ColumnCount - 1));
    return;
  }
  beginResetModel();
  m_models = std::move(models);
  endResetModel();
}

int ModelListModel::rowOf(const QString& name) const {
  if (name.isEmpty()) return 0;
  for (std::size_t i = 0; i < m_models.size(); ++i)
    if (QString::fromStdString(m_models[i].name) == name) return static_cast<int>(i) + 1;
  return -1;
}

QString ModelListModel::nameAt(int row) const {
  if (row <= 0 || row > static_cast<int>(m_models.size())) return {};
  return QString::fromStdString(m_models[static_cast<std::size_t>(row - 1)].name);
}

QStringList ModelListModel::names() const {
  QStringList out;
  for (const auto& m : m_models) out << QString::fromStdString(m.name);
  return out;
}

int ModelListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_models.size()) + 1;
}

int ModelListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant ModelListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  if (index.row() == 0) {
    if (role == ModelNameRole) return QString();
    if (role == Qt::FontRole) {
      QFont f;
      f.setItalic(true);
      return f;
    }
    if (role == Qt::DisplayRole && index.column() == Name)
      return tr("All models (%1)").arg(m_models.size());
    return {};
  }
  const auto& m = m_models.at(static_cast<std::size_t>(index.row() - 1));
  switch (role) {
    case ModelNameRole:
      return QString::fromStdString(m.name);
    case AliasBadgeDelegate::AliasesRole: {
      if (index.column() != Aliases) return {};
      QStringList out;
      for (const auto& [alias, v] : m.aliases)
        out << QString::fromStdString(alias) + QLatin1Char(':') + QString::number(v);
      return out;
    }
    case Qt::ToolTipRole:
      if (index.column() == Name && !m.description.empty())
        return QString::fromStdString(m.description);
      if (index.column() == Latest)
        return tr("%n version(s), archived ones included", nullptr, m.version_count);
      return {};
    case SortRole:
    case Qt::DisplayRole:
      switch (index.column()) {
        case Name:
          return QString::fromStdString(m.name);
        case Latest:
          if (role == SortRole) return m.latest_version;
          return m.latest_version > 0 ? QStringLiteral("v%1").arg(m.latest_version) : tr("none");
        case Changed:
          if (role == SortRole) return m.updated_at;
          return formatTime(m.updated_at);
        default:
          return {};
      }
    default:
      return {};
  }
}

QVariant ModelListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name:
      return tr("Model");
    case Latest:
      return tr("Latest");
    case Aliases:
      return tr("Aliases");
    case Changed:
      return tr("Last change");
    default:
      return {};
  }
}

}  // namespace wb::ui
