#include "ui/shell/main_window.h"

#include "ui/common/formatting.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressDialog>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QtConcurrent/QtConcurrentRun>

#include "core/workspace/workspace.h"
#include "ui/compare/compare_panel.h"
#include "ui/datasets/datasets_panel.h"
#include "ui/experiments/experiments_panel.h"
#include "ui/charts/metric_series_store.h"
#include "ui/experiments/run_launcher.h"
#include "ui/shell/gc_dialog.h"
#include "ui/registry/registry_panel.h"
#include "ui/runs/run_detail_widget.h"
#include "ui/runs/run_table_model.h"
#include "ui/runs/runs_panel.h"
#include "ui/datasets/thumbnail_grid_widget.h"
#include "ui/shell/welcome_page.h"
#include "ui/shell/workspace_session.h"

namespace wb::ui {

namespace {
constexpr int kMaxRecent = 8;
const QString kRecentKey = QStringLiteral("workspaces/recent");
const QString kLastKey = QStringLiteral("workspaces/last");
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kRunsStateKey = QStringLiteral("runsPanel/state");
const QString kDatasetsStateKey = QStringLiteral("datasetsPanel/state");
const QString kDatasetsSelectedKey = QStringLiteral("datasetsPanel/selected");
const QString kDatasetsTabKey = QStringLiteral("datasetsPanel/tab");
const QString kDatasetsShuffleKey = QStringLiteral("datasetsPanel/shuffle");
const QString kSectionKey = QStringLiteral("mainWindow/section");
const QString kExperimentsStateKey = QStringLiteral("experimentsPanel/state");
const QString kCompareStateKey = QStringLiteral("comparePanel/state");
const QString kCompareRunsKey = QStringLiteral("comparePanel/runs");  // plain ids: easy to preset
const QString kCompareTabKey = QStringLiteral("comparePanel/tab");
const QString kRegistryStateKey = QStringLiteral("registryPanel/state");
const QString kRegistrySelectedKey = QStringLiteral("registryPanel/selected");  // "iris/3"

struct OpenResult {
  std::optional<Workspace> workspace;
  QString error;
};
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName(QStringLiteral("MainWindow"));
  setWindowTitle(tr("Workbench"));
  resize(1280, 800);

  m_pages = new QStackedWidget(this);
  m_welcome = new WelcomePage(m_pages);
  m_pages->addWidget(m_welcome);

  m_workspace_page = new QWidget(m_pages);
  auto* ws_layout = new QHBoxLayout(m_workspace_page);
  ws_layout->setContentsMargins(0, 0, 0, 0);
  ws_layout->setSpacing(0);
  m_nav = new QListWidget(m_workspace_page);
  m_nav->setObjectName(QStringLiteral("sectionNav"));
  m_nav->setFixedWidth(150);
  m_nav->setIconSize(QSize(20, 20));
  m_nav->setSpacing(2);
  m_sections = new QStackedWidget(m_workspace_page);
  ws_layout->addWidget(m_nav);
  ws_layout->addWidget(m_sections, 1);
  m_pages->addWidget(m_workspace_page);
  setCentralWidget(m_pages);
  connect(m_nav, &QListWidget::currentRowChanged, m_sections, &QStackedWidget::setCurrentIndex);

  m_status_path = new QLabel(this);
  m_status_db = new QLabel(this);
  statusBar()->addWidget(m_status_path, 1);
  statusBar()->addPermanentWidget(m_status_db);

  connect(m_welcome, &WelcomePage::newRequested, this, &MainWindow::chooseNewWorkspace);
  connect(m_welcome, &WelcomePage::openRequested, this, &MainWindow::chooseOpenWorkspace);
  connect(m_welcome, &WelcomePage::demoRequested, this, &MainWindow::chooseDemoLocation);
  connect(m_welcome, &WelcomePage::recentRequested, this, &MainWindow::openWorkspace);

  buildMenus();
  QSettings settings;
  if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
    // First start: most of the screen, centred.
    if (const QScreen* screen = QGuiApplication::primaryScreen()) {
      const QRect avail = screen->availableGeometry();
      const QSize size(std::min(1500, avail.width() * 9 / 10), std::min(940, avail.height() * 9 / 10));
      setGeometry(QStyle::alignedRect(Qt::LeftToRight, Qt::AlignCenter, size, avail));
    }
  }
  restoreState(settings.value(kStateKey).toByteArray());
  m_welcome->setRecent(recentWorkspaces());
  updateStatus();
}

MainWindow::~MainWindow() {
  // Panels use the session: delete them first. Compare uses the Runs panel's series store.
  delete m_registry;
  m_registry = nullptr;
  delete m_compare;
  m_compare = nullptr;
  delete m_experiments;
  m_experiments = nullptr;
  delete m_runs;
  m_runs = nullptr;
  delete m_datasets;
  m_datasets = nullptr;
  delete m_session;
}

void MainWindow::buildMenus() {
  auto* file = menuBar()->addMenu(tr("&File"));
  auto* new_ws = file->addAction(style()->standardIcon(QStyle::SP_FileDialogNewFolder), tr("&New Workspace…"));
  new_ws->setShortcut(QKeySequence::New);
  connect(new_ws, &QAction::triggered, this, &MainWindow::chooseNewWorkspace);
  auto* open_ws = file->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("&Open Workspace…"));
  open_ws->setShortcut(QKeySequence::Open);
  connect(open_ws, &QAction::triggered, this, &MainWindow::chooseOpenWorkspace);
  m_recent_menu = file->addMenu(tr("Open &Recent"));
  auto* demo = file->addAction(tr("Create &Demo Workspace…"));
  connect(demo, &QAction::triggered, this, &MainWindow::chooseDemoLocation);
  file->addSeparator();
  m_import_dataset =
      file->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Import Dataset…"));
  m_import_dataset->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  m_import_dataset->setEnabled(false);
  connect(m_import_dataset, &QAction::triggered, this, [this] {
    if (!m_datasets) return;
    showSection(tr("Datasets"));
    m_datasets->openImportWizard();
  });
  m_clean_up = file->addAction(tr("Clean &Up Workspace…"));
  m_clean_up->setToolTip(tr("Remove stored files nothing refers to any more (wb gc)"));
  m_clean_up->setEnabled(false);
  connect(m_clean_up, &QAction::triggered, this, [this] {
    if (!m_session) return;
    auto* dialog = new GcDialog(m_session->workspace(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
  });
  file->addSeparator();
  auto* close_ws = file->addAction(tr("&Close Workspace"));
  close_ws->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
  connect(close_ws, &QAction::triggered, this, &MainWindow::closeWorkspace);
  file->addSeparator();
  auto* quit = file->addAction(tr("&Quit"));
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  auto* view = menuBar()->addMenu(tr("&View"));
  auto* refresh = view->addAction(tr("&Refresh"));
  refresh->setShortcut(QKeySequence::Refresh);
  connect(refresh, &QAction::triggered, this, [this] {
    if (m_session) m_session->refresh();
    if (m_registry) m_registry->refresh();
  });
  auto* find = view->addAction(tr("&Filter"));
  find->setShortcut(QKeySequence::Find);
  connect(find, &QAction::triggered, this, [this] {
    if (m_datasets && m_sections->currentWidget() == m_datasets) {
      m_datasets->focusFilter();
      return;
    }
    if (m_registry && m_sections->currentWidget() == m_registry) {
      m_registry->filterEdit()->setFocus();
      m_registry->filterEdit()->selectAll();
      return;
    }
    if (!m_runs) return;
    m_runs->filterEdit()->setFocus();
    m_runs->filterEdit()->selectAll();
  });

  auto* runs = menuBar()->addMenu(tr("&Runs"));
  m_compare_action = runs->addAction(tr("&Compare Selected Runs"));
  m_compare_action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
  m_compare_action->setToolTip(tr("Compare the runs selected in Runs (two or more)"));
  m_compare_action->setEnabled(false);
  connect(m_compare_action, &QAction::triggered, this, &MainWindow::compareSelectedRuns);

  auto* help = menuBar()->addMenu(tr("&Help"));
  auto* about = help->addAction(tr("&About Workbench"));
  connect(about, &QAction::triggered, this, [this] {
    QMessageBox::about(this, tr("About Workbench"),
                       tr("<b>Workbench %1</b><p>A native desktop workbench for the machine-learning "
                          "lifecycle.</p><p>Licensed under the GNU GPL v3 or later.</p>")
                           .arg(QApplication::applicationVersion()));
  });
  updateRecentMenu();
}

QStringList MainWindow::recentWorkspaces() const {
  return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::showSection(const QString& name) {
  for (int i = 0; i < m_nav->count(); ++i)
    if (m_nav->item(i)->text() == name) m_nav->setCurrentRow(i);
}

QStringList MainWindow::sectionNames() const {
  QStringList names;
  for (int i = 0; i < m_nav->count(); ++i) names << m_nav->item(i)->text();
  return names;
}

void MainWindow::addRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value(kRecentKey).toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue(kRecentKey, recent);
  settings.setValue(kLastKey, path);
  updateRecentMenu();
  m_welcome->setRecent(recent);
}

void MainWindow::updateRecentMenu() {
  m_recent_menu->clear();
  const QStringList recent = recentWorkspaces();
  for (const auto& path : recent) {
    auto* a = m_recent_menu->addAction(path);
    connect(a, &QAction::triggered, this, [this, path] { openWorkspace(path); });
  }
  m_recent_menu->setEnabled(!recent.isEmpty());
  if (!recent.isEmpty()) {
    m_recent_menu->addSeparator();
    auto* clear = m_recent_menu->addAction(tr("Clear List"));
    connect(clear, &QAction::triggered, this, [this] {
      QSettings().remove(kRecentKey);
      updateRecentMenu();
      m_welcome->setRecent({});
    });
  }
}

void MainWindow::openLastOrWelcome() {
  const QString last = QSettings().value(kLastKey).toString();
  if (!last.isEmpty() && Workspace::isWorkspace(last.toStdString())) {
    openWorkspace(last);
  } else {
    m_pages->setCurrentWidget(m_welcome);
  }
}

void MainWindow::openWorkspace(const QString& path) {
  statusBar()->showMessage(tr("Opening %1…").arg(path));
  auto* watcher = new QFutureWatcher<OpenResult>(this);
  connect(watcher, &QFutureWatcher<OpenResult>::finished, this, [this, watcher, path] {
    watcher->deleteLater();
    OpenResult r = watcher->result();
    statusBar()->clearMessage();
    if (!r.workspace) {
      m_last_error = r.error;
      QMessageBox::warning(this, tr("Cannot open workspace"), r.error);
      Q_EMIT workspaceFailed(r.error);
      return;
    }
    showWorkspace(std::make_unique<WorkspaceSession>(std::move(*r.workspace)));
  });
  // Opening may migrate an old database: keep it off the GUI thread.
  watcher->setFuture(QtConcurrent::run([path]() -> OpenResult {
    auto ws = Workspace::open(path.toStdString());
    if (!ws) return {std::nullopt, QString::fromStdString(ws.error().text())};
    return {std::move(*ws), {}};
  }));
}

void MainWindow::showWorkspace(std::unique_ptr<WorkspaceSession> session) {
  saveLayout();
  closeWorkspace();
  m_session = session.release();
  m_session->setParent(nullptr);
  m_ready_emitted = false;

  m_runs = new RunsPanel(m_session, m_sections);
  m_sections->addWidget(m_runs);
  auto* runs_item = new QListWidgetItem(style()->standardIcon(QStyle::SP_FileDialogDetailedView), tr("Runs"), m_nav);
  runs_item->setToolTip(tr("Every training run: status, params, metrics, notes"));
  m_runs->restoreState(QSettings().value(kRunsStateKey).toByteArray());

  // Compare shares the Runs detail pane's series store and colours: series load once.
  m_compare = new ComparePanel(m_session, m_runs->detail()->seriesStore(),
                               m_runs->detail()->runColors(), m_sections);
  m_sections->addWidget(m_compare);
  auto* compare_item = new QListWidgetItem(style()->standardIcon(QStyle::SP_FileDialogContentsView),
                                           tr("Compare"), m_nav);
  compare_item->setToolTip(
      tr("Selected runs side by side: best run, params diff, parallel coordinates, "
         "overlaid charts, confusion matrices (Ctrl+K in Runs)"));
  {
    const QSettings settings;
    m_compare->restoreState(settings.value(kCompareStateKey).toByteArray());
    if (settings.contains(kCompareTabKey))
      m_compare->showTab(static_cast<ComparePanel::Tab>(settings.value(kCompareTabKey).toInt()));
    m_compare->setRuns(settings.value(kCompareRunsKey).toStringList());
  }
  // The action lives on the table too, so the table's own menus can offer it.
  m_runs->view()->addAction(m_compare_action);
  connect(m_runs->view()->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          [this] { m_compare_action->setEnabled(m_runs && m_runs->selectedRunIds().size() >= 2); });
  m_compare_action->setEnabled(m_runs->selectedRunIds().size() >= 2);
  connect(m_compare, &ComparePanel::statusMessage, this,
          [this](const QString& text, int ms) { statusBar()->showMessage(text, ms); });
  connect(m_compare, &ComparePanel::selectInRunsRequested, this,
          [this](const QStringList& run_ids) {
            showSection(tr("Runs"));
            m_runs->filterEdit()->clear();  // a filter could hide some of them
            m_runs->view()->selectionModel()->clearSelection();
            for (const auto& id : run_ids) m_runs->selectRun(id);
            m_runs->view()->setFocus();
          });

  m_experiments = new ExperimentsPanel(m_session, cliPath(), m_sections);
  m_sections->addWidget(m_experiments);
  auto* experiments_item =
      new QListWidgetItem(style()->standardIcon(QStyle::SP_MediaPlay), tr("Experiments"), m_nav);
  experiments_item->setToolTip(
      tr("Edit experiment configs, launch runs and sweeps, watch the run queue"));
  m_experiments->restoreState(QSettings().value(kExperimentsStateKey).toByteArray());
  connect(m_experiments, &ExperimentsPanel::statusMessage, this,
          [this](const QString& text, int ms) { statusBar()->showMessage(text, ms); });
  // Launched runs feed the charts straight from their event streams (sub-second), ahead
  // of the database poll that covers runs started elsewhere.
  connect(m_experiments->launcher(), &RunLauncher::eventReceived,
          m_runs->detail()->seriesStore(),
          [store = m_runs->detail()->seriesStore()](const QJsonObject& ev) { store->appendEvent(ev); });
  connect(m_experiments, &ExperimentsPanel::openRunRequested, this, [this](const QString& run_id) {
    showSection(tr("Runs"));
    m_runs->showRun(run_id);
    m_session->refresh();
  });

  m_datasets = new DatasetsPanel(m_session, m_sections);
  m_sections->addWidget(m_datasets);
  auto* datasets_item =
      new QListWidgetItem(style()->standardIcon(QStyle::SP_DriveHDIcon), tr("Datasets"), m_nav);
  datasets_item->setToolTip(
      tr("Dataset versions: summary, samples, problems, history; import (Ctrl+I)"));
  {
    const QSettings settings;
    m_datasets->restoreState(settings.value(kDatasetsStateKey).toByteArray());
    const QString selected = settings.value(kDatasetsSelectedKey).toString();
    if (!selected.isEmpty()) m_datasets->selectVersion(selected);
    m_datasets->tabs()->setCurrentIndex(settings.value(kDatasetsTabKey, 0).toInt());
    m_datasets->grid()->shuffleBox()->setChecked(
        settings.value(kDatasetsShuffleKey, false).toBool());
  }
  addRegistrySection();
  m_import_dataset->setEnabled(true);
  m_clean_up->setEnabled(true);
  const int section = QSettings().value(kSectionKey, 0).toInt();
  m_nav->setCurrentRow(section >= 0 && section < m_nav->count() ? section : 0);

  connect(m_runs, &RunsPanel::statusMessage, this,
          [this](const QString& text, int ms) { statusBar()->showMessage(text, ms); });
  connect(m_datasets, &DatasetsPanel::statusMessage, this,
          [this](const QString& text, int ms) { statusBar()->showMessage(text, ms); });
  connect(m_session, &WorkspaceSession::snapshotReady, this, [this] {
    updateStatus();
    if (!m_ready_emitted) {
      m_ready_emitted = true;
      Q_EMIT workspaceReady();
    }
  });
  connect(m_session, &WorkspaceSession::failed, this, [this](const QString& message) {
    m_last_error = message;
    updateStatus();
  });

  const QString root = m_session->rootPath();
  addRecent(root);
  setWindowTitle(tr("%1 — Workbench").arg(QString::fromStdString(m_session->workspace().name())));
  m_pages->setCurrentWidget(m_workspace_page);
  if (m_sections->currentWidget() == m_runs) m_runs->view()->setFocus();
  updateStatus();
  Q_EMIT workspaceOpened(root);
}

void MainWindow::addRegistrySection() {
  m_registry = new RegistryPanel(m_session, cliPath(), m_sections);
  m_sections->addWidget(m_registry);
  auto* item = new QListWidgetItem(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Registry"), m_nav);
  item->setToolTip(tr("Registered models: versions, aliases, lineage, promote, export"));
  {
    const QSettings settings;
    m_registry->restoreState(settings.value(kRegistryStateKey).toByteArray());
    const QString selected = settings.value(kRegistrySelectedKey).toString();
    const int slash = static_cast<int>(selected.lastIndexOf(QLatin1Char('/')));
    if (slash > 0) m_registry->selectVersion(selected.left(slash), selected.mid(slash + 1).toInt());
  }
  connect(m_registry, &RegistryPanel::statusMessage, this,
          [this](const QString& text, int ms) { statusBar()->showMessage(text, ms); });
  // Lineage links: the run in Runs, the dataset version in Datasets.
  connect(m_registry, &RegistryPanel::openRunRequested, this, [this](const QString& run_id) {
    showSection(tr("Runs"));
    m_runs->filterEdit()->clear();  // a filter could hide it
    m_runs->showRun(run_id);
  });
  connect(m_registry, &RegistryPanel::openDatasetRequested, this, [this](const QString& ref) {
    showSection(tr("Datasets"));
    m_datasets->selectVersion(ref);
  });
  connect(m_registry, &RegistryPanel::versionRegistered, this, [this] { showSection(tr("Registry")); });
  connect(m_runs, &RunsPanel::registerModelRequested, this, &MainWindow::registerModelFromRun);
  connect(m_compare, &ComparePanel::registerModelRequested, this, &MainWindow::registerModelFromRun);
}

void MainWindow::registerModelFromRun(const QString& run_id) {
  if (!m_registry || run_id.isEmpty()) return;
  QString label = run_id, suggested;
  if (const auto snap = m_session->lastSnapshot())
    for (const auto& row : snap->rows) {
      if (QString::fromStdString(row.run.id) != run_id) continue;
      label = QString::fromStdString(row.run.name);
      // The dataset's name is the usual model name ("iris@2" → iris), else the experiment.
      if (auto it = row.params.find("data.dataset"); it != row.params.end())
        suggested = QString::fromStdString(it->second).section(QLatin1Char('@'), 0, 0);
      if (suggested.isEmpty()) suggested = QString::fromStdString(row.run.experiment);
    }
  m_registry->registerFromRun(run_id, label, suggested);
}

void MainWindow::compareSelectedRuns() {
  if (!m_runs || !m_compare) return;
  const QStringList ids = m_runs->selectedRunIds();
  if (ids.size() < 2) {
    statusBar()->showMessage(tr("Select two or more runs to compare"), 4000);
    return;
  }
  m_compare->setRuns(ids);
  showSection(tr("Compare"));
}

void MainWindow::closeWorkspace() {
  if (m_registry) {
    QSettings settings;
    saveRegistryState(settings);
    m_sections->removeWidget(m_registry);
    delete m_registry;
    m_registry = nullptr;
  }
  if (m_compare) {
    QSettings settings;
    saveCompareState(settings);
    m_sections->removeWidget(m_compare);
    delete m_compare;  // before Runs: it uses the Runs panel's series store
    m_compare = nullptr;
  }
  if (m_compare_action) m_compare_action->setEnabled(false);
  if (m_experiments) {
    QSettings().setValue(kExperimentsStateKey, m_experiments->saveState());
    m_sections->removeWidget(m_experiments);
    delete m_experiments;  // stops the runs it launched (each saves a checkpoint)
    m_experiments = nullptr;
  }
  if (m_runs) {
    QSettings().setValue(kRunsStateKey, m_runs->saveState());
    m_sections->removeWidget(m_runs);
    delete m_runs;
    m_runs = nullptr;
  }
  if (m_datasets) {
    QSettings settings;
    saveDatasetsState(settings);
    m_sections->removeWidget(m_datasets);
    delete m_datasets;
    m_datasets = nullptr;
  }
  if (m_import_dataset) m_import_dataset->setEnabled(false);
  if (m_clean_up) m_clean_up->setEnabled(false);
  m_nav->clear();
  delete m_session;
  m_session = nullptr;
  m_last_error.clear();
  setWindowTitle(tr("Workbench"));
  m_pages->setCurrentWidget(m_welcome);
  updateStatus();
}

void MainWindow::updateStatus() {
  if (!m_session) {
    m_status_path->setText(tr("No workspace open"));
    m_status_db->clear();
    return;
  }
  m_status_path->setText(tr("Workspace: %1").arg(QDir::toNativeSeparators(m_session->rootPath())));
  if (!m_last_error.isEmpty()) {
    m_status_db->setText(tr("Database error: %1").arg(m_last_error));
    return;
  }
  const auto snap = m_session->lastSnapshot();
  if (!snap) {
    m_status_db->setText(tr("Database: loading…"));
    return;
  }
  m_status_db->setText(tr("SQLite WAL · schema v%1 · %n run(s) · %2 · updated %3", nullptr,
                          static_cast<int>(snap->rows.size()))
                           .arg(snap->schema_version)
                           .arg(wb::ui::formatBytes(snap->db_size_bytes))
                           .arg(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(snap->loaded_at * 1000))
                                    .toString(QStringLiteral("HH:mm:ss"))));
}

void MainWindow::saveLayout() {
  QSettings settings;
  settings.setValue(kGeometryKey, saveGeometry());
  settings.setValue(kStateKey, saveState());
  if (m_runs) settings.setValue(kRunsStateKey, m_runs->saveState());
  if (m_datasets) saveDatasetsState(settings);
  if (m_experiments) settings.setValue(kExperimentsStateKey, m_experiments->saveState());
  if (m_compare) saveCompareState(settings);
  if (m_registry) saveRegistryState(settings);
  if (m_session) settings.setValue(kSectionKey, m_nav->currentRow());
}

void MainWindow::saveCompareState(QSettings& settings) const {
  settings.setValue(kCompareStateKey, m_compare->saveState());
  settings.setValue(kCompareRunsKey, m_compare->runIds());
  settings.setValue(kCompareTabKey, static_cast<int>(m_compare->currentTab()));
}

void MainWindow::saveRegistryState(QSettings& settings) const {
  settings.setValue(kRegistryStateKey, m_registry->saveState());
  const auto current = m_registry->currentVersion();
  settings.setValue(kRegistrySelectedKey,
                    current ? QString::fromStdString(current->model) + QLatin1Char('/') +
                                  QString::number(current->version)
                            : QString());
}

void MainWindow::saveDatasetsState(QSettings& settings) const {
  // Plain keys (but the splitters): readable, and easy to preset for screenshots.
  settings.setValue(kDatasetsStateKey, m_datasets->saveState());
  settings.setValue(kDatasetsSelectedKey, m_datasets->selection());
  settings.setValue(kDatasetsTabKey, m_datasets->tabs()->currentIndex());
  settings.setValue(kDatasetsShuffleKey, m_datasets->grid()->shuffleBox()->isChecked());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (m_experiments && !m_experiments->confirmClose()) {
    event->ignore();
    return;
  }
  saveLayout();
  event->accept();
}

void MainWindow::chooseNewWorkspace() {
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("New Workspace — choose or create an empty folder"), QDir::homePath());
  if (!dir.isEmpty()) createWorkspace(dir);
}

void MainWindow::chooseOpenWorkspace() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Workspace"), QDir::homePath());
  if (dir.isEmpty()) return;
  const auto root = Workspace::findRoot(dir.toStdString());
  if (!root) {
    QMessageBox::warning(this, tr("Not a workspace"),
                         tr("%1 is not a Workbench workspace.\nUse File → New Workspace to create one.").arg(dir));
    return;
  }
  openWorkspace(QString::fromStdString(root->string()));
}

void MainWindow::chooseDemoLocation() {
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Create Demo Workspace — choose a folder"), QDir::homePath());
  if (!dir.isEmpty()) createDemo(QDir(dir).filePath(QStringLiteral("workbench-demo")));
}

void MainWindow::createWorkspace(const QString& path) {
  auto* watcher = new QFutureWatcher<QString>(this);
  connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, path] {
    watcher->deleteLater();
    const QString error = watcher->result();
    if (!error.isEmpty()) {
      QMessageBox::warning(this, tr("Cannot create workspace"), error);
      Q_EMIT workspaceFailed(error);
      return;
    }
    openWorkspace(path);
  });
  watcher->setFuture(QtConcurrent::run([path]() -> QString {
    auto ws = Workspace::create(path.toStdString());
    return ws ? QString() : QString::fromStdString(ws.error().text());
  }));
}

QString MainWindow::cliPath() const {
  const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("wb"));
  if (QFileInfo(beside).isExecutable()) return beside;
  return QStandardPaths::findExecutable(QStringLiteral("wb"));
}

void MainWindow::createDemo(const QString& path) {
  const QString wb = cliPath();
  if (wb.isEmpty()) {
    QMessageBox::warning(this, tr("Cannot create demo"), tr("The `wb` program was not found next to Workbench."));
    return;
  }
  // Training runs in a child process, never in the GUI process.
  auto* process = new QProcess(this);
  auto* progress = new QProgressDialog(tr("Training the demo runs…"), tr("Cancel"), 0, 100, this);
  progress->setWindowTitle(tr("Create Demo Workspace"));
  progress->setWindowModality(Qt::WindowModal);
  progress->setMinimumDuration(0);
  progress->setAutoClose(false);
  progress->setAutoReset(false);
  progress->setValue(0);
  auto stderr_text = std::make_shared<QString>();
  connect(progress, &QProgressDialog::canceled, process, &QProcess::terminate);
  connect(process, &QProcess::readyReadStandardError, this,
          [process, stderr_text] { *stderr_text += QString::fromUtf8(process->readAllStandardError()); });
  connect(process, &QProcess::readyReadStandardOutput, this, [process, progress] {
    while (process->canReadLine()) {
      const auto event = QJsonDocument::fromJson(process->readLine()).object();
      if (event.value(QStringLiteral("event")).toString() != QStringLiteral("progress")) continue;
      if (event.value(QStringLiteral("phase")).toString() == QStringLiteral("datasets")) {
        progress->setLabelText(tr("Preparing demo datasets: %1…").arg(event.value(QStringLiteral("run")).toString()));
        continue;
      }
      if (event.value(QStringLiteral("phase")).toString() == QStringLiteral("registering")) {
        progress->setValue(100);
        progress->setLabelText(tr("Registering %1…").arg(event.value(QStringLiteral("run")).toString()));
        continue;
      }
      const int runs = event.value(QStringLiteral("run_count")).toInt(1);
      const int epochs = event.value(QStringLiteral("epochs")).toInt(1);
      const double done = event.value(QStringLiteral("run_index")).toInt() +
                          event.value(QStringLiteral("epoch")).toDouble() / epochs;
      progress->setValue(static_cast<int>(100.0 * done / runs));
      progress->setLabelText(tr("Training %1…").arg(event.value(QStringLiteral("run")).toString()));
    }
  });
  connect(process, &QProcess::finished, this,
          [this, process, progress, path, stderr_text](int code, QProcess::ExitStatus status) {
            const bool cancelled = progress->wasCanceled();
            progress->deleteLater();
            process->deleteLater();
            if (status == QProcess::NormalExit && code == 0) {
              openWorkspace(path);
            } else if (!cancelled) {
              const QString msg = stderr_text->trimmed().isEmpty() ? tr("wb demo failed (exit %1)").arg(code)
                                                                   : stderr_text->trimmed();
              QMessageBox::warning(this, tr("Cannot create demo"), msg);
              Q_EMIT workspaceFailed(msg);
            }
          });
  process->start(wb, {QStringLiteral("--json"), QStringLiteral("demo"), path});
}

}  // namespace wb::ui
