#include "ui/registry/registry_panel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDataStream>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/registry/model_ref.h"
#include "ui/registry/alias_badge_delegate.h"
#include "ui/registry/compare_versions_dialog.h"
#include "ui/registry/delete_version_dialog.h"
#include "ui/registry/export_model_dialog.h"
#include "ui/registry/model_list_model.h"
#include "ui/registry/promote_dialog.h"
#include "ui/registry/register_model_dialog.h"
#include "ui/registry/registry_format.h"
#include "ui/registry/registry_task.h"
#include "ui/registry/registry_watcher.h"
#include "ui/registry/version_detail_widget.h"
#include "ui/registry/version_filter_proxy.h"
#include "ui/registry/version_table_model.h"
#include "ui/shell/workspace_session.h"

namespace wb::ui {

namespace {
constexpr quint32 kStateMagic = 0x57425247;  // "WBRG"
const QString kProduction = QStringLiteral("production");
const char* kActor = "gui";

QTableView* makeView(QWidget* parent) {
  auto* v = new QTableView(parent);
  v->setSelectionBehavior(QAbstractItemView::SelectRows);
  v->setEditTriggers(QAbstractItemView::NoEditTriggers);
  v->verticalHeader()->hide();
  v->verticalHeader()->setDefaultSectionSize(v->fontMetrics().height() + 10);
  v->setAlternatingRowColors(true);
  v->setWordWrap(false);
  v->horizontalHeader()->setHighlightSections(false);
  return v;
}
}  // namespace

RegistryPanel::RegistryPanel(WorkspaceSession* session, QString cli_path, QWidget* parent,
                             int poll_interval_ms)
    : QWidget(parent), m_session(session), m_cli(std::move(cli_path)) {
  setObjectName(QStringLiteral("RegistryPanel"));
  qRegisterMetaType<RegistrySnapshotPtr>();
  m_confirm = [this](const QString& title, const QString& text) {
    return QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::No,
                                 QMessageBox::No) == QMessageBox::Yes;
  };
  m_models = new ModelListModel(this);
  m_versions = new VersionTableModel(this);
  m_proxy = new VersionFilterProxy(this);
  m_proxy->setSourceModel(m_versions);
  m_detail = new VersionDetailWidget(session->workspace(), this);
  buildActions();
  buildLayout();
  connectViews();

  m_thread.setObjectName(QStringLiteral("registry-watcher"));
  m_watcher = new RegistryWatcher(session->workspace(), poll_interval_ms);
  m_watcher->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_watcher, &QObject::deleteLater);
  connect(&m_thread, &QThread::started, m_watcher, &RegistryWatcher::start);
  connect(m_watcher, &RegistryWatcher::snapshotReady, this, &RegistryPanel::applySnapshot);
  connect(m_watcher, &RegistryWatcher::failed, this, [this](const QString& message) {
    Q_EMIT statusMessage(tr("Registry: %1").arg(message), 8000);
  });
  m_thread.start();
}

RegistryPanel::~RegistryPanel() {
  QMetaObject::invokeMethod(m_watcher, &RegistryWatcher::stop, Qt::QueuedConnection);
  m_thread.quit();
  m_thread.wait();
}

void RegistryPanel::buildActions() {
  m_set_alias = new QAction(tr("Set &Alias…"), this);
  m_set_alias->setToolTip(tr("Point an alias (production, staging, …) at the selected version"));
  connect(m_set_alias, &QAction::triggered, this, &RegistryPanel::openSetAliasDialog);
  m_promote = new QAction(tr("&Promote…"), this);
  m_promote->setToolTip(tr("Move an alias to this version through a quality gate"));
  connect(m_promote, &QAction::triggered, this, [this] { openPromoteDialog(); });
  m_compare = new QAction(tr("&Compare…"), this);
  m_compare->setToolTip(tr("Two versions side by side: metrics and signature"));
  connect(m_compare, &QAction::triggered, this, [this] { openCompareDialog(); });
  m_export = new QAction(tr("&Export…"), this);
  m_export->setToolTip(
      tr("Write the version as a bundle, ONNX (with a parity check) or safetensors"));
  connect(m_export, &QAction::triggered, this, [this] { openExportDialog(); });
  m_archive = new QAction(tr("A&rchive"), this);
  m_archive->setToolTip(tr("Hide the version from lists and from @latest (kept, undoable)"));
  connect(m_archive, &QAction::triggered, this, [this] {
    if (auto v = currentVersion())
      setArchived(QString::fromStdString(v->model), v->version, !v->archived);
  });
  m_delete = new QAction(style()->standardIcon(QStyle::SP_TrashIcon), tr("&Delete…"), this);
  m_delete->setToolTip(tr("Delete the version and the stored files only it uses (Del)"));
  m_delete->setShortcut(QKeySequence::Delete);
  m_delete->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  connect(m_delete, &QAction::triggered, this, [this] { openDeleteDialog(); });
  m_refresh = new QAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("Refresh"), this);
  m_refresh->setToolTip(tr("Read the registry again (F5)"));
  connect(m_refresh, &QAction::triggered, this, &RegistryPanel::refresh);
}

void RegistryPanel::buildLayout() {
  m_filter = new QLineEdit(this);
  m_filter->setPlaceholderText(tr("Filter versions: words match any column (iris production)"));
  m_filter->setClearButtonEnabled(true);
  m_show_archived = new QCheckBox(tr("Show archived"), this);
  m_count = new QLabel(this);
  auto* toolbar = new QHBoxLayout;
  toolbar->addWidget(m_filter, 1);
  toolbar->addWidget(m_show_archived);
  toolbar->addWidget(m_count);
  for (QAction* a : {m_set_alias, m_promote, m_compare, m_export, m_archive, m_delete, m_refresh}) {
    auto* b = new QToolButton(this);
    b->setDefaultAction(a);
    b->setToolButtonStyle(a == m_refresh ? Qt::ToolButtonIconOnly : Qt::ToolButtonTextOnly);
    toolbar->addWidget(b);
  }

  m_model_view = makeView(this);
  m_model_view->setObjectName(QStringLiteral("registryModels"));
  m_model_view->setModel(m_models);
  m_model_view->setSelectionMode(QAbstractItemView::SingleSelection);
  m_model_view->setItemDelegateForColumn(ModelListModel::Aliases,
                                         new AliasBadgeDelegate(m_model_view));
  m_model_view->horizontalHeader()->setStretchLastSection(true);
  m_model_view->setColumnWidth(ModelListModel::Name, 90);
  m_model_view->setColumnWidth(ModelListModel::Latest, 48);
  m_model_view->setColumnWidth(ModelListModel::Aliases, 195);

  m_version_view = makeView(this);
  m_version_view->setObjectName(QStringLiteral("registryVersions"));
  m_version_view->setModel(m_proxy);
  m_version_view->setSortingEnabled(true);
  m_version_view->sortByColumn(-1, Qt::AscendingOrder);  // the registry's order: newest first
  m_version_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_version_view->setContextMenuPolicy(Qt::CustomContextMenu);
  m_version_view->addAction(m_delete);
  m_version_view->horizontalHeader()->setStretchLastSection(true);
  m_version_view->setItemDelegate(
      new AliasBadgeDelegate(m_version_view));  // badges where the role is set

  m_right_split = new QSplitter(Qt::Vertical, this);
  m_right_split->addWidget(m_version_view);
  m_right_split->addWidget(m_detail);
  m_right_split->setStretchFactor(0, 2);
  m_right_split->setStretchFactor(1, 3);
  m_right_split->setChildrenCollapsible(false);
  m_split = new QSplitter(Qt::Horizontal, this);
  m_split->addWidget(m_model_view);
  m_split->addWidget(m_right_split);
  m_split->setStretchFactor(0, 0);
  m_split->setStretchFactor(1, 1);
  m_split->setSizes({465, 1035});
  m_split->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(toolbar);
  layout->addWidget(m_split, 1);
}

void RegistryPanel::connectViews() {
  connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
    m_proxy->setText(text);
    updateCount();
  });
  connect(m_show_archived, &QCheckBox::toggled, this, [this](bool on) {
    m_proxy->setShowArchived(on);
    updateCount();
  });
  connect(m_model_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            m_proxy->setModelName(current.isValid() ? m_models->nameAt(current.row()) : QString());
            updateCount();
            if (!m_version_view->selectionModel()->hasSelection() && m_proxy->rowCount() > 0)
              m_version_view->selectRow(0);
          });
  connect(m_version_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    updateActions();
    updateDetail();
  });
  connect(m_version_view, &QWidget::customContextMenuRequested, this,
          &RegistryPanel::showContextMenu);
  connect(m_detail, &VersionDetailWidget::openRunRequested, this, &RegistryPanel::openRunRequested);
  connect(m_detail, &VersionDetailWidget::openDatasetRequested, this,
          &RegistryPanel::openDatasetRequested);
  updateActions();
}

void RegistryPanel::refresh() {
  QMetaObject::invokeMethod(m_watcher, &RegistryWatcher::refreshNow, Qt::QueuedConnection);
}

void RegistryPanel::applySnapshot(const RegistrySnapshotPtr& snapshot) {
  // Keep the user's place: the model shown and the versions selected, by name.
  const QString model = m_proxy->modelName();
  std::vector<std::pair<QString, int>> selected;
  for (const auto& v : selectedVersions())
    selected.emplace_back(QString::fromStdString(v.model), v.version);
  const std::optional<registry::ModelVersion> current = currentVersion();

  m_snapshot = snapshot;
  m_models->setSnapshot(snapshot);
  m_versions->setSnapshot(snapshot);
  const int model_row = m_models->rowOf(model);
  if (!m_model_view->currentIndex().isValid() ||
      m_models->nameAt(m_model_view->currentIndex().row()) != model)
    m_model_view->setCurrentIndex(m_models->index(std::max(0, model_row), 0));
  if (model_row < 0) m_proxy->setModelName(QString());

  auto* sel = m_version_view->selectionModel();
  if (!selected.empty() && !sel->hasSelection()) {
    for (const auto& [name, version] : selected) {
      const QModelIndex idx =
          m_proxy->mapFromSource(m_versions->index(m_versions->rowOf(name, version), 0));
      if (idx.isValid()) sel->select(idx, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
  }
  if (m_pending_select) {
    const auto [name, version] = *m_pending_select;
    if (m_versions->rowOf(name, version) >= 0) {
      m_pending_select.reset();
      selectVersion(name, version);
    }
  }
  if (!sel->hasSelection() && m_proxy->rowCount() > 0) m_version_view->selectRow(0);
  if (m_versions->metricKeys() != m_sized_for) {
    // New columns (the first snapshot, other key metrics): fit them once; the user's widths stay.
    m_sized_for = m_versions->metricKeys();
    for (int c = 0; c < m_versions->columnCount(); ++c)
      if (m_versions->columnKind(c) != VersionTableModel::ColumnKind::Tags)
        m_version_view->resizeColumnToContents(c);
    m_model_view->resizeColumnToContents(ModelListModel::Name);
  }
  updateActions();
  updateDetail();
  updateCount();
  Q_EMIT snapshotApplied(static_cast<int>(snapshot ? snapshot->versions.size() : 0));
}

void RegistryPanel::showModel(const QString& name) {
  const int row = m_models->rowOf(name);
  m_model_view->setCurrentIndex(m_models->index(std::max(0, row), 0));
}

void RegistryPanel::selectVersion(const QString& name, int version) {
  const int source_row = m_versions->rowOf(name, version);
  if (source_row < 0) {
    m_pending_select = std::make_pair(name, version);
    refresh();
    return;
  }
  QModelIndex idx = m_proxy->mapFromSource(m_versions->index(source_row, 0));
  if (!idx.isValid()) {
    // Hidden by the model choice, the filter or archiving: show it anyway.
    m_filter->clear();
    if (m_proxy->modelName() != name) showModel(name);
    if (m_versions->versionAt(source_row)->archived) m_show_archived->setChecked(true);
    idx = m_proxy->mapFromSource(m_versions->index(source_row, 0));
  }
  if (!idx.isValid()) return;
  m_version_view->selectionModel()->setCurrentIndex(
      idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  m_version_view->scrollTo(idx);
}

std::vector<registry::ModelVersion> RegistryPanel::selectedVersions() const {
  std::vector<registry::ModelVersion> out;
  QModelIndexList rows = m_version_view->selectionModel()->selectedRows();
  std::sort(rows.begin(), rows.end(),
            [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  for (const QModelIndex& idx : rows)
    if (const auto* v = m_versions->versionAt(m_proxy->mapToSource(idx).row())) out.push_back(*v);
  return out;
}

std::optional<registry::ModelVersion> RegistryPanel::currentVersion() const {
  const QModelIndex current = m_version_view->selectionModel()->currentIndex();
  if (current.isValid() && m_version_view->selectionModel()->isRowSelected(current.row(), {}))
    if (const auto* v = m_versions->versionAt(m_proxy->mapToSource(current).row())) return *v;
  auto selected = selectedVersions();
  if (selected.empty()) return std::nullopt;
  return selected.front();
}

void RegistryPanel::updateActions() {
  const auto selected = selectedVersions();
  const bool one = !selected.empty();
  m_set_alias->setEnabled(one);
  m_promote->setEnabled(one || (m_snapshot && !m_snapshot->models.empty()));
  m_compare->setEnabled(one);
  m_export->setEnabled(one);
  m_archive->setEnabled(one);
  m_archive->setText(one && selected.front().archived ? tr("Un&archive") : tr("A&rchive"));
  m_delete->setEnabled(one);
}

void RegistryPanel::updateDetail() { m_detail->setVersion(currentVersion()); }

void RegistryPanel::updateCount() {
  const int total = m_proxy->modelName().isEmpty() && m_snapshot
                        ? static_cast<int>(m_snapshot->versions.size())
                        : -1;
  m_count->setText(total >= 0 && total != m_proxy->rowCount()
                       ? tr("%1 of %n version(s)", nullptr, total).arg(m_proxy->rowCount())
                       : tr("%n version(s)", nullptr, m_proxy->rowCount()));
}

QStringList RegistryPanel::aliasChoices(const QString& model) const {
  QStringList out = {kProduction, QStringLiteral("staging"), QStringLiteral("champion")};
  if (m_snapshot)
    if (const auto* m = m_snapshot->findModel(model.toStdString()))
      for (const auto& [alias, v] : m->aliases)
        if (!out.contains(QString::fromStdString(alias))) out << QString::fromStdString(alias);
  return out;
}

void RegistryPanel::finishWrite(const QString& what, const QString& error) {
  if (error.isEmpty()) {
    Q_EMIT statusMessage(what, 4000);
  } else {
    // Not exec(): the panel keeps following the database while the message is up.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Registry"), error, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  }
  refresh();
  m_detail->reloadHistory();
  Q_EMIT writeFinished(what, error);
}

void RegistryPanel::setAlias(const QString& name, const QString& alias, int version,
                             std::function<void(const QString&)> done) {
  if (!registry::isValidAlias(alias.toStdString())) {
    const QString error = tr("'%1' is not a valid alias: a lower-case letter, then lower-case "
                             "letters, digits, _ - (not 'latest')")
                              .arg(alias);
    finishWrite(QString(), error);
    if (done) done(error);
    return;
  }
  // Where the alias points now, read fresh (the CLI may have moved it since the last
  // snapshot): the confirmation must name the right "from".
  const std::string n = name.toStdString();
  runRegistryTask<registry::RegisteredModel>(
      m_session->workspace(), this, [n](registry::ModelRegistry& reg) { return reg.model(n); },
      [this, name, alias, version, done](const RegistryOutcome<registry::RegisteredModel>& r) {
        if (!r.ok()) {
          finishWrite(QString(), r.error);
          if (done) done(r.error);
          return;
        }
        std::optional<int> from;
        if (auto it = r.value->aliases.find(alias.toStdString()); it != r.value->aliases.end())
          from = it->second;
        confirmAndSetAlias(name, alias, from, version, done);
      });
}

void RegistryPanel::confirmAndSetAlias(const QString& name, const QString& alias,
                                       std::optional<int> from, int version,
                                       std::function<void(const QString&)> done) {
  if (from == version) {
    Q_EMIT statusMessage(tr("%1@%2 already points at version %3").arg(name, alias).arg(version),
                         4000);
    if (done) done({});
    return;
  }
  if (alias == kProduction) {
    const QString text =
        from ? tr("Move production of %1 from version %2 to version %3?\n\nEverything that loads "
                  "%1@production (the server, predictions) switches to version %3.")
                   .arg(name)
                   .arg(*from)
                   .arg(version)
             : tr("Set production of %1 to version %2?\n\nEverything that loads %1@production "
                  "(the server, predictions) will use version %2.")
                   .arg(name)
                   .arg(version);
    if (!m_confirm(from ? tr("Move production") : tr("Set production"), text)) return;
  }
  const std::string n = name.toStdString(), a = alias.toStdString();
  const QString what =
      from ? tr("%1@%2 moved from version %3 to %4").arg(name, alias).arg(*from).arg(version)
           : tr("%1@%2 now points at version %3").arg(name, alias).arg(version);
  const std::string reason = from ? "moved in the GUI" : "set in the GUI";
  runRegistryWrite(
      m_session->workspace(), this,
      [n, a, version, reason](registry::ModelRegistry& reg) {
        return reg.setAlias(n, a, version, reason, kActor);
      },
      [this, what, done](const QString& error) {
        finishWrite(what, error);
        if (done) done(error);
      });
}

void RegistryPanel::removeAlias(const QString& name, const QString& alias,
                                std::function<void(const QString&)> done) {
  if (alias == kProduction &&
      !m_confirm(tr("Remove production"),
                 tr("Remove the production alias of %1?\n\n%1@production will no longer resolve.")
                     .arg(name)))
    return;
  const std::string n = name.toStdString(), a = alias.toStdString();
  runRegistryWrite(
      m_session->workspace(), this,
      [n, a](registry::ModelRegistry& reg) {
        return reg.removeAlias(n, a, "removed in the GUI", kActor);
      },
      [this, what = tr("%1@%2 removed").arg(name, alias), done](const QString& error) {
        finishWrite(what, error);
        if (done) done(error);
      });
}

void RegistryPanel::setArchived(const QString& name, int version, bool archived) {
  const std::string n = name.toStdString();
  runRegistryWrite(
      m_session->workspace(), this,
      [n, version, archived](registry::ModelRegistry& reg) {
        return reg.setArchived(n, version, archived);
      },
      [this, what = (archived ? tr("%1 version %2 archived") : tr("%1 version %2 restored"))
                        .arg(name)
                        .arg(version)](const QString& error) { finishWrite(what, error); });
}

void RegistryPanel::openSetAliasDialog() {
  const auto v = currentVersion();
  if (!v) return;
  const QString name = QString::fromStdString(v->model);
  bool ok = false;
  const QString alias = QInputDialog::getItem(
      this, tr("Set Alias"), tr("Point this alias of %1 at version %2:").arg(name).arg(v->version),
      aliasChoices(name), 0, true, &ok);
  if (ok && !alias.trimmed().isEmpty()) setAlias(name, alias.trimmed(), v->version);
}

void RegistryPanel::registerFromRun(const QString& run_id, const QString& run_label,
                                    const QString& suggested_name) {
  auto* dialog = new RegisterModelDialog(m_cli, m_session->rootPath(), run_id, run_label, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setModelNames(m_models->names());
  QHash<QString, QHash<QString, int>> aliases;
  if (m_snapshot)
    for (const auto& m : m_snapshot->models)
      for (const auto& [alias, version] : m.aliases)
        aliases[QString::fromStdString(m.name)][QString::fromStdString(alias)] = version;
  dialog->setExistingAliases(aliases);
  dialog->setConfirm(m_confirm);
  dialog->nameEdit()->setText(suggested_name);
  dialog->nameEdit()->selectAll();
  connect(dialog, &RegisterModelDialog::registered, this,
          [this](const QString& model, int version) {
            Q_EMIT statusMessage(tr("Registered %1 version %2").arg(model).arg(version), 5000);
            if (version > 0)
              selectVersion(model, version);
            else
              refresh();
            Q_EMIT versionRegistered(model, version);
          });
  dialog->open();
}

QDialog* RegistryPanel::openPromoteDialog() {
  if (!m_snapshot || m_snapshot->models.empty()) return nullptr;
  const auto v = currentVersion();
  const QString model = v ? QString::fromStdString(v->model)
                          : QString::fromStdString(m_snapshot->models.front().name);
  auto* dialog = new PromoteDialog(m_session->workspace(), m_snapshot, model,
                                   v ? QString::number(v->version) : QString(), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setConfirm(m_confirm);
  connect(dialog, &PromoteDialog::promoted, this,
          [this](const QString& what) { finishWrite(what, {}); });
  dialog->open();
  return dialog;
}

QDialog* RegistryPanel::openCompareDialog() {
  const auto selected = selectedVersions();
  if (selected.empty() || !m_snapshot) return nullptr;
  // Two selected: those; one: it and the version before it of the same model.
  const registry::ModelVersion a = selected.front();
  std::optional<registry::ModelVersion> b;
  if (selected.size() >= 2) b = selected[1];
  for (const auto& other : m_snapshot->versions)
    if (!b && other.model == a.model && other.version < a.version) b = other;
  auto* dialog = new CompareVersionsDialog(
      m_snapshot, registry_format::versionRef(a),
      b ? registry_format::versionRef(*b) : registry_format::versionRef(a), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->open();
  return dialog;
}

QDialog* RegistryPanel::openExportDialog() {
  const auto v = currentVersion();
  if (!v) return nullptr;
  auto* dialog = new ExportModelDialog(m_cli, m_session->rootPath(), *v, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &ExportModelDialog::exported, this, [this](const QString& file) {
    Q_EMIT statusMessage(tr("Exported %1").arg(file), 5000);
    refresh();  // the export's result (ONNX parity) is recorded on the version
  });
  dialog->open();
  return dialog;
}

QDialog* RegistryPanel::openDeleteDialog() {
  const auto v = currentVersion();
  if (!v) return nullptr;
  auto* dialog = new DeleteVersionDialog(m_session->workspace(), QString::fromStdString(v->model),
                                         v->version, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &DeleteVersionDialog::deleted, this,
          [this](const QString& what) { finishWrite(what, {}); });
  dialog->open();
  return dialog;
}

void RegistryPanel::showContextMenu(const QPoint& pos) {
  const auto v = currentVersion();
  if (!v) return;
  QMenu menu(this);
  menu.addAction(m_set_alias);
  if (!v->aliases.empty()) {
    QMenu* remove = menu.addMenu(tr("Remove Alias"));
    for (const auto& alias : v->aliases) {
      const QString a = QString::fromStdString(alias), name = QString::fromStdString(v->model);
      remove->addAction(a, this, [this, name, a] { removeAlias(name, a); });
    }
  }
  menu.addAction(m_promote);
  menu.addSeparator();
  menu.addAction(m_compare);
  menu.addAction(m_export);
  if (!v->run_id.empty())
    menu.addAction(tr("Open Run"), this,
                   [this, id = QString::fromStdString(v->run_id)] { Q_EMIT openRunRequested(id); });
  menu.addAction(tr("Copy Reference"), this, [ref = registry_format::versionRef(*v)] {
    QApplication::clipboard()->setText(ref);
  });
  menu.addSeparator();
  menu.addAction(m_archive);
  menu.addAction(m_delete);
  menu.exec(m_version_view->viewport()->mapToGlobal(pos));
}

QByteArray RegistryPanel::saveState() const {
  QByteArray out;
  QDataStream s(&out, QIODevice::WriteOnly);
  s << kStateMagic << m_split->saveState() << m_right_split->saveState()
    << m_show_archived->isChecked();
  return out;
}

void RegistryPanel::restoreState(const QByteArray& state) {
  QDataStream s(state);
  quint32 magic = 0;
  QByteArray split, right;
  bool archived = false;
  s >> magic >> split >> right >> archived;
  if (magic != kStateMagic || s.status() != QDataStream::Ok) return;
  m_split->restoreState(split);
  m_right_split->restoreState(right);
  m_show_archived->setChecked(archived);
}

}  // namespace wb::ui
