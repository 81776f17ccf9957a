#pragma once

#include <string>
#include <vector>

#include <QAbstractProxyModel>
#include <QHash>
#include <QSet>
#include <QString>

#include "core/query/run_filter.h"
#include "ui/runs/run_table_model.h"

namespace wb::ui {

enum class GroupBy { Unknown, None, Sweep, Experiment, Tag };

/// Filters, sorts and groups a RunTableModel for a flat view (QTableView).
///
/// The filter is an expression (core/query/run_filter.h) when the text has an operator, else
/// a case-insensitive substring search over names, ids, statuses, experiments and values.
/// Grouping puts group header rows in the flat list: a sweep's parent run heads its children;
/// experiment and tag groups get a synthetic header row. Groups are ordered by their best
/// member in the sort order, members sort within their group; headers can be collapsed.
///
/// Every change (source update, filter, sort, grouping) recomputes the whole order (~2 ms per
/// 10,000 runs, all O(1) per cell) and turns the difference into a few row removals and
/// insertions plus, if the order of the rest changed, one layout change: selections and the
/// scroll position survive, and a scattered filter result costs one signal, not thousands.
class RunFilterProxy : public QAbstractProxyModel {
  Q_OBJECT
 public:
  enum Role {
    GroupHeaderRole = Qt::UserRole + 64,  // bool: heads a group (synthetic or a sweep parent)
    DepthRole,                            // int: 1 for a group member, else 0
    GroupKeyRole,                         // QString: the group a header row heads
    ExpandedRole,                         // bool, on header rows
    ContextRole,                          // bool: a sweep parent shown only for its children
  };
  enum class FilterKind { Unknown, None, Text, Expression };
  struct FilterStatus {
    bool ok = true;
    FilterKind kind = FilterKind::None;
    QString error;   // "column 17: expected a value after '>'"
    int column = 0;  // 1-based, in characters; 0 when ok
  };
  /// Above this many removal/insertion ranges a change becomes one layout change.
  static constexpr int kMaxRangeSignals = 32;

  explicit RunFilterProxy(QObject* parent = nullptr);

  /// Must be a RunTableModel.
  void setSourceModel(QAbstractItemModel* model) override;
  RunTableModel* runModel() const { return m_model; }

  /// Applies text from a filter box. On a syntax error the previous filter stays in force.
  FilterStatus setFilterText(const QString& text);
  QString filterText() const { return m_filter_text; }
  FilterKind filterKind() const { return m_filter_kind; }
  /// An expression needs an operator, parentheses or `exists`; other text is a plain search.
  static bool looksLikeExpression(const QString& text);

  void setGrouping(GroupBy by, const QString& tag_key = {});
  GroupBy grouping() const { return m_group_by; }
  QString groupTagKey() const { return m_group_tag; }
  void setGroupExpanded(const QString& group_key, bool expanded);
  bool isGroupExpanded(const QString& group_key) const { return !m_collapsed.contains(group_key); }
  void setAllGroupsExpanded(bool expanded);
  /// The group a row heads (empty for other rows).
  QString groupKeyAt(int row) const;
  /// Expands the group that hides this source row, if any. True if it did.
  bool reveal(int source_row);

  int sortColumn() const { return m_sort_column; }
  Qt::SortOrder sortOrder() const { return m_sort_order; }
  /// Run rows shown (group header rows excluded; a sweep parent counts).
  int runRowCount() const;
  /// Runs the filter lets through, shown or in a folded group.
  int matchingRunCount() const;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  bool hasChildren(const QModelIndex& parent = {}) const override;
  QModelIndex mapToSource(const QModelIndex& proxy_index) const override;
  QModelIndex mapFromSource(const QModelIndex& source_index) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QModelIndex sibling(int row, int column, const QModelIndex& idx) const override;
  void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

 Q_SIGNALS:
  /// The rows shown changed (count, order or membership).
  void rowsRearranged();

 private:
  struct Group {
    QString key;               // "sweep:<id>", "experiment:<name>", "tag:<key>=<value>"
    QString label;             // shown on a synthetic header
    int header_row = -1;       // sweep: the parent run's source row; else -1 (synthetic)
    int id = 0;                // stable across rebuilds (display key of a synthetic header)
    std::vector<int> members;  // source rows, header excluded
    int shown = 0;             // members passing the filter
    int best_row = -1;         // the member that orders the group
    bool context = false;      // sweep parent shown only for its children
  };
  // Display entries: a source row (>= 0) or a synthetic header: -(group id + 1).
  using Entry = long long;

  void connectSource();
  std::vector<Entry> computeLayout(int excluded_first = -1, int excluded_last = -1);
  void computeGroups(int excluded_first, int excluded_last);
  void relayout(int excluded_first = -1, int excluded_last = -1);
  void shiftSourceRows(int from, int delta);
  int groupIdOf(const QString& key);
  const Group* groupOfEntry(Entry e) const;
  int sourceRowAt(int row) const;
  void ensureSourceIndex() const;

  RunTableModel* m_model = nullptr;
  std::vector<Entry> m_display;
  mutable std::vector<int> m_proxy_row_of_source;  // lazily rebuilt; -1: not shown
  mutable bool m_source_index_dirty = true;

  // Filter
  QString m_filter_text;
  FilterKind m_filter_kind = FilterKind::None;
  query::Filter m_filter;
  std::string m_needle;  // plain search, ASCII lower case
  bool m_filter_uses_duration = false;
  std::vector<char> m_pass;  // per source row, from the last layout

  // Sort
  int m_sort_column = -1;
  Qt::SortOrder m_sort_order = Qt::AscendingOrder;

  // Grouping (groups and per-row membership from the last layout)
  GroupBy m_group_by = GroupBy::None;
  QString m_group_tag;
  QSet<QString> m_collapsed;
  std::vector<Group> m_groups;
  std::vector<int> m_group_of_row;      // per source row: index into m_groups, -1: none
  QHash<int, int> m_group_index_of_id;  // stable id → index into m_groups
  QHash<QString, int> m_group_ids;      // group key → stable id
};

}  // namespace wb::ui
