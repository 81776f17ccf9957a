#pragma once

#include <string>
#include <vector>

#include <QAbstractTableModel>

#include "core/data/dataset.h"

namespace wb::ui {

/// Per-column statistics of a table or text dataset: name, type, missing, distinct, min,
/// max, mean, std and the most frequent values. The target column is marked.
class DatasetColumnStatsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    kName = 0,
    kType,
    kMissing,
    kDistinct,
    kMin,
    kMax,
    kMean,
    kStd,
    kTop,
    kColumnCount
  };
  enum Role { IsTargetRole = Qt::UserRole + 1 };

  explicit DatasetColumnStatsModel(QObject* parent = nullptr);

  void setColumns(std::vector<data::ColumnInfo> columns, const std::string& target,
                  std::vector<std::string> text_columns = {});
  const std::vector<data::ColumnInfo>& columns() const { return m_columns; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::vector<data::ColumnInfo> m_columns;
  std::string m_target;
  std::vector<std::string> m_text_columns;
};

}  // namespace wb::ui
