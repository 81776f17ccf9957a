#pragma once

#include <QPointer>
#include <QWidget>

#include "ui/datasets/dataset_snapshot.h"

class QLabel;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTreeView;

namespace wb::ui {

class DatasetHistoryWidget;
class DatasetProblemsModel;
class DatasetSummaryWidget;
class DatasetTableWidget;
class DatasetTextWidget;
class DatasetTreeModel;
class ImportWizard;
class ThumbnailGridWidget;
class WorkspaceSession;

/// The Datasets section: every dataset and its versions on the left; for the selected version
/// a Summary, its Samples (thumbnail grid, table rows or text rows), the Problems its import
/// skipped and the dataset's History with diffs. Follows the workspace database, so datasets
/// imported by the CLI appear by themselves. Lists and manifests load off the GUI thread.
class DatasetsPanel : public QWidget {
  Q_OBJECT
 public:
  enum Tab { kSummaryTab = 0, kSamplesTab, kProblemsTab, kHistoryTab };

  explicit DatasetsPanel(WorkspaceSession* session, QWidget* parent = nullptr);
  ~DatasetsPanel() override;

  DatasetTreeModel* model() const { return m_model; }
  QTreeView* view() const { return m_view; }
  QTabWidget* tabs() const { return m_tabs; }
  QPushButton* importButton() const { return m_import; }
  DatasetSummaryWidget* summary() const { return m_summary; }
  ThumbnailGridWidget* grid() const { return m_grid; }
  DatasetTableWidget* tableSamples() const { return m_table; }
  DatasetTextWidget* textSamples() const { return m_text; }
  DatasetHistoryWidget* history() const { return m_history; }
  DatasetProblemsModel* problemsModel() const { return m_problems; }
  QTableView* problemsView() const { return m_problems_view; }

  /// The version shown on the right ("name@3"), empty if none.
  QString currentRef() const { return m_current_ref; }
  LoadedVersionPtr loadedVersion() const { return m_loaded; }

  /// Selects a version (or a dataset: its latest version); if the list does not hold it yet,
  /// it is selected as soon as it appears.
  void selectVersion(const QString& ref);
  /// Reloads the list of datasets now (it also follows the workspace by itself).
  void refresh();
  /// Opens the import wizard (or raises the open one).
  ImportWizard* openImportWizard();
  ImportWizard* importWizard() const;
  /// Puts the keyboard focus on the sample filters (switching to the Samples tab).
  void focusFilter();

  /// What the user picked: a ref ("digits@2") or a dataset name ("digits", which follows
  /// its latest version). Saved in plain settings so it survives restarts readably.
  QString selection() const { return m_selected; }
  /// Layout only (splitters).
  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

 Q_SIGNALS:
  void snapshotLoaded(int dataset_count);
  void versionLoaded(const QString& ref);
  void statusMessage(const QString& text, int timeout_ms);

 private:
  void onSnapshot(DatasetSnapshotPtr snapshot);
  void onCurrentChanged();
  void showVersion(const data::DatasetVersion& version);
  void onVersionLoaded(LoadedVersionPtr loaded, const QString& error);
  void restoreSelection();

  WorkspaceSession* m_session;
  DatasetTreeModel* m_model;
  QSplitter* m_splitter;
  QTreeView* m_view;
  QPushButton* m_import;
  QLabel* m_count;
  QTabWidget* m_tabs;
  DatasetSummaryWidget* m_summary;
  QStackedWidget* m_samples;
  QLabel* m_samples_message;
  ThumbnailGridWidget* m_grid;
  DatasetTableWidget* m_table;
  DatasetTextWidget* m_text;
  DatasetProblemsModel* m_problems;
  QTableView* m_problems_view;
  DatasetHistoryWidget* m_history;
  QPointer<ImportWizard> m_wizard;

  bool m_loading = false;
  bool m_reload_pending = false;
  QString m_current_ref;
  std::string m_current_manifest;
  QString m_selected;     // what the user picked: a ref ("a@2") or a dataset name ("a")
  QString m_pending_ref;  // asked for before the list held it
  int m_version_generation = 0;
  LoadedVersionPtr m_loaded;
};

}  // namespace wb::ui
