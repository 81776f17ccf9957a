#include "ui/experiments/experiment_editor_widget.h"

#include <QAction>
#include <QCoreApplication>
#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QFileSystemWatcher>
#include <QFrame>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSaveFile>
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
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/config/compose.h"
#include "core/config/config_schema.h"
#include "core/config/experiment_config.h"
#include "core/config/sweep.h"
#include "core/config/yaml_edit.h"
#include "ui/experiments/config_form_widget.h"
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

// The primary's name in messages: what Composer::display makes of it.
std::string displayName(const fs::path& path, const fs::path& root) {
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec).lexically_normal();
  const fs::path base = fs::absolute(root, ec).lexically_normal();
  const fs::path rel = abs.lexically_relative(base);
  if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
  return path.generic_string();
}

QString runs(std::size_t n) {
  return n == 1 ? QCoreApplication::translate("ExperimentEditorWidget", "1 run")
                : QCoreApplication::translate("ExperimentEditorWidget", "%1 runs").arg(n);
}

}  // namespace

// One validation, computed on a pool thread from copies: nothing here touches the widget.
struct ExperimentEditorWidget::Validation {
  quint64 generation = 0;
  config::ConfigNode tree;  // composed (or, when composition fails, the primary alone)
  std::vector<config::ConfigError> errors;
  bool valid = false;
  bool has_sweep = false;
  std::optional<std::size_t> run_count;
  QString count_error;
  std::string display;
  bool parsed = false;  // TREE holds the text's values (false on a YAML syntax error)
  QStringList groups;   // group folders under configs/, sweepable as keys

  static Validation run(quint64 generation, const std::string& text, const fs::path& path,
                        const fs::path& root, const fs::path& configs_dir) {
    Validation v;
    v.generation = generation;
    v.display = displayName(path, root);
    config::ComposeOptions options;
    options.configs_dir = configs_dir;
    options.display_root = root;
    options.primary_text = text;
    std::vector<config::ConfigError> errors;
    auto composed = config::composeConfig(path, std::vector<std::string>{}, options, &errors);
    if (composed) {
      v.parsed = true;
      v.tree = composed->tree;
      auto checked = config::fromNode(v.tree, &errors);
      v.valid = checked.ok() && errors.empty();
      const config::ConfigNode* sweep = v.tree.find("sweep");
      v.has_sweep = sweep != nullptr && !sweep->isNull();
      if (v.has_sweep) {
        std::vector<config::ConfigError> sweep_errors;
        auto count = config::countSweep(path, {}, options, &sweep_errors);
        if (count) {
          v.run_count = *count;
        } else {
          v.count_error =
              qs(sweep_errors.empty() ? count.error().message : sweep_errors.front().text());
          v.valid = false;
        }
        errors.insert(errors.end(), sweep_errors.begin(), sweep_errors.end());
      }
    } else {
      // Show what can be shown: the primary's own values.
      std::vector<config::ConfigError> ignored;
      if (auto own = config::parseYaml(text, v.display, &ignored)) {
        v.tree = std::move(own).value();
        v.parsed = true;
      }
    }
    // countSweep repeats the base config's problems: keep each once, in order.
    std::set<std::string> seen;
    for (auto& e : errors)
      if (seen.insert(e.text()).second) v.errors.push_back(std::move(e));
    if (!v.errors.empty()) v.valid = false;

    std::error_code ec;
    for (fs::directory_iterator it(configs_dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_directory(ec)) v.groups << qs(it->path().filename().string());
    v.groups.sort();
    return v;
  }
};

ExperimentEditorWidget::ExperimentEditorWidget(QWidget* parent)
    : QWidget(parent),
      m_validate_timer(new QTimer(this)),
      m_plan_timer(new QTimer(this)),
      m_watcher(new QFileSystemWatcher(this)),
      m_fs_model(new QFileSystemModel(this)) {
  setObjectName(QStringLiteral("experimentEditor"));
  m_validate_timer->setSingleShot(true);
  m_validate_timer->setInterval(kValidateDelayMs);
  m_plan_timer->setSingleShot(true);
  m_plan_timer->setInterval(kPlanDelayMs);
  connect(m_validate_timer, &QTimer::timeout, this, [this] { startValidation(); });
  connect(m_plan_timer, &QTimer::timeout, this, [this] { startPlan(); });
  connect(m_watcher, &QFileSystemWatcher::fileChanged, this,
          [this](const QString& path) { onFileChanged(path); });
  buildUi();
  updateTitle();
  updateButtons();
}

ExperimentEditorWidget::~ExperimentEditorWidget() {
  // A dry run still going is of no use to anyone now.
  for (QProcess* p : {m_plan_process, m_catalog_process}) {
    if (p == nullptr) continue;
    p->disconnect(this);
    p->kill();
    p->waitForFinished(1000);
  }
}

void ExperimentEditorWidget::buildUi() {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(6, 6, 6, 6);
  outer->setSpacing(6);

  // Toolbar: file actions, the open file, parameter count, launch buttons.
  auto* bar = new QHBoxLayout;
  bar->setSpacing(4);
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
  outer->addLayout(bar);

  // Shown when the open file changes on disk while there are unsaved edits.
  m_banner = new QFrame(this);
  m_banner->setObjectName(QStringLiteral("diskChangedBanner"));
  m_banner->setFrameShape(QFrame::StyledPanel);
  m_banner->setAutoFillBackground(true);
  QPalette banner_palette = m_banner->palette();
  banner_palette.setColor(QPalette::Window, QColor(0xff, 0xf4, 0xce));
  banner_palette.setColor(QPalette::WindowText, QColor(0x5c, 0x45, 0x00));
  m_banner->setPalette(banner_palette);
  auto* banner = new QHBoxLayout(m_banner);
  banner->setContentsMargins(8, 4, 8, 4);
  m_banner_text = new QLabel(m_banner);
  banner->addWidget(m_banner_text, 1);
  auto* reload = new QPushButton(tr("Reload from disk"), m_banner);
  reload->setObjectName(QStringLiteral("bannerReload"));
  auto* keep = new QPushButton(tr("Keep my version"), m_banner);
  keep->setObjectName(QStringLiteral("bannerKeep"));
  banner->addWidget(reload);
  banner->addWidget(keep);
  m_banner->hide();
  outer->addWidget(m_banner);

  // Files | (form+sweep | YAML) over problems.
  m_main_splitter = new QSplitter(Qt::Horizontal, this);
  m_main_splitter->setObjectName(QStringLiteral("editorMainSplitter"));
  m_main_splitter->setChildrenCollapsible(false);

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
    if (m_configs_dir.isEmpty() || !dir.startsWith(m_configs_dir)) return;
    const QModelIndex parent = m_fs_model->index(dir);
    for (int r = 0; r < m_fs_model->rowCount(parent); ++r) {
      const QModelIndex child = m_fs_model->index(r, 0, parent);
      if (m_fs_model->isDir(child)) m_file_tree->expand(child);
    }
  });

  m_vertical_splitter = new QSplitter(Qt::Vertical, m_main_splitter);
  m_vertical_splitter->setChildrenCollapsible(false);
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

  auto* problems = new QWidget(m_vertical_splitter);
  auto* problems_layout = new QVBoxLayout(problems);
  problems_layout->setContentsMargins(0, 4, 0, 0);
  problems_layout->setSpacing(4);
  m_status = new QLabel(problems);
  m_status->setObjectName(QStringLiteral("validationStatus"));
  m_status->setTextFormat(Qt::RichText);
  problems_layout->addWidget(m_status);
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
  problems_layout->addWidget(m_error_list, 1);

  m_vertical_splitter->setStretchFactor(0, 4);
  m_vertical_splitter->setStretchFactor(1, 1);
  m_main_splitter->setStretchFactor(0, 0);
  m_main_splitter->setStretchFactor(1, 1);
  m_main_splitter->setSizes({200, 1000});
  m_vertical_splitter->setSizes({700, 120});
  m_center_splitter->setSizes({460, 500});
  outer->addWidget(m_main_splitter, 1);

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
  connect(m_save_as, &QToolButton::clicked, this, [this] {
    const QString start = m_path.isEmpty() ? m_configs_dir : m_path;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save config as"), start,
                                                      tr("YAML configs (*.yaml *.yml)"));
    if (!path.isEmpty())
      saveAs(path.endsWith(QStringLiteral(".yaml")) || path.endsWith(QStringLiteral(".yml"))
                 ? path
                 : path + QStringLiteral(".yaml"));
  });
  connect(m_revert, &QToolButton::clicked, this, [this] { revert(); });
  auto ask_new = [this](NewConfigTemplate from) {
    if (m_root.isEmpty()) return;
    bool ok = false;
    const QString suggestion = from == NewConfigTemplate::CopyOfCurrent && !m_path.isEmpty()
                                   ? QFileInfo(m_path).completeBaseName() + QStringLiteral("-copy")
                                   : QStringLiteral("experiment");
    const QString name = QInputDialog::getText(
        this, tr("New config"), tr("Name (a path under configs/, e.g. mnist-cnn or optim/sgd2):"),
        QLineEdit::Normal, suggestion, &ok);
    if (ok && !name.trimmed().isEmpty() && maybeSave()) newConfig(name.trimmed(), from);
  };
  connect(new_copy, &QAction::triggered, this,
          [ask_new] { ask_new(NewConfigTemplate::CopyOfCurrent); });
  connect(new_minimal, &QAction::triggered, this,
          [ask_new] { ask_new(NewConfigTemplate::Minimal); });
  connect(new_menu, &QMenu::aboutToShow, this,
          [this, new_copy] { new_copy->setEnabled(!m_path.isEmpty()); });
  connect(m_run, &QPushButton::clicked, this, [this] { requestRun(); });
  connect(m_sweep_button, &QPushButton::clicked, this, [this] { requestSweep(); });
  connect(reload, &QPushButton::clicked, this, [this] {
    m_banner->hide();
    QString error;
    if (auto disk = readFile(m_path, &error)) {
      m_saved_text = *disk;
      setEditorText(*disk, true);
    } else {
      Q_EMIT statusMessage(error, 5000);
    }
  });
  connect(keep, &QPushButton::clicked, this, [this] { m_banner->hide(); });

  connect(m_file_tree, &QTreeView::clicked, this, [this](const QModelIndex& index) {
    if (!m_fs_model->isDir(index)) onFileActivated(m_fs_model->filePath(index));
  });
  connect(m_file_tree, &QTreeView::activated, this, [this](const QModelIndex& index) {
    if (!m_fs_model->isDir(index)) onFileActivated(m_fs_model->filePath(index));
  });

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

// --- workspace and files ------------------------------------------------------------------

void ExperimentEditorWidget::setWorkspace(const QString& root) {
  m_root = QFileInfo(root).absoluteFilePath();
  m_configs_dir = QDir(m_root).filePath(QStringLiteral("configs"));
  QDir().mkpath(m_configs_dir);
  // QFileSystemModel reads folders on its own thread.
  m_file_tree->setRootIndex(m_fs_model->setRootPath(m_configs_dir));
  if (!m_path.isEmpty()) m_watcher->removePath(m_path);
  m_path.clear();
  m_saved_text.clear();
  m_yaml->setPlainText(QString());  // no open file: onTextChanged ignores it
  m_generation++;
  m_validating = false;
  m_valid = false;
  m_errors.clear();
  m_error_list->clear();
  m_status->clear();
  m_yaml->setErrors({});
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
  p->start(cli, {QStringLiteral("models"), QStringLiteral("--json")});
}

QString ExperimentEditorWidget::cliPath() const {
  if (!m_cli_path.isEmpty()) return m_cli_path;
  const QString beside =
      QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("wb"));
  if (QFileInfo(beside).isExecutable()) return beside;
  return QStandardPaths::findExecutable(QStringLiteral("wb"));
}

std::optional<QString> ExperimentEditorWidget::readFile(const QString& path, QString* error) const {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("Cannot read %1: %2").arg(path, file.errorString());
    return std::nullopt;
  }
  QString text = QString::fromUtf8(file.readAll());
  text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
  return text;
}

bool ExperimentEditorWidget::writeFile(const QString& path, const QString& text) {
  QSaveFile file(path);  // write-then-rename: never a half-written config
  QString out = text;
  if (m_crlf) out.replace(QLatin1Char('\n'), QStringLiteral("\r\n"));
  if (!file.open(QIODevice::WriteOnly) || file.write(out.toUtf8()) < 0 || !file.commit()) {
    const QString message = tr("Cannot save %1: %2").arg(path, file.errorString());
    m_status->setText(
        QStringLiteral("<span style='color:#d03030'>%1</span>").arg(message.toHtmlEscaped()));
    Q_EMIT statusMessage(message, 8000);
    return false;
  }
  return true;
}

void ExperimentEditorWidget::watch(const QString& path) {
  // A rename-over (ours or an editor's) drops the watch: add it again each time.
  if (!m_watcher->files().isEmpty()) m_watcher->removePaths(m_watcher->files());
  if (!path.isEmpty() && QFileInfo::exists(path)) m_watcher->addPath(path);
}

bool ExperimentEditorWidget::openConfig(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QString error;
  std::optional<QString> text;
  {
    QFile file(absolute);
    if (file.open(QIODevice::ReadOnly)) {
      const QByteArray bytes = file.readAll();
      m_crlf = bytes.contains("\r\n");
      text = QString::fromUtf8(bytes).replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    } else {
      error = tr("Cannot open %1: %2").arg(absolute, file.errorString());
    }
  }
  if (!text) {
    Q_EMIT statusMessage(error, 8000);
    return false;
  }
  m_path = absolute;
  m_saved_text = *text;
  m_banner->hide();
  m_display = displayName(m_path.toStdString(), m_root.toStdString());
  // A new file starts a new undo history. (Document signals stay on: the highlighter needs
  // them.)
  m_loading_text = true;
  m_yaml->setPlainText(*text);
  m_loading_text = false;
  m_yaml->setErrors({});
  watch(m_path);
  {
    const QSignalBlocker block(m_file_tree->selectionModel());
    m_file_tree->setCurrentIndex(m_fs_model->index(m_path));
  }
  m_dirty = false;
  m_generation++;
  m_valid = false;
  setPlanText(QString());
  updateTitle();
  updateButtons();
  startValidation();
  Q_EMIT currentConfigChanged(m_path);
  Q_EMIT dirtyChanged(false);
  return true;
}

QString ExperimentEditorWidget::currentDisplayName() const { return qs(m_display); }

bool ExperimentEditorWidget::isDirty() const {
  return !m_path.isEmpty() && m_yaml->toPlainText() != m_saved_text;
}

bool ExperimentEditorWidget::maybeSave() {
  if (!isDirty()) return true;
  const auto answer = QMessageBox::question(
      this, tr("Unsaved changes"),
      tr("%1 has unsaved changes. Save them?").arg(QFileInfo(m_path).fileName()),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

bool ExperimentEditorWidget::save() {
  if (m_path.isEmpty()) return false;
  const QString text = m_yaml->toPlainText();
  if (!writeFile(m_path, text)) return false;
  m_saved_text = text;
  watch(m_path);
  m_banner->hide();
  updateDirty();
  Q_EMIT statusMessage(tr("Saved %1").arg(qs(m_display)), 3000);
  return true;
}

bool ExperimentEditorWidget::saveAs(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QDir().mkpath(QFileInfo(absolute).absolutePath());
  const QString text = m_yaml->toPlainText();
  if (!writeFile(absolute, text)) return false;
  // Keep editing the same document (and its undo history) under the new name.
  m_path = absolute;
  m_saved_text = text;
  m_display = displayName(m_path.toStdString(), m_root.toStdString());
  watch(m_path);
  m_banner->hide();
  {
    const QSignalBlocker block(m_file_tree->selectionModel());
    m_file_tree->setCurrentIndex(m_fs_model->index(m_path));
  }
  m_generation++;
  startValidation();  // origins now name the new file
  updateDirty();
  updateTitle();
  Q_EMIT currentConfigChanged(m_path);
  return true;
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

bool ExperimentEditorWidget::newConfig(const QString& relative_path, NewConfigTemplate from) {
  if (m_root.isEmpty()) return false;
  QString relative = relative_path;
  if (!relative.endsWith(QStringLiteral(".yaml")) && !relative.endsWith(QStringLiteral(".yml")))
    relative += QStringLiteral(".yaml");
  const QString path = QDir(m_configs_dir).filePath(relative);
  if (QFileInfo::exists(path)) {
    Q_EMIT statusMessage(tr("%1 already exists").arg(relative), 5000);
    return false;
  }
  const QString name = QFileInfo(relative).completeBaseName();
  const QString text = from == NewConfigTemplate::CopyOfCurrent && !m_path.isEmpty()
                           ? m_yaml->toPlainText()
                           : minimalConfig(name);
  QDir().mkpath(QFileInfo(path).absolutePath());
  if (!writeFile(path, text)) return false;
  return openConfig(path);
}

void ExperimentEditorWidget::revert() {
  if (m_path.isEmpty()) return;
  QString error;
  auto disk = readFile(m_path, &error);
  if (!disk) {
    Q_EMIT statusMessage(error, 5000);
    return;
  }
  m_saved_text = *disk;
  m_banner->hide();
  setEditorText(*disk, true);
  updateDirty();
}

void ExperimentEditorWidget::onFileActivated(const QString& path) {
  if (QFileInfo(path).absoluteFilePath() == m_path) return;
  if (!maybeSave()) {
    const QSignalBlocker block(m_file_tree->selectionModel());
    m_file_tree->setCurrentIndex(m_fs_model->index(m_path));
    return;
  }
  openConfig(path);
}

void ExperimentEditorWidget::onFileChanged(const QString& path) {
  if (path != m_path) return;
  watch(m_path);
  QString error;
  auto disk = readFile(m_path, &error);
  if (!disk) {
    showDiskBanner(tr("%1 was removed or cannot be read; saving writes it again.")
                       .arg(QFileInfo(m_path).fileName()));
    m_saved_text.clear();
    updateDirty();
    return;
  }
  if (*disk == m_saved_text) return;  // our own save, or a touch
  if (!isDirty()) {
    m_saved_text = *disk;
    setEditorText(*disk, true);
    Q_EMIT statusMessage(tr("Reloaded %1: it changed on disk").arg(qs(m_display)), 4000);
    return;
  }
  showDiskBanner(
      tr("%1 changed on disk, and you have unsaved edits.").arg(QFileInfo(m_path).fileName()));
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
  if (m_path.isEmpty() || m_loading_text) return;
  m_generation++;  // results for older text are dropped when they arrive
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
  if (m_path.isEmpty()) return;
  const QString current = m_yaml->toPlainText();
  const std::string text = current.toStdString();
  auto edited = value_yaml ? config::setYamlValue(text, path, value_yaml->toStdString())
                           : config::removeYamlKey(text, path);
  if (!edited) {
    const QString message = tr("Cannot apply the edit: %1").arg(qs(edited.error().text()));
    m_status->setText(
        QStringLiteral("<span style='color:#d03030'>%1</span>").arg(message.toHtmlEscaped()));
    Q_EMIT statusMessage(message, 8000);
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
  return m_validate_timer->isActive() || m_validating;
}

bool ExperimentEditorWidget::isBusy() const {
  return m_validate_timer->isActive() || m_validating || m_plan_timer->isActive() ||
         m_plan_process != nullptr;
}

void ExperimentEditorWidget::startValidation() {
  m_validate_timer->stop();
  if (m_path.isEmpty()) return;
  m_validating = true;
  const quint64 generation = m_generation;
  auto* watcher = new QFutureWatcher<Validation>(this);  // dies with the widget: no late result
  connect(watcher, &QFutureWatcher<Validation>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    if (generation != m_generation) return;  // the text moved on
    m_validating = false;
    applyValidation(watcher->result());
  });
  watcher->setFuture(QtConcurrent::run([generation, text = m_yaml->toPlainText().toStdString(),
                                        path = fs::path(m_path.toStdString()),
                                        root = fs::path(m_root.toStdString()),
                                        configs = fs::path(m_configs_dir.toStdString())] {
    return Validation::run(generation, text, path, root, configs);
  }));
}

void ExperimentEditorWidget::applyValidation(const Validation& v) {
  m_valid = v.valid;
  m_errors = v.errors;
  m_display = v.display;
  m_has_sweep = v.has_sweep;
  m_run_count = v.run_count;

  // Inline marks for problems in this file; every problem in the list.
  QList<YamlEditor::Diagnostic> here;
  QHash<QString, QString> by_key;
  m_error_list->clear();
  const QIcon icon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
  for (const auto& e : v.errors) {
    const bool this_file = e.origin.file == v.display;
    const QString message = qs(e.message);
    if (this_file && e.origin.line > 0)
      here.push_back({e.origin.line, e.origin.column,
                      e.key.empty() ? message : qs(e.key) + QStringLiteral(": ") + message});
    if (!e.key.empty() && !by_key.contains(qs(e.key))) by_key.insert(qs(e.key), message);

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

  // While the YAML does not parse, the form keeps the last values it could read.
  if (v.parsed) {
    m_form->setTree(v.tree, qs(v.display));
    m_sweep->setSweep(v.tree.find("sweep"));
  }
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

void ExperimentEditorWidget::onErrorActivated(int row, bool open_other_file) {
  QTreeWidgetItem* item = m_error_list->topLevelItem(row);
  if (item == nullptr) return;
  const QString file = item->data(kWhereColumn, kFileRole).toString();
  const int line = item->data(kWhereColumn, kLineRole).toInt();
  const int column = item->data(kWhereColumn, kColumnRole).toInt();
  if (file == qs(m_display)) {
    if (line > 0) m_yaml->goTo(line, column);
    return;
  }
  if (!open_other_file || file.isEmpty()) return;
  const QString path = QDir(m_root).filePath(file);
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
  if (m_path.isEmpty() || !m_valid) return;
  const QString cli = cliPath();
  if (cli.isEmpty()) {
    setPlanText(tr("Parameters: wb not found"), tr("Set the wb executable to count parameters."));
    return;
  }
  if (m_plan_process != nullptr) {
    // Only the newest text counts.
    m_plan_process->disconnect(this);
    m_plan_process->kill();
    m_plan_process->deleteLater();
    m_plan_process = nullptr;
  }
  auto* p = new QProcess(this);
  m_plan_process = p;
  p->setProgram(cli);
  p->setArguments({QStringLiteral("-w"), m_root, QStringLiteral("--json"), QStringLiteral("train"),
                   m_path, QStringLiteral("--dry-run"), QStringLiteral("--stdin-text")});
  auto done = [this, p] {
    if (m_plan_process == p) m_plan_process = nullptr;
    p->deleteLater();
  };
  connect(p, &QProcess::finished, this, [this, p, done](int code, QProcess::ExitStatus status) {
    const QList<QByteArray> lines = p->readAllStandardOutput().split('\n');
    const QString err = QString::fromUtf8(p->readAllStandardError());
    done();
    for (const QByteArray& line : lines) {
      const QJsonDocument doc = QJsonDocument::fromJson(line.trimmed());
      const QJsonObject o = doc.object();
      if (o.value(QStringLiteral("event")).toString() != QStringLiteral("plan")) continue;
      const auto count = o.value(QStringLiteral("parameters")).toVariant().toLongLong();
      QString text = tr("%1 parameters").arg(QLocale().toString(count));
      const QString dataset = o.value(QStringLiteral("dataset")).toString();
      if (!dataset.isEmpty()) text += QStringLiteral(" · ") + dataset;
      setPlanText(text, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)));
      return;
    }
    QString first;
    for (const QString& l : err.split(QLatin1Char('\n')))
      if (!l.trimmed().isEmpty()) {
        first = l.trimmed();
        break;
      }
    if (first.isEmpty())
      first = status == QProcess::CrashExit
                  ? tr("the dry run crashed")
                  : tr("no plan from the dry run (exit code %1)").arg(code);
    setPlanText(tr("Parameters: %1").arg(first.left(120)), err.trimmed());
  });
  connect(p, &QProcess::errorOccurred, this, [this, p, done, cli](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;  // finished() follows the others
    done();
    setPlanText(tr("Parameters: cannot run %1").arg(QFileInfo(cli).fileName()), p->errorString());
  });
  QTimer::singleShot(60000, p, [p] { p->kill(); });  // a stuck dry run must not linger
  setPlanText(tr("Counting parameters…"));
  p->start();
  p->write(m_yaml->toPlainText().toUtf8());
  p->closeWriteChannel();
}

// --- chrome --------------------------------------------------------------------------------

void ExperimentEditorWidget::updateTitle() {
  if (m_path.isEmpty()) {
    m_title->setText(m_root.isEmpty() ? tr("No workspace")
                                      : tr("<i>Pick a config on the left, or create one</i>"));
    return;
  }
  const QFileInfo info(m_path);
  const QString folder = qs(m_display).section(QLatin1Char('/'), 0, -2);
  QString text = QStringLiteral("<b>%1</b>").arg(info.fileName().toHtmlEscaped());
  if (!folder.isEmpty())
    text += QStringLiteral(" <span style='color:gray'>%1/</span>").arg(folder.toHtmlEscaped());
  if (m_dirty)
    text += QStringLiteral(" <span style='color:#c77c02'>&#9679; ") + tr("modified") +
            QStringLiteral("</span>");
  m_title->setText(text);
  m_title->setToolTip(m_path);
}

void ExperimentEditorWidget::updateButtons() {
  const bool open = !m_path.isEmpty();
  m_save->setEnabled(open);
  m_save_as->setEnabled(open);
  m_revert->setEnabled(open);
  m_new->setEnabled(!m_root.isEmpty());
  m_yaml->setReadOnly(!open);
  m_tabs->setEnabled(open);
  m_run->setEnabled(open && m_valid);
  m_run->setToolTip(open && !m_valid ? tr("Fix the problems below to run")
                                     : tr("Save, then train this config (Ctrl+Return)"));
  const bool sweepable = open && m_valid && m_has_sweep && m_run_count.has_value();
  m_sweep_button->setEnabled(sweepable);
  m_sweep_button->setText(sweepable ? tr("Sweep (%1)").arg(runs(*m_run_count)) : tr("Sweep"));
}

void ExperimentEditorWidget::requestRun() {
  if (m_path.isEmpty()) return;
  if (isDirty() && !save()) return;
  Q_EMIT launchRequested(m_path, false);
}

void ExperimentEditorWidget::requestSweep() {
  if (m_path.isEmpty()) return;
  if (isDirty() && !save()) return;
  Q_EMIT launchRequested(m_path, true);
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
