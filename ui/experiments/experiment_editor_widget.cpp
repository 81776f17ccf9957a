#include "ui/experiments/experiment_editor_widget.h"

#include <QAction>
#include <QCoreApplication>
#include <QDataStream>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStandardPaths>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <filesystem>

#include "core/config/yaml_edit.h"
#include "ui/experiments/config_document.h"
#include "ui/experiments/config_form_widget.h"
#include "ui/experiments/config_plan_runner.h"
#include "ui/experiments/sweep_editor_widget.h"
#include "ui/experiments/yaml_editor.h"

namespace wb::ui {

namespace fs = std::filesystem;

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// Error list columns and the data each row keeps.
enum ErrorColumn { kWhereColumn, kKeyColumn, kMessageColumn };
constexpr int kFileRole = Qt::UserRole + 1;
constexpr int kLineRole = Qt::UserRole + 2;
constexpr int kColumnRole = Qt::UserRole + 3;

QString runs(std::size_t n) {
  return n == 1 ? QCoreApplication::translate("ExperimentEditorWidget", "1 run")
                : QCoreApplication::translate("ExperimentEditorWidget", "%1 runs").arg(n);
}

}  // namespace

ExperimentEditorWidget::ExperimentEditorWidget(QWidget* parent)
    : QWidget(parent),
      m_doc(new ConfigDocument(this)),
      m_runner(new ConfigPlanRunner(this)),
      m_validate_timer(new QTimer(this)),
      m_plan_timer(new QTimer(this)),
      m_fs_model(new QFileSystemModel(this)) {
  setObjectName(QStringLiteral("experimentEditor"));
  m_validate_timer->setSingleShot(true);
  m_validate_timer->setInterval(kValidateDelayMs);
  m_plan_timer->setSingleShot(true);
  m_plan_timer->setInterval(kPlanDelayMs);
  connect(m_validate_timer, &QTimer::timeout, this, [this] { startValidation(); });
  connect(m_plan_timer, &QTimer::timeout, this, [this] { startPlan(); });
  connect(m_doc, &ConfigDocument::changedOnDisk, this,
          [this](const QString& text) { onChangedOnDisk(text); });
  connect(m_doc, &ConfigDocument::removedOnDisk, this, [this] {
    showDiskBanner(tr("%1 was removed or cannot be read; saving writes it again.")
                       .arg(QFileInfo(m_doc->path()).fileName()));
    updateDirty();
  });
  connect(m_runner, &ConfigPlanRunner::validated, this,
          [this](const ConfigValidation& v) { applyValidation(v); });
  connect(m_runner, &ConfigPlanRunner::planUpdated, this,
          [this](const QString& text, const QString& tip) { setPlanText(text, tip); });
  buildUi();
  updateTitle();
  updateButtons();
}

ExperimentEditorWidget::~ExperimentEditorWidget() {
  if (m_catalog_process != nullptr) {
    m_catalog_process->disconnect(this);
    m_catalog_process->kill();
    m_catalog_process->waitForFinished(1000);
  }
}

void ExperimentEditorWidget::buildUi() {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(6, 6, 6, 6);
  outer->setSpacing(6);
  auto* bar = new QHBoxLayout;
  bar->setSpacing(4);
  buildToolbar(bar);
  outer->addLayout(bar);
  buildBanners(outer);

  // Files | (form+sweep | YAML) over problems.
  m_main_splitter = new QSplitter(Qt::Horizontal, this);
  m_main_splitter->setObjectName(QStringLiteral("editorMainSplitter"));
  m_main_splitter->setChildrenCollapsible(false);
  buildFileTree();
  m_vertical_splitter = new QSplitter(Qt::Vertical, m_main_splitter);
  m_vertical_splitter->setChildrenCollapsible(false);
  buildEditors();
  buildProblems();
  m_vertical_splitter->setStretchFactor(0, 4);
  m_vertical_splitter->setStretchFactor(1, 1);
  m_main_splitter->setStretchFactor(0, 0);
  m_main_splitter->setStretchFactor(1, 1);
  m_main_splitter->setSizes({200, 1000});
  m_vertical_splitter->setSizes({700, 120});
  m_center_splitter->setSizes({460, 500});
  outer->addWidget(m_main_splitter, 1);
  connectUi();
}

// File actions, the open file, parameter count, launch buttons.
void ExperimentEditorWidget::buildToolbar(QHBoxLayout* bar) {
  auto tool = [this, bar](const QString& name, const QString& text, QStyle::StandardPixmap icon,
                          const QString& tip) {
    auto* b = new QToolButton(this);
    b->setObjectName(name);
    b->setText(text);
    b->setIcon(style()->standardIcon(icon));
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setAutoRaise(true);
    b->setToolTip(tip);
    bar->addWidget(b);
    return b;
  };
  m_new = tool(QStringLiteral("newButton"), tr("New"), QStyle::SP_FileIcon,
               tr("New config from the current one or a minimal template"));
  m_new->setPopupMode(QToolButton::InstantPopup);
  auto* new_menu = new QMenu(m_new);
  QAction* new_copy = new_menu->addAction(tr("Copy of the current config…"));
  QAction* new_minimal = new_menu->addAction(tr("Minimal config…"));
  m_new->setMenu(new_menu);
  connect(new_copy, &QAction::triggered, this,
          [this] { askNewConfig(NewConfigTemplate::CopyOfCurrent); });
  connect(new_minimal, &QAction::triggered, this,
          [this] { askNewConfig(NewConfigTemplate::Minimal); });
  connect(new_menu, &QMenu::aboutToShow, this,
          [this, new_copy] { new_copy->setEnabled(m_doc->isOpen()); });
  m_save = tool(QStringLiteral("saveButton"), tr("Save"), QStyle::SP_DialogSaveButton,
                tr("Save (Ctrl+S)"));
  m_save_as = tool(QStringLiteral("saveAsButton"), tr("Save As…"), QStyle::SP_DriveFDIcon,
                   tr("Save under another name in configs/"));
  m_revert = tool(QStringLiteral("revertButton"), tr("Revert"), QStyle::SP_BrowserReload,
                  tr("Back to the file on disk (undoable)"));
  auto* sep = new QFrame(this);
  sep->setFrameShape(QFrame::VLine);
  sep->setFrameShadow(QFrame::Sunken);
  bar->addSpacing(6);
  bar->addWidget(sep);
  bar->addSpacing(6);
  m_title = new QLabel(this);
  m_title->setObjectName(QStringLiteral("configTitle"));
  m_title->setTextFormat(Qt::RichText);
  bar->addWidget(m_title);
  bar->addStretch(1);
  m_parameters = new QLabel(this);
  m_parameters->setObjectName(QStringLiteral("parameterCount"));
  m_parameters->setForegroundRole(QPalette::PlaceholderText);
  bar->addWidget(m_parameters);
  bar->addSpacing(10);
  m_sweep_button =
      new QPushButton(style()->standardIcon(QStyle::SP_FileDialogListView), tr("Sweep"), this);
  m_sweep_button->setObjectName(QStringLiteral("sweepButton"));
  m_sweep_button->setToolTip(tr("Save, then launch every run of the sweep"));
  bar->addWidget(m_sweep_button);
  m_run = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Run"), this);
  m_run->setObjectName(QStringLiteral("runButton"));
  m_run->setToolTip(tr("Save, then train this config (Ctrl+Return)"));
  QFont bold = m_run->font();
  bold.setBold(true);
  m_run->setFont(bold);
  bar->addWidget(m_run);
}

// A yellow strip above the panes, hidden until needed.
QFrame* ExperimentEditorWidget::buildBanner(const QString& name, QLabel** text) {
  auto* banner = new QFrame(this);
  banner->setObjectName(name);
  banner->setFrameShape(QFrame::StyledPanel);
  banner->setAutoFillBackground(true);
  QPalette palette = banner->palette();
  palette.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
  palette.setColor(QPalette::WindowText, QColor(0x5c, 0x45, 0x00));
  banner->setPalette(palette);
  auto* layout = new QHBoxLayout(banner);
  layout->setContentsMargins(8, 4, 8, 4);
  *text = new QLabel(banner);
  (*text)->setWordWrap(true);
  layout->addWidget(*text, 1);
  banner->hide();
  return banner;
}

void ExperimentEditorWidget::buildBanners(QLayout* outer) {
  // The open file changed on disk while there are unsaved edits.
  m_banner = buildBanner(QStringLiteral("diskChangedBanner"), &m_banner_text);
  auto* reload = new QPushButton(tr("Reload from disk"), m_banner);
  reload->setObjectName(QStringLiteral("bannerReload"));
  auto* keep = new QPushButton(tr("Keep my version"), m_banner);
  keep->setObjectName(QStringLiteral("bannerKeep"));
  m_banner->layout()->addWidget(reload);
  m_banner->layout()->addWidget(keep);
  connect(reload, &QPushButton::clicked, this, [this] {
    m_banner->hide();
    QString error;
    if (auto disk = m_doc->reload(&error))
      setEditorText(*disk, true);
    else
      Q_EMIT statusMessage(error, 5000);
  });
  connect(keep, &QPushButton::clicked, this, [this] { m_banner->hide(); });
  outer->addWidget(m_banner);

  // The open file is not in this workspace: it may be another workspace's config.
  m_outside_banner = buildBanner(QStringLiteral("outsideWorkspaceBanner"), &m_outside_text);
  auto* copy = new QPushButton(tr("Save a copy into configs/"), m_outside_banner);
  copy->setObjectName(QStringLiteral("bannerSaveCopy"));
  m_outside_banner->layout()->addWidget(copy);
  connect(copy, &QPushButton::clicked, this, [this] { saveCopyIntoWorkspace(); });
  outer->addWidget(m_outside_banner);
}

void ExperimentEditorWidget::buildFileTree() {
  m_file_tree = new QTreeView(m_main_splitter);
  m_file_tree->setObjectName(QStringLiteral("configTree"));
  m_fs_model->setNameFilters({QStringLiteral("*.yaml"), QStringLiteral("*.yml")});
  m_fs_model->setNameFilterDisables(false);
  m_fs_model->setReadOnly(true);
  m_file_tree->setModel(m_fs_model);
  for (int c = 1; c < 4; ++c) m_file_tree->hideColumn(c);
  m_file_tree->setHeaderHidden(true);
  m_file_tree->setAnimated(true);
  m_file_tree->setMinimumWidth(140);
  m_file_tree->setSortingEnabled(true);
  m_file_tree->sortByColumn(0, Qt::AscendingOrder);
  // Group folders are few and small: show their options without a click.
  connect(m_fs_model, &QFileSystemModel::directoryLoaded, this, [this](const QString& dir) {
    const QString configs = m_doc->configsDir();
    if (configs.isEmpty() || !dir.startsWith(configs)) return;
    const QModelIndex parent = m_fs_model->index(dir);
    for (int r = 0; r < m_fs_model->rowCount(parent); ++r) {
      const QModelIndex child = m_fs_model->index(r, 0, parent);
      if (m_fs_model->isDir(child)) m_file_tree->expand(child);
    }
  });
  auto activate = [this](const QModelIndex& index) {
    if (!m_fs_model->isDir(index)) onFileActivated(m_fs_model->filePath(index));
  };
  connect(m_file_tree, &QTreeView::clicked, this, activate);
  connect(m_file_tree, &QTreeView::activated, this, activate);
}

void ExperimentEditorWidget::buildEditors() {
  m_center_splitter = new QSplitter(Qt::Horizontal, m_vertical_splitter);
  m_center_splitter->setObjectName(QStringLiteral("editorCenterSplitter"));
  m_center_splitter->setChildrenCollapsible(false);
  m_tabs = new QTabWidget(m_center_splitter);
  m_tabs->setObjectName(QStringLiteral("editorTabs"));
  m_tabs->setDocumentMode(true);
  m_form_scroll = new QScrollArea(m_tabs);
  m_form_scroll->setObjectName(QStringLiteral("formScroll"));
  m_form_scroll->setWidgetResizable(true);
  m_form_scroll->setFrameShape(QFrame::NoFrame);
  m_form = new ConfigFormWidget(m_form_scroll);
  m_form_scroll->setWidget(m_form);
  m_tabs->addTab(m_form_scroll, tr("Form"));
  m_sweep = new SweepEditorWidget(m_tabs);
  m_tabs->addTab(m_sweep, tr("Sweep"));
  m_tabs->setMinimumWidth(320);
  m_yaml = new YamlEditor(m_center_splitter);
  m_yaml->setMinimumWidth(280);
  m_center_splitter->setStretchFactor(0, 1);
  m_center_splitter->setStretchFactor(1, 1);
}

void ExperimentEditorWidget::buildProblems() {
  auto* problems = new QWidget(m_vertical_splitter);
  auto* layout = new QVBoxLayout(problems);
  layout->setContentsMargins(0, 4, 0, 0);
  layout->setSpacing(4);
  m_status = new QLabel(problems);
  m_status->setObjectName(QStringLiteral("validationStatus"));
  m_status->setTextFormat(Qt::RichText);
  layout->addWidget(m_status);
  m_error_list = new QTreeWidget(problems);
  m_error_list->setObjectName(QStringLiteral("errorList"));
  m_error_list->setColumnCount(3);
  m_error_list->setHeaderLabels({tr("Where"), tr("Key"), tr("Problem")});
  m_error_list->setRootIsDecorated(false);
  m_error_list->setUniformRowHeights(true);
  m_error_list->setAlternatingRowColors(true);
  m_error_list->header()->setStretchLastSection(true);
  m_error_list->header()->setSectionResizeMode(kWhereColumn, QHeaderView::ResizeToContents);
  m_error_list->header()->setSectionResizeMode(kKeyColumn, QHeaderView::ResizeToContents);
  layout->addWidget(m_error_list, 1);
}

void ExperimentEditorWidget::connectUi() {
  // Shortcuts live on the widget so they work wherever the focus is inside it.
  auto* save_action = new QAction(tr("Save"), this);
  save_action->setShortcut(QKeySequence::Save);
  save_action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  addAction(save_action);
  auto* run_action = new QAction(tr("Run"), this);
  run_action->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  run_action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  addAction(run_action);

  connect(save_action, &QAction::triggered, this, [this] { save(); });
  connect(run_action, &QAction::triggered, this, [this] {
    if (m_run->isEnabled()) requestRun();
  });
  connect(m_save, &QToolButton::clicked, this, [this] { save(); });
  connect(m_save_as, &QToolButton::clicked, this, [this] { askSaveAs(); });
  connect(m_revert, &QToolButton::clicked, this, [this] { revert(); });
  connect(m_run, &QPushButton::clicked, this, [this] { requestRun(); });
  connect(m_sweep_button, &QPushButton::clicked, this, [this] { requestSweep(); });

  connect(m_yaml->document(), &QTextDocument::contentsChanged, this, [this] { onTextChanged(); });
  connect(m_form, &ConfigFormWidget::valueEdited, this,
          [this](const QString& key, const QString& value) { applyEdit(key, value); });
  connect(m_form, &ConfigFormWidget::valueRemoved, this,
          [this](const QString& key) { applyEdit(key, std::nullopt); });
  connect(m_sweep, &SweepEditorWidget::sweepEdited, this,
          [this](const QString& block) { applyKeyPathEdit({"sweep"}, block); });
  connect(m_sweep, &SweepEditorWidget::sweepRemoved, this,
          [this] { applyKeyPathEdit({"sweep"}, std::nullopt); });
  connect(m_error_list, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
    onErrorActivated(m_error_list->indexOfTopLevelItem(item), false);
  });
  connect(m_error_list, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
    onErrorActivated(m_error_list->indexOfTopLevelItem(item), true);
  });
}

void ExperimentEditorWidget::askSaveAs() {
  const QString start = m_doc->isOpen() ? m_doc->path() : m_doc->configsDir();
  const QString path = QFileDialog::getSaveFileName(this, tr("Save config as"), start,
                                                    tr("YAML configs (*.yaml *.yml)"));
  if (path.isEmpty()) return;
  saveAs(path.endsWith(QStringLiteral(".yaml")) || path.endsWith(QStringLiteral(".yml"))
             ? path
             : path + QStringLiteral(".yaml"));
}

void ExperimentEditorWidget::askNewConfig(NewConfigTemplate from) {
  if (m_doc->root().isEmpty()) return;
  bool ok = false;
  const QString suggestion = from == NewConfigTemplate::CopyOfCurrent && m_doc->isOpen()
                                 ? QFileInfo(m_doc->path()).completeBaseName() +
                                       QStringLiteral("-copy")
                                 : QStringLiteral("experiment");
  const QString name = QInputDialog::getText(
      this, tr("New config"), tr("Name (a path under configs/, e.g. mnist-cnn or optim/sgd2):"),
      QLineEdit::Normal, suggestion, &ok);
  if (ok && !name.trimmed().isEmpty() && maybeSave()) newConfig(name.trimmed(), from);
}

// --- workspace and files ------------------------------------------------------------------

QString ExperimentEditorWidget::workspaceRoot() const { return m_doc->root(); }

QString ExperimentEditorWidget::currentConfigPath() const { return m_doc->path(); }

QString ExperimentEditorWidget::currentDisplayName() const { return qs(m_doc->displayName()); }

bool ExperimentEditorWidget::isReadOnly() const { return m_doc->isOutsideWorkspace(); }

void ExperimentEditorWidget::setWorkspace(const QString& root) {
  m_doc->setWorkspace(root);
  // QFileSystemModel reads folders on its own thread.
  m_file_tree->setRootIndex(m_fs_model->setRootPath(m_doc->configsDir()));
  m_yaml->setPlainText(QString());  // no open file: onTextChanged ignores it
  m_runner->cancel();
  m_valid = false;
  m_errors.clear();
  m_error_list->clear();
  m_status->clear();
  m_yaml->setErrors({});
  m_banner->hide();
  m_outside_banner->hide();
  setPlanText(QString());
  m_dirty = false;
  updateTitle();
  updateButtons();
}

void ExperimentEditorWidget::setCliPath(const QString& path) {
  m_cli_path = path;
  if (!m_catalog_set) refreshModelCatalog();
}

void ExperimentEditorWidget::setDatasetRefs(const QStringList& refs) {
  m_dataset_refs = refs;
  m_form->setDatasetRefs(refs);
}

void ExperimentEditorWidget::setModelCatalog(const QJsonObject& catalog) {
  m_catalog_set = true;
  m_form->setModelCatalog(catalog);
}

void ExperimentEditorWidget::refreshModelCatalog() {
  const QString cli = cliPath();
  if (cli.isEmpty() || m_catalog_process != nullptr) return;
  auto* p = new QProcess(this);
  m_catalog_process = p;
  connect(p, &QProcess::finished, this, [this, p](int code, QProcess::ExitStatus status) {
    m_catalog_process = nullptr;
    p->deleteLater();
    if (status != QProcess::NormalExit || code != 0 || m_catalog_set) return;
    const QJsonDocument doc = QJsonDocument::fromJson(p->readAllStandardOutput());
    if (doc.isObject() && doc.object().contains(QStringLiteral("models"))) {
      m_catalog_set = true;
      m_form->setModelCatalog(doc.object());
    }
  });
  connect(p, &QProcess::errorOccurred, this, [this, p](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;
    m_catalog_process = nullptr;
    p->deleteLater();
  });
  p->start(cli, {QStringLiteral("models"), QStringLiteral("types"), QStringLiteral("--json")});
}

QString ExperimentEditorWidget::cliPath() const {
  if (!m_cli_path.isEmpty()) return m_cli_path;
  const QString beside =
      QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("wb"));
  if (QFileInfo(beside).isExecutable()) return beside;
  return QStandardPaths::findExecutable(QStringLiteral("wb"));
}

void ExperimentEditorWidget::showFileError(const QString& message) {
  m_status->setText(
      QStringLiteral("<span style='color:#d03030'>%1</span>").arg(message.toHtmlEscaped()));
  Q_EMIT statusMessage(message, 8000);
}

void ExperimentEditorWidget::selectInTree() {
  const QSignalBlocker block(m_file_tree->selectionModel());
  if (m_doc->isOpen() && !m_doc->isOutsideWorkspace())
    m_file_tree->setCurrentIndex(m_fs_model->index(m_doc->path()));
  else
    m_file_tree->clearSelection();
}

bool ExperimentEditorWidget::openConfig(const QString& path) {
  QString error;
  const auto text = m_doc->open(path, &error);
  if (!text) {
    Q_EMIT statusMessage(error, 8000);
    return false;
  }
  m_banner->hide();
  // A new file starts a new undo history. (Document signals stay on: the highlighter needs
  // them.)
  m_loading_text = true;
  m_yaml->setPlainText(*text);
  m_loading_text = false;
  m_yaml->setErrors({});
  selectInTree();
  m_dirty = false;
  m_valid = false;
  setPlanText(QString());
  updateTitle();
  updateButtons();
  startValidation();
  Q_EMIT currentConfigChanged(m_doc->path());
  Q_EMIT dirtyChanged(false);
  return true;
}

bool ExperimentEditorWidget::isDirty() const {
  return m_doc->isOpen() && m_yaml->toPlainText() != m_doc->savedText();
}

bool ExperimentEditorWidget::maybeSave() {
  if (!isDirty()) return true;
  const auto answer = QMessageBox::question(
      this, tr("Unsaved changes"),
      tr("%1 has unsaved changes. Save them?").arg(QFileInfo(m_doc->path()).fileName()),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

bool ExperimentEditorWidget::save() {
  if (!m_doc->isOpen() || m_doc->isOutsideWorkspace()) return false;
  QString error;
  if (!m_doc->save(m_yaml->toPlainText(), &error)) {
    showFileError(error);
    return false;
  }
  m_banner->hide();
  updateDirty();
  Q_EMIT statusMessage(tr("Saved %1").arg(currentDisplayName()), 3000);
  return true;
}

bool ExperimentEditorWidget::saveAs(const QString& path) {
  QString error;
  if (!m_doc->saveAs(path, m_yaml->toPlainText(), &error)) {
    showFileError(error);
    return false;
  }
  // Keep editing the same document (and its undo history) under the new name.
  m_banner->hide();
  selectInTree();
  startValidation();  // origins now name the new file
  updateDirty();
  updateTitle();
  updateButtons();
  Q_EMIT currentConfigChanged(m_doc->path());
  return true;
}

bool ExperimentEditorWidget::saveCopyIntoWorkspace() {
  if (!m_doc->isOpen() || m_doc->root().isEmpty()) return false;
  const QDir configs(m_doc->configsDir());
  const QString base = QFileInfo(m_doc->path()).completeBaseName();
  QString name = base + QStringLiteral(".yaml");
  for (int n = 2; QFileInfo::exists(configs.filePath(name)); ++n)
    name = QStringLiteral("%1-%2.yaml").arg(base).arg(n);
  if (!saveAs(configs.filePath(name))) return false;
  Q_EMIT statusMessage(tr("Saved a copy as %1").arg(currentDisplayName()), 5000);
  return true;
}

bool ExperimentEditorWidget::newConfig(const QString& relative_path, NewConfigTemplate from) {
  if (m_doc->root().isEmpty()) return false;
  QString relative = relative_path;
  if (!relative.endsWith(QStringLiteral(".yaml")) && !relative.endsWith(QStringLiteral(".yml")))
    relative += QStringLiteral(".yaml");
  const QString path = QDir(m_doc->configsDir()).filePath(relative);
  if (QFileInfo::exists(path)) {
    Q_EMIT statusMessage(tr("%1 already exists").arg(relative), 5000);
    return false;
  }
  const QString name = QFileInfo(relative).completeBaseName();
  const QString text = from == NewConfigTemplate::CopyOfCurrent && m_doc->isOpen()
                           ? m_yaml->toPlainText()
                           : minimalConfig(name);
  QDir().mkpath(QFileInfo(path).absolutePath());
  QString error;
  if (!m_doc->writeFile(path, text, &error)) {
    showFileError(error);
    return false;
  }
  return openConfig(path);
}

QString ExperimentEditorWidget::minimalConfig(const QString& name) const {
  const QString dataset =
      m_dataset_refs.isEmpty() ? QStringLiteral("digits@latest") : m_dataset_refs.front();
  return QStringLiteral(
             "# %1: a new experiment\n"
             "experiment: %2\n"
             "data:\n"
             "  dataset: %3\n"
             "  batch_size: 64\n"
             "model:\n"
             "  type: mlp\n"
             "optim:\n"
             "  name: adam\n"
             "  lr: 0.001\n"
             "trainer:\n"
             "  epochs: 10\n")
      .arg(name, qs(config::quoteYamlString(name.toStdString())),
           qs(config::quoteYamlString(dataset.toStdString())));
}

void ExperimentEditorWidget::revert() {
  if (!m_doc->isOpen()) return;
  QString error;
  auto disk = m_doc->reload(&error);
  if (!disk) {
    Q_EMIT statusMessage(error, 5000);
    return;
  }
  m_banner->hide();
  setEditorText(*disk, true);
  updateDirty();
}

void ExperimentEditorWidget::onFileActivated(const QString& path) {
  if (QFileInfo(path).absoluteFilePath() == m_doc->path()) return;
  if (!maybeSave()) {
    selectInTree();
    return;
  }
  openConfig(path);
}

void ExperimentEditorWidget::onChangedOnDisk(const QString& text) {
  if (!isDirty()) {
    m_doc->acceptDiskText(text);
    setEditorText(text, true);
    Q_EMIT statusMessage(tr("Reloaded %1: it changed on disk").arg(currentDisplayName()), 4000);
    return;
  }
  showDiskBanner(tr("%1 changed on disk, and you have unsaved edits.")
                     .arg(QFileInfo(m_doc->path()).fileName()));
}

void ExperimentEditorWidget::showDiskBanner(const QString& message) {
  m_banner_text->setText(message);
  m_banner->show();
}

// --- text, edits and validation -----------------------------------------------------------

void ExperimentEditorWidget::setEditorText(const QString& text, bool undoable) {
  if (undoable) {
    m_yaml->replaceTextUndoable(text);
  } else {
    m_yaml->setPlainText(text);
  }
}

void ExperimentEditorWidget::onTextChanged() {
  if (!m_doc->isOpen() || m_loading_text) return;
  m_runner->invalidate();  // results for older text are dropped when they arrive
  m_validate_timer->start();
  m_plan_timer->stop();
  updateDirty();
}

void ExperimentEditorWidget::updateDirty() {
  const bool dirty = isDirty();
  if (dirty != m_dirty) {
    m_dirty = dirty;
    updateTitle();
    Q_EMIT dirtyChanged(dirty);
  }
}

void ExperimentEditorWidget::applyEdit(const QString& key,
                                       const std::optional<QString>& value_yaml) {
  applyKeyPathEdit(config::splitDottedKey(key.toStdString()), value_yaml);
}

void ExperimentEditorWidget::applyKeyPathEdit(const std::vector<std::string>& path,
                                              const std::optional<QString>& value_yaml) {
  if (!m_doc->isOpen() || m_doc->isOutsideWorkspace()) return;
  const QString current = m_yaml->toPlainText();
  const std::string text = current.toStdString();
  auto edited = value_yaml ? config::setYamlValue(text, path, value_yaml->toStdString())
                           : config::removeYamlKey(text, path);
  if (!edited) {
    showFileError(tr("Cannot apply the edit: %1").arg(qs(edited.error().text())));
    return;
  }
  const QString next = qs(*edited);
  if (next == current) return;
  // Several edits from one user action (a model type change drops old parameters) undo as one.
  m_yaml->replaceTextUndoable(next, m_joining_edits);
  if (!m_joining_edits) {
    m_joining_edits = true;
    QTimer::singleShot(0, this, [this] { m_joining_edits = false; });
  }
}

bool ExperimentEditorWidget::isValidationPending() const {
  return m_validate_timer->isActive() || m_runner->isValidating();
}

bool ExperimentEditorWidget::isBusy() const {
  return isValidationPending() || m_plan_timer->isActive() || m_runner->isPlanning();
}

void ExperimentEditorWidget::startValidation() {
  m_validate_timer->stop();
  if (!m_doc->isOpen()) return;
  m_runner->validate(m_yaml->toPlainText().toStdString(), fs::path(m_doc->path().toStdString()),
                     fs::path(m_doc->root().toStdString()),
                     fs::path(m_doc->configsDir().toStdString()));
}

void ExperimentEditorWidget::applyValidation(const ConfigValidation& v) {
  m_valid = v.valid;
  m_errors = v.errors;
  m_has_sweep = v.has_sweep;
  m_run_count = v.run_count;
  showProblems(v);

  // While the YAML does not parse, the form keeps the last values it could read.
  if (v.parsed) {
    m_form->setTree(v.tree, qs(v.display));
    m_sweep->setSweep(v.tree.find("sweep"));
  }
  QHash<QString, QString> by_key;
  for (const auto& e : v.errors)
    if (!e.key.empty() && !by_key.contains(qs(e.key))) by_key.insert(qs(e.key), qs(e.message));
  m_form->setFieldErrors(by_key);
  QStringList keys = m_form->fieldPaths();
  keys.removeAll(QStringLiteral("notes"));
  keys.removeAll(QStringLiteral("experiment"));
  keys.removeAll(QStringLiteral("tags"));
  keys << v.groups;
  m_sweep->setParameterKeys(keys);
  m_sweep->setRunCount(v.has_sweep ? v.run_count : std::optional<std::size_t>(1), v.count_error);

  updateButtons();
  if (v.valid) {
    m_plan_timer->start();
  } else {
    setPlanText(tr("Parameters: fix the problems first"));
  }
  Q_EMIT validated(v.valid, static_cast<int>(v.errors.size()));
}

// Inline marks for problems in this file; every problem in the list; the summary line.
void ExperimentEditorWidget::showProblems(const ConfigValidation& v) {
  QList<YamlEditor::Diagnostic> here;
  m_error_list->clear();
  const QIcon icon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
  for (const auto& e : v.errors) {
    const bool this_file = e.origin.file == v.display;
    const QString message = qs(e.message);
    if (this_file && e.origin.line > 0)
      here.push_back({e.origin.line, e.origin.column,
                      e.key.empty() ? message : qs(e.key) + QStringLiteral(": ") + message});
    QString where;
    if (!e.origin.override_text.empty())
      where = qs(e.origin.text());
    else if (this_file)
      where = e.origin.line > 0 ? tr("line %1").arg(e.origin.line) : tr("this file");
    else
      where = qs(e.origin.text());
    auto* item = new QTreeWidgetItem(m_error_list, {where, qs(e.key), message});
    item->setIcon(kWhereColumn, icon);
    item->setData(kWhereColumn, kFileRole, qs(e.origin.file));
    item->setData(kWhereColumn, kLineRole, e.origin.line);
    item->setData(kWhereColumn, kColumnRole, e.origin.column);
    item->setToolTip(kMessageColumn, qs(e.text()));
    if (!this_file && !e.origin.file.empty())
      item->setToolTip(kWhereColumn, tr("Double-click to open %1").arg(qs(e.origin.file)));
  }
  m_yaml->setErrors(here);

  if (v.errors.empty()) {
    m_status->setText(QStringLiteral("<span style='color:#2e7d32'>&#10004;</span> ") +
                      tr("Valid config") +
                      (v.has_sweep && v.run_count
                           ? QStringLiteral(" · ") + tr("sweep of %1").arg(runs(*v.run_count))
                           : QString()));
  } else {
    m_status->setText(
        QStringLiteral("<span style='color:#d03030'>&#10008;</span> ") +
        (v.errors.size() == 1 ? tr("1 problem") : tr("%1 problems").arg(v.errors.size())));
  }
}

void ExperimentEditorWidget::onErrorActivated(int row, bool open_other_file) {
  QTreeWidgetItem* item = m_error_list->topLevelItem(row);
  if (item == nullptr) return;
  const QString file = item->data(kWhereColumn, kFileRole).toString();
  const int line = item->data(kWhereColumn, kLineRole).toInt();
  const int column = item->data(kWhereColumn, kColumnRole).toInt();
  if (file == currentDisplayName()) {
    if (line > 0) m_yaml->goTo(line, column);
    return;
  }
  if (!open_other_file || file.isEmpty()) return;
  const QString path = QDir(m_doc->root()).filePath(file);
  if (QFileInfo::exists(path) && maybeSave() && openConfig(path) && line > 0)
    m_yaml->goTo(line, column);
}

// --- dry run -------------------------------------------------------------------------------

void ExperimentEditorWidget::setPlanText(const QString& text, const QString& tooltip) {
  m_parameters->setText(text);
  m_parameters->setToolTip(tooltip);
  Q_EMIT planUpdated(text);
}

void ExperimentEditorWidget::startPlan() {
  if (!m_doc->isOpen() || !m_valid) return;
  m_runner->startPlan(cliPath(), m_doc->root(), m_doc->path(), m_yaml->toPlainText().toUtf8());
}

// --- chrome --------------------------------------------------------------------------------

void ExperimentEditorWidget::updateTitle() {
  if (!m_doc->isOpen()) {
    m_title->setText(m_doc->root().isEmpty()
                         ? tr("No workspace")
                         : tr("<i>Pick a config on the left, or create one</i>"));
    return;
  }
  const QFileInfo info(m_doc->path());
  const QString folder = currentDisplayName().section(QLatin1Char('/'), 0, -2);
  QString text = QStringLiteral("<b>%1</b>").arg(info.fileName().toHtmlEscaped());
  if (!folder.isEmpty())
    text += QStringLiteral(" <span style='color:gray'>%1/</span>").arg(folder.toHtmlEscaped());
  if (m_doc->isOutsideWorkspace())
    text += QStringLiteral(" <span style='color:#c77c02'>") + tr("read-only") +
            QStringLiteral("</span>");
  if (m_dirty)
    text += QStringLiteral(" <span style='color:#c77c02'>&#9679; ") + tr("modified") +
            QStringLiteral("</span>");
  m_title->setText(text);
  m_title->setToolTip(m_doc->path());
}

void ExperimentEditorWidget::updateButtons() {
  const bool open = m_doc->isOpen();
  const bool outside = m_doc->isOutsideWorkspace();
  // Another workspace's config (or any file outside this one) is shown, never run or saved
  // here: a run would train in this workspace from a file it does not own.
  m_outside_text->setText(
      tr("This file is outside the workspace (%1). It is read-only here and cannot be run: "
         "Save a copy into configs/ to edit and run it in this workspace.")
          .arg(QDir::toNativeSeparators(m_doc->path())));
  m_outside_banner->setVisible(open && outside);
  m_save->setEnabled(open && !outside);
  m_save_as->setEnabled(open);
  m_revert->setEnabled(open && !outside);
  m_new->setEnabled(!m_doc->root().isEmpty());
  m_yaml->setReadOnly(!open || outside);
  m_tabs->setEnabled(open && !outside);
  m_run->setEnabled(open && !outside && m_valid);
  m_run->setToolTip(outside             ? tr("Save a copy into configs/ to run this config")
                    : open && !m_valid ? tr("Fix the problems below to run")
                                       : tr("Save, then train this config (Ctrl+Return)"));
  const bool sweepable = open && !outside && m_valid && m_has_sweep && m_run_count.has_value();
  m_sweep_button->setEnabled(sweepable);
  m_sweep_button->setText(sweepable ? tr("Sweep (%1)").arg(runs(*m_run_count)) : tr("Sweep"));
}

void ExperimentEditorWidget::requestRun() {
  if (!m_doc->isOpen() || m_doc->isOutsideWorkspace()) return;
  if (isDirty() && !save()) return;
  Q_EMIT launchRequested(m_doc->path(), false);
}

void ExperimentEditorWidget::requestSweep() {
  if (!m_doc->isOpen() || m_doc->isOutsideWorkspace()) return;
  if (isDirty() && !save()) return;
  Q_EMIT launchRequested(m_doc->path(), true);
}

QByteArray ExperimentEditorWidget::saveState() const {
  QByteArray state;
  QDataStream out(&state, QIODevice::WriteOnly);
  out << quint8(1) << m_main_splitter->saveState() << m_vertical_splitter->saveState()
      << m_center_splitter->saveState() << m_tabs->currentIndex();
  return state;
}

void ExperimentEditorWidget::restoreState(const QByteArray& state) {
  QDataStream in(state);
  quint8 version = 0;
  QByteArray main, vertical, center;
  int tab = 0;
  in >> version >> main >> vertical >> center >> tab;
  if (version != 1 || in.status() != QDataStream::Ok) return;
  m_main_splitter->restoreState(main);
  m_vertical_splitter->restoreState(vertical);
  m_center_splitter->restoreState(center);
  m_tabs->setCurrentIndex(tab);
}

}  // namespace wb::ui
