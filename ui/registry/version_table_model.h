#pragma once

#include <QAbstractTableModel>
#include <QStringList>

#include "ui/registry/registry_snapshot.h"

namespace wb::ui {

/// Every version of every model as a table: model, version, aliases (badges), the key metrics
/// (test/ then val/ keys, one column each), created, run, dataset, size, tags. Reads the
/// snapshot it was given; a snapshot with the same rows updates cells in place.
class VersionTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum class ColumnKind {
    Unknown = 0,
    Model,
    Version,
    Aliases,
    Metric,
    Created,
    Run,
    Dataset,
    Size,
    Tags
  };
  static constexpr int ModelNameRole = Qt::UserRole + 1;
  static constexpr int VersionRole = Qt::UserRole + 2;
  static constexpr int SortRole = Qt::UserRole + 3;
  static constexpr int ArchivedRole = Qt::UserRole + 4;
  static constexpr int RunIdRole = Qt::UserRole + 5;

  using QAbstractTableModel::QAbstractTableModel;

  void setSnapshot(const RegistrySnapshotPtr& snapshot);
  RegistrySnapshotPtr snapshot() const { return m_snap; }
  const registry::ModelVersion* versionAt(int row) const;
  /// The row of NAME's VERSION; -1 when absent.
  int rowOf(const QString& name, int version) const;
  ColumnKind columnKind(int column) const;
  int columnOf(ColumnKind kind) const;
  QStringList metricKeys() const { return m_metric_keys; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Column {
    ColumnKind kind = ColumnKind::Unknown;
    QString metric;  // ColumnKind::Metric
  };
  QVariant display(const registry::ModelVersion& v, const Column& c, bool for_sort) const;

  RegistrySnapshotPtr m_snap;
  std::vector<Column> m_columns;
  QStringList m_metric_keys;
};

}  // namespace wb::ui
