#pragma once

#include <QAbstractTableModel>
#include <QIcon>

#include <map>
#include <vector>

#include "ui/experiments/run_launcher.h"

namespace wb::ui {

/// The run queue table over a RunLauncher's entries, one row per run in the launcher's order
/// (a sweep's children right under it). Keeps its own copy of the entries, updated from the
/// launcher's row signals, so its rows never change outside begin/end notifications.
class RunQueueModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    kRun = 0,
    kConfig,
    kStatus,
    kProgress,
    kEta,
    kMetrics,
    kSamples,
    kDuration,
    kColumnCount
  };
  enum Role {
    ProgressRole = Qt::UserRole + 1,  // double 0..1 for the progress bar delegate
    StatusRole,                       // int(LaunchStatus)
    RunIdRole,
    JobRole,
    KindRole,           // int(LaunchKind)
    StopRequestedRole,  // bool
  };

  explicit RunQueueModel(RunLauncher* launcher, QObject* parent = nullptr);

  RunLauncher* launcher() const { return m_launcher; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// nullptr for a row out of range.
  const RunEntry* entryAt(int row) const;
  int rowOfRun(const QString& run_id) const;
  int rowOfKey(int key) const;

  /// Repaints the clock-driven cells (ETA, duration) of active rows.
  void tick();

  static QColor statusColor(LaunchStatus status);
  /// "queued · next", "stopping…", "finished", …
  static QString statusText(const RunEntry& e);
  /// "epoch 3/10 · step 420"; sweeps: "2/6 runs".
  static QString progressText(const RunEntry& e);
  /// "acc 0.967 · val loss 0.123 · loss 0.145": the last epoch's headline metrics.
  static QString metricsSummary(const RunEntry& e);
  static QString compactDuration(double seconds);

 private:
  QIcon statusIcon(LaunchStatus status) const;

  RunLauncher* m_launcher;
  std::vector<RunEntry> m_rows;
  mutable std::map<LaunchStatus, QIcon> m_icons;
};

}  // namespace wb::ui
