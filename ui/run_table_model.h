#pragma once

#include <QAbstractTableModel>
#include <QStringList>

#include "ui/run_snapshot.h"

namespace wb::ui {

/// The Runs table: fixed columns (name, status, experiment, start, duration), then one column
/// per param key and one per metric key (last value). Updated from snapshots with row-level
/// inserts/removes/changes so views keep their selection and scroll position.
class RunTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { kName = 0, kStatus, kExperiment, kStarted, kDuration, kFixedColumns };
  enum Role { SortRole = Qt::UserRole + 1, RunIdRole, StatusRole };
  static constexpr int kMaxParamColumns = 12;
  static constexpr int kMaxMetricColumns = 16;

  explicit RunTableModel(QObject* parent = nullptr);

  void setSnapshot(RunSnapshotPtr snapshot);
  RunSnapshotPtr snapshot() const { return m_snapshot; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  const RunRow* rowAt(int row) const;
  int rowOfRun(const QString& run_id) const;
  /// Column of a param key ("optim.lr") or metric key ("val/accuracy"); -1 if none.
  int columnOfParam(const QString& key) const;
  int columnOfMetric(const QString& key) const;

  /// Repaints the duration of running runs (the clock moves without new data).
  void tickRunning();

 private:
  std::vector<std::string> m_param_columns;
  std::vector<std::string> m_metric_columns;
  RunSnapshotPtr m_snapshot;
};

QString formatDuration(double seconds);
QString formatValue(double value);

}  // namespace wb::ui
