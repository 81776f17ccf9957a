#pragma once

#include <memory>

#include <QMainWindow>

class QAction;
class QLabel;
class QListWidget;
class QMenu;
class QSettings;
class QStackedWidget;

namespace wb::ui {

class ComparePanel;
class DatasetsPanel;
class ExperimentsPanel;
class RegistryPanel;
class RunsPanel;
class WelcomePage;
class WorkspaceSession;

/// Composes the sections, handles workspaces (new, open, recent, demo) and saves the layout.
/// Sections whose feature has not landed are absent, not empty.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Opens a workspace off the GUI thread (migrating it if needed); workspaceOpened or
  /// workspaceFailed follows.
  void openWorkspace(const QString& path);
  /// Opens the last workspace if there is one; otherwise shows the welcome page.
  void openLastOrWelcome();
  void closeWorkspace();
  /// Creates a workspace in path (off the GUI thread) and opens it.
  void createWorkspace(const QString& path);
  /// Runs `wb demo path` as a child process with progress, then opens it.
  void createDemo(const QString& path);

  WorkspaceSession* session() const { return m_session; }
  RunsPanel* runsPanel() const { return m_runs; }
  DatasetsPanel* datasetsPanel() const { return m_datasets; }
  ExperimentsPanel* experimentsPanel() const { return m_experiments; }
  ComparePanel* comparePanel() const { return m_compare; }
  RegistryPanel* registryPanel() const { return m_registry; }
  /// Opens the Register Model dialog for a run (from Runs or Compare); the new version is
  /// shown in the Registry section.
  void registerModelFromRun(const QString& run_id);
  /// Runs ▸ Compare Selected Runs (Ctrl+K): the runs selected in Runs (two or more) go to the
  /// Compare section, which is shown.
  QAction* compareAction() const { return m_compare_action; }
  /// File ▸ Import Dataset… (Ctrl+I); enabled while a workspace is open.
  QAction* importDatasetAction() const { return m_import_dataset; }
  /// File ▸ Clean Up Workspace… (opens a GcDialog); enabled while a workspace is open.
  QAction* cleanUpAction() const { return m_clean_up; }
  /// Shows a section by its name in the navigation ("Runs", "Compare", "Experiments", "Datasets",
  /// "Registry").
  void showSection(const QString& name);
  WelcomePage* welcomePage() const { return m_welcome; }
  QStringList recentWorkspaces() const;
  QStringList sectionNames() const;

 Q_SIGNALS:
  void workspaceOpened(const QString& root);
  void workspaceFailed(const QString& message);
  /// The first snapshot of the opened workspace is on screen.
  void workspaceReady();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void showWorkspace(std::unique_ptr<WorkspaceSession> session);
  void addRecent(const QString& path);
  void updateRecentMenu();
  void updateStatus();
  void saveLayout();
  void saveDatasetsState(QSettings& settings) const;
  void saveCompareState(QSettings& settings) const;
  void saveRegistryState(QSettings& settings) const;
  void compareSelectedRuns();
  void addRegistrySection();
  void chooseNewWorkspace();
  void chooseOpenWorkspace();
  void chooseDemoLocation();
  QString cliPath() const;

  QStackedWidget* m_pages = nullptr;
  WelcomePage* m_welcome = nullptr;
  QWidget* m_workspace_page = nullptr;
  QListWidget* m_nav = nullptr;
  QStackedWidget* m_sections = nullptr;
  RunsPanel* m_runs = nullptr;
  DatasetsPanel* m_datasets = nullptr;
  ExperimentsPanel* m_experiments = nullptr;
  ComparePanel* m_compare = nullptr;  // shares the Runs detail's series store: deleted first
  RegistryPanel* m_registry = nullptr;
  QAction* m_import_dataset = nullptr;
  QAction* m_clean_up = nullptr;
  QAction* m_compare_action = nullptr;
  WorkspaceSession* m_session = nullptr;  // owned; deleted after the panels that use it
  QMenu* m_recent_menu = nullptr;
  QLabel* m_status_path = nullptr;
  QLabel* m_status_db = nullptr;
  QString m_last_error;
  bool m_ready_emitted = false;
};

}  // namespace wb::ui
