#pragma once

#include <memory>

#include <QAbstractTableModel>

#include "core/data/dataset.h"

namespace wb::ui {

/// The rows of a table (or text) dataset version: one column per manifest column, then the
/// split. Reads the manifest in place; nothing is copied per row.
class DatasetTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Role { SampleIndexRole = Qt::UserRole + 1 };

  explicit DatasetTableModel(QObject* parent = nullptr);

  void setManifest(std::shared_ptr<const data::Manifest> manifest);
  std::shared_ptr<const data::Manifest> manifest() const { return m_manifest; }
  /// The split column's index.
  int splitColumn() const;
  int targetColumn() const { return m_target; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const data::Manifest> m_manifest;
  std::vector<bool> m_numeric;
  int m_target = -1;
};

}  // namespace wb::ui
