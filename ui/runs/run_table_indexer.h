#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <QHash>
#include <QString>

#include "ui/runs/run_table_model.h"

namespace wb::ui {

namespace detail {

/// One column's values for every row, in table order.
struct ColumnData {
  RunColumn info;
  bool text_kind = false;       // values in text/pool, else in numbers
  std::vector<double> numbers;  // NaN: missing
  std::vector<int> text;        // index into the pool, -1: missing
  // Interned values: params and tags take few distinct values.
  std::vector<QString> pool;
  std::vector<std::string> pool_utf8;
  std::vector<double> pool_number;  // NaN: not a number
  std::vector<int> pool_rank;       // order of the text values
  bool numeric = false;             // every value is a number
};

struct RunTableData {
  RunSnapshotPtr snapshot;
  std::vector<const RunRow*> rows;  // table order; point into snapshot
  std::vector<ColumnData> columns;
  std::unordered_map<std::string_view, int> row_by_id;  // views into snapshot
  QHash<QString, int> column_by_id;
  std::vector<std::string> haystack;  // per row: last metric values as shown, for plain search
  std::vector<int> root;              // sweep root row, -1: none
  // Against the data this one replaces:
  std::vector<int> removed_rows;     // previous rows gone, ascending
  std::vector<int> removed_columns;  // previous columns gone, ascending
  int kept_rows = 0;                 // rows [0, kept_rows) were there, in the same order
  std::vector<char> new_column;      // per column
  std::vector<char> changed;         // per kept row: some value differs
};

}  // namespace detail

/// Indexes a run snapshot for RunTableModel: per-column vectors of numbers or interned text
/// with sort ranks, so data(), sorting and filtering are O(1) per cell. Pure and thread-free:
/// the model runs large snapshots through it on a worker thread. `previous` fixes the order of
/// kept rows and columns and says what was removed, added or changed.
class RunTableIndexer {
 public:
  static RunTableDataPtr index(RunSnapshotPtr snapshot, RunTableDataPtr previous);

  /// Metric columns per metric key, in column order.
  static constexpr std::array<MetricColumnStat, 4> kStats = {
      MetricColumnStat::Last, MetricColumnStat::Best, MetricColumnStat::Min, MetricColumnStat::Max};
  static const char* statName(MetricColumnStat stat);  // "last", "best", "min", "max"
  /// RunColumn::id: "param:optim.lr", "metric:val/loss:min", "tag:owner", "run:name".
  static QString columnId(ColumnKind kind, const std::string& key, MetricColumnStat stat = {});

 private:
  RunTableIndexer(RunSnapshotPtr snapshot, RunTableDataPtr previous);
  void orderRows();
  void addColumns();
  void markColumnChanges();
  void fillRow(std::size_t r);
  void finishColumns();

  class TextColumnBuilder;
  RunTableDataPtr m_previous;
  std::shared_ptr<detail::RunTableData> m_data;
  std::vector<std::string> m_params, m_metrics, m_tags;  // column keys, in column order
  std::unordered_map<std::string_view, int> m_param_col, m_metric_col, m_tag_col;  // views of ↑
  std::vector<char> m_lower_better;  // per metric key, by its first column
  std::vector<std::unique_ptr<TextColumnBuilder>> m_text;  // per column; null: numbers
};

}  // namespace wb::ui
