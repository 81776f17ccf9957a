#include "ui/datasets/dataset_column_stats_model.h"

#include <algorithm>

#include <QFont>
#include <QLocale>

#include "ui/common/formatting.h"

namespace wb::ui {

DatasetColumnStatsModel::DatasetColumnStatsModel(QObject* parent) : QAbstractTableModel(parent) {}

void DatasetColumnStatsModel::setColumns(std::vector<data::ColumnInfo> columns,
                                         const std::string& target,
                                         std::vector<std::string> text_columns) {
  beginResetModel();
  m_columns = std::move(columns);
  m_target = target;
  m_text_columns = std::move(text_columns);
  endResetModel();
}

int DatasetColumnStatsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
}

int DatasetColumnStatsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant DatasetColumnStatsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const auto& c = m_columns[static_cast<std::size_t>(index.row())];
  const bool target = !m_target.empty() && c.name == m_target;
  const bool numeric = c.type == data::ColumnType::Integer || c.type == data::ColumnType::Real;
  if (role == IsTargetRole) return target;
  if (role == Qt::FontRole && target) {
    QFont f;
    f.setBold(true);
    return f;
  }
  if (role == Qt::TextAlignmentRole && index.column() >= kMissing && index.column() <= kStd)
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  const QLocale locale;
  const QString dash = QStringLiteral("–");
  switch (index.column()) {
    case kName: {
      QString name = QString::fromStdString(c.name);
      if (target) name += tr("  (target)");
      if (std::find(m_text_columns.begin(), m_text_columns.end(), c.name) != m_text_columns.end())
        name += tr("  (text input)");
      return name;
    }
    case kType:
      return QString::fromUtf8(data::toString(c.type).data());
    case kMissing:
      return locale.toString(static_cast<qulonglong>(c.missing));
    case kDistinct:
      return locale.toString(static_cast<qulonglong>(c.distinct));
    case kMin:
      return numeric ? formatValue(c.min) : dash;
    case kMax:
      return numeric ? formatValue(c.max) : dash;
    case kMean:
      return numeric ? formatValue(c.mean) : dash;
    case kStd:
      return numeric ? formatValue(c.stddev) : dash;
    case kTop: {
      QStringList parts;
      for (std::size_t i = 0; i < c.top_values.size() && i < 5; ++i) {
        QString v = QString::fromStdString(c.top_values[i].first);
        if (v.size() > 24) v = v.left(23) + QChar(0x2026);
        parts << QStringLiteral("%1 (%2)").arg(v).arg(c.top_values[i].second);
      }
      return parts.join(QStringLiteral(", "));
    }
  }
  return {};
}

QVariant DatasetColumnStatsModel::headerData(int section, Qt::Orientation orientation,
                                             int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kName:
      return tr("Column");
    case kType:
      return tr("Type");
    case kMissing:
      return tr("Missing");
    case kDistinct:
      return tr("Distinct");
    case kMin:
      return tr("Min");
    case kMax:
      return tr("Max");
    case kMean:
      return tr("Mean");
    case kStd:
      return tr("Std");
    case kTop:
      return tr("Most frequent");
  }
  return {};
}

}  // namespace wb::ui
