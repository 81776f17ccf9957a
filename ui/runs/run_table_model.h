#pragma once

#include <memory>
#include <utility>
#include <string_view>
#include <vector>

#include <QAbstractTableModel>
#include <QString>

#include "core/query/run_filter.h"
#include "ui/common/formatting.h"  // formatValue() etc., for the sections that show run values
#include "ui/common/run_snapshot.h"

template <typename T>
class QFutureWatcher;

namespace wb::ui {

namespace detail {
struct RunTableData;
}
using RunTableDataPtr = std::shared_ptr<const detail::RunTableData>;

enum class ColumnKind { Unknown, RunField, Param, Metric, Tag };
enum class MetricColumnStat { Unknown, Last, Best, Min, Max };

/// What a column shows. `id` is stable across snapshots and sessions (it keys saved settings).
struct RunColumn {
  ColumnKind kind = ColumnKind::Unknown;
  QString id;   // "run:name", "param:optim.lr", "metric:val/loss:min", "tag:owner"
  QString key;  // run field name, param, metric or tag key
  MetricColumnStat stat = MetricColumnStat::Unknown;
  QString title;  // header text, spelled as in filter expressions: "val/loss.min", "tags.owner"
  bool default_visible = false;
  bool varying = true;  // params: not the same value in every run
};

/// A cell's place in sort order: numbers by value, then text by rank, then missing.
struct SortKey {
  enum Class : int { kNumber = 0, kText = 1, kMissing = 2 };
  int cls = kMissing;
  double value = 0;  // the number, or the text's rank among the column's values
};

/// A filter field mapped onto this model's columns once per filter pass (RunTableModel::resolve).
struct ResolvedField {
  query::FieldKind kind = query::FieldKind::Unknown;
  int run_field = -1;  // index into the filter's run fields (status, name, …)
  int param_column = -1;
  int metric_column = -1;
  int tag_column = -1;
};

/// The Runs table: run fields, one column per param, four per metric (last, best, min, max)
/// and one per tag; which of them are shown is the view's business (RunsPanel).
///
/// A snapshot is indexed (RunTableIndexer) into per-column vectors (interned text, numbers,
/// sort ranks) so data(), sorting and filtering are O(1) per cell; large snapshots are indexed
/// on a worker thread. Updates are row- and column-level inserts/removes/changes (never a reset), so views
/// keep their selection and scroll position; new runs and columns are appended.
class RunTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    kName = 0,
    kStatus,
    kExperiment,
    kStarted,
    kDuration,
    kRunId,
    kParent,
    kEnded,
    kFixedColumns
  };
  enum Role { SortRole = Qt::UserRole + 1, RunIdRole, StatusRole, ColumnIdRole };
  /// Snapshots with more cells than this are indexed on a worker thread (~10 ms of work).
  static constexpr long kSyncIndexCells = 40'000;
  /// Shown without a saved choice: the first params (varying ones first) and metrics.
  static constexpr int kDefaultParamColumns = 12;
  static constexpr int kDefaultMetricColumns = 16;

  explicit RunTableModel(QObject* parent = nullptr);
  ~RunTableModel() override;

  /// Small snapshots apply at once; large ones after indexing off the GUI thread (then
  /// snapshotApplied()). While one is being indexed, later ones coalesce to the newest.
  void setSnapshot(RunSnapshotPtr snapshot);
  /// The snapshot the rows show now.
  RunSnapshotPtr snapshot() const;
  bool isIndexing() const { return m_indexing; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  const RunRow* rowAt(int row) const;
  int rowOfRun(const QString& run_id) const;
  const RunColumn& column(int column) const;
  int columnOfId(const QString& id) const;
  /// Column of a param key ("optim.lr") or metric key ("val/accuracy", last value); -1 if none.
  int columnOfParam(const QString& key) const;
  int columnOfMetric(const QString& key, MetricColumnStat stat = MetricColumnStat::Last) const;
  int columnOfTag(const QString& key) const;

  // For RunFilterProxy: O(1) per call, no allocation.
  SortKey sortKey(int row, int column) const;
  ResolvedField resolve(const query::FieldRef& field) const;
  query::FieldValue fieldValue(int row, const ResolvedField& field, double now) const;
  /// Plain search, per row: name, id, status, experiment, parent, a param, a tag or a last
  /// metric value (as shown) contains `needle` (ASCII lower case; the text ignoring ASCII case).
  std::vector<char> rowsContaining(std::string_view needle_lower) const;
  /// Sweep grouping: the top-most ancestor present in the table, or -1 for none.
  int rootRowOf(int row) const;

  /// Repaints the duration of running runs (the clock moves without new data).
  void tickRunning();

  /// RunTableIndexer::index (pure; any thread), for benchmarks.
  static RunTableDataPtr indexSnapshot(RunSnapshotPtr snapshot, RunTableDataPtr previous);

 Q_SIGNALS:
  /// A snapshot's rows and columns are in place (after the last insert/remove/change signal).
  void snapshotApplied();

 private:
  void startIndexing();
  void apply(RunTableDataPtr next);
  int dataRow(int row) const {
    return m_row_mapped ? m_row_map[static_cast<std::size_t>(row)] : row;
  }
  int dataColumn(int column) const {
    return m_col_mapped ? m_col_map[static_cast<std::size_t>(column)] : column;
  }
  int modelRow(int data_row) const {
    return m_row_mapped ? m_row_inverse[static_cast<std::size_t>(data_row)] : data_row;
  }

  RunTableDataPtr m_data;
  RunSnapshotPtr m_applied;  // null until the first snapshot
  // While an update is half applied, model row/column → data row/column (and back).
  bool m_row_mapped = false;
  bool m_col_mapped = false;
  std::vector<int> m_row_map;
  std::vector<int> m_row_inverse;  // -1: not in the model (yet, or any more)
  std::vector<int> m_col_map;
  RunSnapshotPtr m_pending;  // newest snapshot waiting for the indexer
  bool m_indexing = false;
  QFutureWatcher<RunTableDataPtr>* m_watcher = nullptr;
};

/// Sorted indexes as runs of consecutive ones: {1,2,3,7} → {(1,3),(7,7)}; for begin/end
/// row and column notifications.
std::vector<std::pair<int, int>> contiguousRanges(const std::vector<int>& sorted);

}  // namespace wb::ui
