#pragma once

#include <functional>
#include <optional>

#include <QThread>
#include <QWidget>

#include "ui/registry/registry_snapshot.h"

class QAction;
class QDialog;
class QCheckBox;
class QLabel;
class QLineEdit;
class QMenu;
class QSplitter;
class QTableView;

namespace wb::ui {

class ModelListModel;
class RegistryWatcher;
class VersionDetailWidget;
class VersionFilterProxy;
class VersionTableModel;
class WorkspaceSession;

/// The Registry section: the models (latest version, aliases as badges, last change), every
/// version in a sortable, filterable table, and the selected version's detail. A watcher on
/// its own thread follows the database, so versions registered or aliases moved by the CLI
/// appear by themselves. Registry writes (aliases, archive, delete, promote) run on workers;
/// registering and exporting run `wb` as a child process.
class RegistryPanel : public QWidget {
  Q_OBJECT
 public:
  /// Asks a yes/no question; tests replace the default QMessageBox.
  using Confirm = std::function<bool(const QString& title, const QString& text)>;

  RegistryPanel(WorkspaceSession* session, QString cli_path, QWidget* parent = nullptr,
                int poll_interval_ms = 500);
  ~RegistryPanel() override;

  RegistrySnapshotPtr snapshot() const { return m_snapshot; }
  ModelListModel* modelList() const { return m_models; }
  QTableView* modelView() const { return m_model_view; }
  VersionTableModel* versionModel() const { return m_versions; }
  VersionFilterProxy* proxy() const { return m_proxy; }
  QTableView* versionView() const { return m_version_view; }
  VersionDetailWidget* detail() const { return m_detail; }
  QLineEdit* filterEdit() const { return m_filter; }
  QCheckBox* showArchivedBox() const { return m_show_archived; }
  QAction* deleteAction() const { return m_delete; }
  QAction* setAliasAction() const { return m_set_alias; }
  QAction* promoteAction() const { return m_promote; }
  QAction* compareAction() const { return m_compare; }
  QAction* exportAction() const { return m_export; }
  QAction* archiveAction() const { return m_archive; }

  void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }
  Confirm confirm() const { return m_confirm; }

  /// Reads the registry again now (F5); it also follows the database by itself.
  void refresh();
  /// Shows the models of NAME only ("" = all).
  void showModel(const QString& name);
  /// Selects a version; one the snapshot does not hold yet is selected when it arrives.
  void selectVersion(const QString& name, int version);
  /// The selected version(s), in view order.
  std::vector<registry::ModelVersion> selectedVersions() const;
  std::optional<registry::ModelVersion> currentVersion() const;

  /// Opens the Register Model dialog for a run (name completion from the models here).
  void registerFromRun(const QString& run_id, const QString& run_label,
                       const QString& suggested_name);
  /// Points ALIAS of NAME at VERSION (off the GUI thread); moving `production` asks first
  /// (from → to, read fresh). done(error) follows unless the user declined.
  void setAlias(const QString& name, const QString& alias, int version,
                std::function<void(const QString& error)> done = {});
  void removeAlias(const QString& name, const QString& alias,
                   std::function<void(const QString& error)> done = {});
  void setArchived(const QString& name, int version, bool archived);

  /// The dialogs, for the selected version(s). Each is non-modal and deletes itself.
  void openSetAliasDialog();
  QDialog* openPromoteDialog();
  QDialog* openCompareDialog();
  QDialog* openExportDialog();
  QDialog* openDeleteDialog();

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

 Q_SIGNALS:
  void snapshotApplied(int version_count);
  void openRunRequested(const QString& run_id);
  void openDatasetRequested(const QString& ref);
  void versionRegistered(const QString& model, int version);
  void statusMessage(const QString& text, int timeout_ms);
  /// A write this panel started finished (error empty on success).
  void writeFinished(const QString& what, const QString& error);

 private:
  void buildActions();
  void buildLayout();
  void connectViews();
  void applySnapshot(const RegistrySnapshotPtr& snapshot);
  void updateActions();
  void updateDetail();
  void updateCount();
  void showContextMenu(const QPoint& pos);
  void finishWrite(const QString& what, const QString& error);
  void confirmAndSetAlias(const QString& name, const QString& alias, std::optional<int> from,
                          int version, std::function<void(const QString&)> done);
  QStringList aliasChoices(const QString& model) const;

  WorkspaceSession* m_session;
  QString m_cli;
  Confirm m_confirm;
  QThread m_thread;
  RegistryWatcher* m_watcher = nullptr;  // lives on m_thread
  RegistrySnapshotPtr m_snapshot;
  std::optional<std::pair<QString, int>> m_pending_select;
  std::optional<QStringList> m_sized_for;  // the metric columns the widths were fitted to

  ModelListModel* m_models = nullptr;
  VersionTableModel* m_versions = nullptr;
  VersionFilterProxy* m_proxy = nullptr;
  QTableView* m_model_view = nullptr;
  QTableView* m_version_view = nullptr;
  VersionDetailWidget* m_detail = nullptr;
  QLineEdit* m_filter = nullptr;
  QCheckBox* m_show_archived = nullptr;
  QLabel* m_count = nullptr;
  QSplitter* m_split = nullptr;
  QSplitter* m_right_split = nullptr;
  QAction* m_set_alias = nullptr;
  QAction* m_promote = nullptr;
  QAction* m_compare = nullptr;
  QAction* m_export = nullptr;
  QAction* m_archive = nullptr;
  QAction* m_delete = nullptr;
  QAction* m_refresh = nullptr;
};

}  // namespace wb::ui
