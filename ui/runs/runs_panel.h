#pragma once

#include <QHash>
#include <QSet>
#include <QWidget>

#include "ui/runs/run_filter_proxy.h"
#include "ui/common/run_snapshot.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;
class QTimer;
class QToolButton;

namespace wb::ui {

class RunColumnChooser;
class RunDetailWidget;
class RunTableModel;
class WorkspaceSession;

/// The Runs section: a table of every run (params, metric stats, tags as columns) kept
/// current by the session's watcher, with an expression filter, sorting, grouping by sweep,
/// experiment or tag, a column chooser, and a detail pane for the selection.
///
/// Column choices, widths, sort and grouping are saved per workspace (settingsGroup());
/// saveState() holds only what is the same for every workspace (the splitter).
class RunsPanel : public QWidget {
  Q_OBJECT
 public:
  /// Typing pauses this long before the filter applies (clearing applies at once).
  static constexpr int kFilterDebounceMs = 150;

  explicit RunsPanel(WorkspaceSession* session, QWidget* parent = nullptr);
  ~RunsPanel() override;

  RunTableModel* model() const { return m_model; }
  RunFilterProxy* proxy() const { return m_proxy; }
  QTableView* view() const { return m_view; }
  QLineEdit* filterEdit() const { return m_filter; }
  /// Shows a filter expression's syntax error (hidden when the filter is fine).
  QLabel* filterErrorLabel() const { return m_filter_error; }
  RunColumnChooser* columnChooser() const { return m_chooser; }
  QToolButton* columnsButton() const { return m_columns_button; }
  QComboBox* groupBox() const { return m_group; }
  RunDetailWidget* detail() const { return m_detail; }
  QAction* deleteAction() const { return m_delete; }
  /// "Register Model…" for the one selected run (context menu); emits registerModelRequested.
  QAction* registerModelAction() const { return m_register; }

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);
  /// The QSettings group holding this workspace's table settings.
  QString settingsGroup() const { return m_settings_group; }
  /// The same for a workspace root folder: "runsTable/<hash of the path>".
  static QString settingsGroupFor(const QString& workspace_root);

  /// Column ids as in RunColumn::id ("param:optim.lr", "metric:val/loss:min").
  bool isColumnShown(const QString& column_id) const;
  void setColumnShown(const QString& column_id, bool shown);
  void setOnlyVaryingParams(bool on);
  /// Forgets this workspace's column choices.
  void resetColumns();
  void setGrouping(GroupBy by, const QString& tag_key = {});
  /// Applies the filter box's text now instead of after the typing pause.
  void applyFilterNow();

  /// Selected run ids, in view order.
  QStringList selectedRunIds() const;
  void selectRun(const QString& run_id);
  /// Selects only this run and shows it; a run not loaded yet is selected when it arrives.
  void showRun(QString run_id);

  /// Asks for confirmation, then deletes the selected runs off the GUI thread.
  void deleteSelected();

 Q_SIGNALS:
  void statusMessage(const QString& text, int timeout_ms);
  /// Register Model… from the context menu or the run detail.
  void registerModelRequested(const QString& run_id);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Prefs {
    QHash<QString, bool> columns;  // explicit choices; others follow RunColumn::default_visible
    bool only_varying = false;
    QHash<QString, int> widths;
    QString sort_id;
    Qt::SortOrder sort_order = Qt::DescendingOrder;
    GroupBy group_by = GroupBy::None;
    QString group_tag;
  };

  // Construction steps, run in this order: signal connections keep their order.
  void setupFilter();
  void setupGroupingAndColumns();
  void setupTable();
  void setupDeleteAction();
  void setupRegisterAction();
  void buildLayout();
  void setupDetail();

  void onApplied();
  void loadPrefs();
  void savePrefs() const;
  void schedulePrefsSave();
  bool columnShown(int column) const;
  void applyColumnVisibility();
  void sizeColumn(int column);
  void updateChooser();
  void updateGroupBox();
  void applySortPref();
  void showFilterStatus(const RunFilterProxy::FilterStatus& status);
  void showHeaderMenu(const QPoint& pos);
  void toggleGroupAt(int row);
  void updateDetail();
  void updateCount();

  WorkspaceSession* m_session;
  RunTableModel* m_model;
  RunFilterProxy* m_proxy;
  QTableView* m_view;
  QLineEdit* m_filter;
  QLabel* m_filter_error;
  QComboBox* m_group;
  QToolButton* m_columns_button;
  RunColumnChooser* m_chooser;
  QLabel* m_count;
  QSplitter* m_splitter;
  RunDetailWidget* m_detail;
  QAction* m_delete;
  QAction* m_register = nullptr;
  QTimer* m_tick;
  QTimer* m_filter_timer;
  QTimer* m_save_timer;
  QString m_settings_group;
  Prefs m_prefs;
  QSet<QString> m_sized;  // column ids given a width this session
  bool m_applied_once = false;
  bool m_sort_pending = true;    // the saved sort column has not appeared yet
  bool m_resizing = false;       // widths set by code are not user choices
  bool m_applying_sort = false;  // nor is a sort set by code
  bool m_columns_added = false;  // since the last snapshot was applied
  QString m_pending_show;        // showRun() of a run the snapshot does not have yet
};

}  // namespace wb::ui
