#pragma once

#include <QHash>
#include <QList>
#include <QStringList>
#include <QWidget>

#include "ui/runs/run_table_model.h"

class QCheckBox;
class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace wb::ui {

/// Which Runs table columns are shown: a searchable tree of checkable columns grouped as
/// Run fields / Params / Metrics (each metric with last, best, min and max) / Tags, and a "show
/// only varying params" switch. It only reports choices; RunsPanel applies and saves them.
class RunColumnChooser : public QWidget {
  Q_OBJECT
 public:
  struct Entry {
    QString id;
    ColumnKind kind = ColumnKind::Unknown;
    QString key;
    MetricColumnStat stat = MetricColumnStat::Unknown;
    QString title;
    bool checked = false;
    bool varying = true;
    bool locked = false;  // always shown (the name)
  };

  explicit RunColumnChooser(QWidget* parent = nullptr);

  /// Rebuilds the tree when the set of columns changed, else only updates check marks.
  void setEntries(const QList<Entry>& entries);
  void setOnlyVaryingParams(bool on);
  bool onlyVaryingParams() const;

  /// Checks or unchecks a column as a click would (emits visibilityChanged). False if unknown.
  bool setChecked(const QString& id, bool checked);
  bool isChecked(const QString& id) const;
  /// Ids of the columns the search leaves visible in the tree.
  QStringList matchingIds() const;

  QLineEdit* searchEdit() const { return m_search; }
  QTreeWidget* tree() const { return m_tree; }
  QCheckBox* varyingBox() const { return m_varying; }

 Q_SIGNALS:
  void visibilityChanged(const QStringList& ids, bool visible);
  void onlyVaryingParamsChanged(bool on);
  void resetRequested();

 private:
  void rebuild(const QList<Entry>& entries);
  void applySearch();
  void updateVaryingLook();

  QLineEdit* m_search;
  QTreeWidget* m_tree;
  QCheckBox* m_varying;
  QStringList m_ids;  // the columns the tree was built for, in order
  QHash<QString, QTreeWidgetItem*> m_items;
  QHash<QString, Entry> m_entries;
  bool m_updating = false;  // programmatic check changes are not user choices
};

}  // namespace wb::ui
