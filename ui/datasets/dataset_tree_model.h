#pragma once

#include <QAbstractItemModel>

#include "ui/common/formatting.h"  // formatTime(), formatBytes() for the dataset views
#include "ui/datasets/dataset_snapshot.h"

namespace wb::ui {

/// The Datasets list: one top-level row per dataset, its versions (newest first) below.
/// Columns: name (or @version), samples, created. Updated from snapshots; an unchanged
/// snapshot leaves the model (and so the view's selection and expansion) alone.
class DatasetTreeModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  enum Column { kName = 0, kSamples, kCreated, kColumnCount };
  enum Role {
    RefRole = Qt::UserRole + 1,  // QString "name@3"; for a dataset row, its latest version
    DatasetRole,                 // QString dataset name
    IsVersionRole,               // bool
  };

  explicit DatasetTreeModel(QObject* parent = nullptr);

  /// Returns true when the contents changed (and the model was reset).
  bool setSnapshot(DatasetSnapshotPtr snapshot);
  DatasetSnapshotPtr snapshot() const { return m_snapshot; }

  QModelIndex indexOfRef(const QString& ref) const;
  QModelIndex indexOfDataset(const QString& name) const;
  const data::DatasetVersion* versionAt(const QModelIndex& index) const;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  const std::vector<data::DatasetVersion>* versionsOf(int dataset_row) const;

  DatasetSnapshotPtr m_snapshot;
};

}  // namespace wb::ui
