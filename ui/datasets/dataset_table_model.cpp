#include "ui/datasets/dataset_table_model.h"

#include <QFont>

namespace wb::ui {

namespace {
constexpr int kMaxCellChars = 200;
}

DatasetTableModel::DatasetTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void DatasetTableModel::setManifest(std::shared_ptr<const data::Manifest> manifest) {
  beginResetModel();
  m_manifest = std::move(manifest);
  m_numeric.clear();
  m_target = -1;
  if (m_manifest) {
    for (const auto& c : m_manifest->columns)
      m_numeric.push_back(c.type == data::ColumnType::Integer || c.type == data::ColumnType::Real);
    m_target = m_manifest->columnIndex(m_manifest->target_column);
  }
  endResetModel();
}

int DatasetTableModel::splitColumn() const {
  return m_manifest ? static_cast<int>(m_manifest->columns.size()) : 0;
}

int DatasetTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !m_manifest ? 0 : static_cast<int>(m_manifest->samples.size());
}

int DatasetTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() || !m_manifest ? 0 : static_cast<int>(m_manifest->columns.size()) + 1;
}

QVariant DatasetTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const auto& s = m_manifest->samples[static_cast<std::size_t>(index.row())];
  const int col = index.column();
  if (role == SampleIndexRole) return index.row();
  if (col == splitColumn()) {
    if (role == Qt::DisplayRole) return QString::fromUtf8(data::toString(s.split).data());
    return {};
  }
  if (role == Qt::TextAlignmentRole && m_numeric[static_cast<std::size_t>(col)])
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::FontRole && col == m_target) {
    QFont f;
    f.setBold(true);
    return f;
  }
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  if (static_cast<std::size_t>(col) >= s.values.size()) return {};
  const std::string& cell = s.values[static_cast<std::size_t>(col)];
  if (role == Qt::ToolTipRole) return QString::fromStdString(cell.substr(0, 2000));
  QString text = QString::fromStdString(cell.substr(0, kMaxCellChars * 4)).left(kMaxCellChars);
  text.replace(QLatin1Char('\n'), QLatin1Char(' '));
  return text;
}

QVariant DatasetTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation == Qt::Vertical) {
    if (role == Qt::DisplayRole) return section + 1;
    return {};
  }
  if (!m_manifest || section < 0 || section > splitColumn()) return {};
  if (section == splitColumn()) return role == Qt::DisplayRole ? tr("split") : QVariant();
  const auto& c = m_manifest->columns[static_cast<std::size_t>(section)];
  if (role == Qt::DisplayRole)
    return section == m_target ? tr("%1 (target)").arg(QString::fromStdString(c.name))
                               : QString::fromStdString(c.name);
  if (role == Qt::ToolTipRole)
    return tr("%1 · %2").arg(QString::fromStdString(c.name),
                             QString::fromUtf8(data::toString(c.type).data()));
  if (role == Qt::FontRole && section == m_target) {
    QFont f;
    f.setBold(true);
    return f;
  }
  return {};
}

}  // namespace wb::ui
