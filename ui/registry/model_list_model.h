#pragma once

#include <QAbstractTableModel>

#include "ui/registry/registry_snapshot.h"

namespace wb::ui {

/// The Registry section's list of models: a first row "All models", then one row per model
/// with its latest version, its aliases (badges, AliasBadgeDelegate::AliasesRole holds
/// "alias:version" entries) and when it last changed.
class ModelListModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Name = 0, Latest, Aliases, Changed, ColumnCount };
  static constexpr int ModelNameRole = Qt::UserRole + 1;  // "" for the "All models" row
  static constexpr int SortRole = Qt::UserRole + 2;

  using QAbstractTableModel::QAbstractTableModel;

  void setSnapshot(const RegistrySnapshotPtr& snapshot);
  /// The row of a model (0 = all models); -1 when unknown.
  int rowOf(const QString& name) const;
  QString nameAt(int row) const;
  QStringList names() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::vector<registry::RegisteredModel> m_models;
};

}  // namespace wb::ui
