#include "ui/datasets/datasets_panel.h"

#include <cmath>

#include <QDataStream>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIODevice>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/data/importer.h"
#include "core/data/table_parse.h"
#include "core/store/database.h"
#include "ui/datasets/dataset_history_widget.h"
#include "ui/datasets/dataset_problems_model.h"
#include "ui/datasets/dataset_summary_widget.h"
#include "ui/datasets/dataset_table_widget.h"
#include "ui/datasets/dataset_text_widget.h"
#include "ui/datasets/dataset_tree_model.h"
#include "ui/datasets/import/import_wizard.h"
#include "ui/datasets/thumbnail_grid_widget.h"
#include "ui/shell/workspace_session.h"

namespace wb::ui {

namespace {

constexpr quint32 kStateMagic = 0x57424453;  // "WBDS"
constexpr int kExpandAllBelow = 12;

struct SnapshotResult {
  DatasetSnapshotPtr snapshot;
  QString error;
};

struct VersionResult {
  LoadedVersionPtr loaded;
  QString error;
};

SnapshotResult loadSnapshot(const Workspace& ws) {
  auto db = ws.connect();
  if (!db) return {nullptr, QString::fromStdString(db.error().text())};
  data::DatasetRepository repo(**db);
  auto snap = std::make_shared<DatasetSnapshot>();
  // One read transaction: datasets and versions agree even while an import commits.
  (void)(*db)->exec("BEGIN");
  auto list = repo.list();
  if (!list) {
    (void)(*db)->exec("COMMIT");
    return {nullptr, QString::fromStdString(list.error().text())};
  }
  snap->datasets = std::move(*list);
  for (const auto& d : snap->datasets) {
    auto versions = repo.versions(d.name);
    if (!versions) {
      (void)(*db)->exec("COMMIT");
      return {nullptr, QString::fromStdString(versions.error().text())};
    }
    std::sort(versions->begin(), versions->end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
    snap->versions[d.name] = std::move(*versions);
  }
  (void)(*db)->exec("COMMIT");
  return {snap, {}};
}

std::size_t utf8Chars(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

VersionResult loadVersion(const Workspace& ws, const data::DatasetVersion& version) {
  auto manifest = data::loadManifest(ws, version);
  if (!manifest) return {nullptr, QString::fromStdString(manifest.error().text())};
  auto loaded = std::make_shared<LoadedVersion>();
  loaded->version = version;
  loaded->manifest = std::move(*manifest);
  const auto& m = loaded->manifest;
  loaded->stats = data::ManifestStats::of(m);
  if (m.kind == data::DatasetKind::Text) {
    std::vector<int> cols;
    for (const auto& name : m.text_columns)
      if (int i = m.columnIndex(name); i >= 0) cols.push_back(i);
    loaded->text_chars.reserve(m.samples.size());
    for (const auto& s : m.samples) {
      std::size_t n = 0;
      for (int c : cols)
        if (static_cast<std::size_t>(c) < s.values.size())
          n += utf8Chars(s.values[static_cast<std::size_t>(c)]);
      loaded->text_chars.push_back(n);
    }
  }
  if (m.task == data::Task::Regression) {
    loaded->targets.reserve(m.samples.size());
    for (const auto& s : m.samples) {
      double v = NAN;
      if (!data::parseNumberCell(s.label, v)) v = NAN;
      loaded->targets.push_back(v);
    }
  }
  return {loaded, {}};
}

}  // namespace

DatasetsPanel::DatasetsPanel(WorkspaceSession* session, QWidget* parent)
    : QWidget(parent),
      m_session(session),
      m_model(new DatasetTreeModel(this)),
      m_splitter(new QSplitter(Qt::Horizontal, this)),
      m_view(new QTreeView(this)),
      m_import(new QPushButton(tr("&Import…"), this)),
      m_count(new QLabel(this)),
      m_tabs(new QTabWidget(this)),
      m_summary(new DatasetSummaryWidget(this)),
      m_samples(new QStackedWidget(this)),
      m_samples_message(new QLabel(this)),
      m_grid(new ThumbnailGridWidget(this)),
      m_table(new DatasetTableWidget(this)),
      m_text(new DatasetTextWidget(this)),
      m_problems(new DatasetProblemsModel(this)),
      m_problems_view(new QTableView(this)),
      m_history(new DatasetHistoryWidget(this)) {
  setObjectName(QStringLiteral("DatasetsPanel"));
  qRegisterMetaType<DatasetSnapshotPtr>();
  qRegisterMetaType<LoadedVersionPtr>();

  m_import->setObjectName(QStringLiteral("importDatasetButton"));
  m_import->setIcon(style()->standardIcon(QStyle::SP_DialogOpenButton));
  m_import->setToolTip(tr("Import a folder of images, MNIST files, a table or text (Ctrl+I)"));
  connect(m_import, &QPushButton::clicked, this, [this] { openImportWizard(); });

  m_view->setObjectName(QStringLiteral("datasetTree"));
  m_view->setModel(m_model);
  m_view->setUniformRowHeights(true);
  m_view->setAlternatingRowColors(true);
  m_view->setSelectionMode(QAbstractItemView::SingleSelection);
  m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_view->header()->setStretchLastSection(false);
  m_view->header()->setSectionResizeMode(DatasetTreeModel::kName, QHeaderView::Stretch);
  m_view->header()->setSectionResizeMode(DatasetTreeModel::kSamples, QHeaderView::ResizeToContents);
  m_view->header()->setSectionResizeMode(DatasetTreeModel::kCreated, QHeaderView::ResizeToContents);
  connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this] { onCurrentChanged(); });

  auto* left = new QWidget(m_splitter);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  bar->addWidget(m_import);
  bar->addStretch(1);
  bar->addWidget(m_count);
  left_layout->addLayout(bar);
  left_layout->addWidget(m_view, 1);

  m_samples_message->setAlignment(Qt::AlignCenter);
  m_samples_message->setWordWrap(true);
  m_samples->addWidget(m_samples_message);
  m_samples->addWidget(m_grid);
  m_samples->addWidget(m_table);
  m_samples->addWidget(m_text);

  m_problems_view->setObjectName(QStringLiteral("problemsView"));
  setUpProblemsView(m_problems_view, m_problems, 320);

  m_tabs->setObjectName(QStringLiteral("datasetTabs"));
  m_tabs->addTab(m_summary, tr("Summary"));
  m_tabs->addTab(m_samples, tr("Samples"));
  m_tabs->addTab(m_problems_view, tr("Problems"));
  m_tabs->addTab(m_history, tr("History"));
  connect(m_summary, &DatasetSummaryWidget::problemsRequested, this,
          [this] { m_tabs->setCurrentIndex(kProblemsTab); });

  m_splitter->addWidget(left);
  m_splitter->addWidget(m_tabs);
  m_splitter->setStretchFactor(0, 1);
  m_splitter->setStretchFactor(1, 3);
  m_splitter->setSizes({370, 980});
  m_splitter->setChildrenCollapsible(false);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(m_splitter);

  // The watcher publishes a run snapshot whenever the database changed (any process): that
  // is the cue to re-read the (small) dataset list too.
  connect(session, &WorkspaceSession::snapshotReady, this, [this] { refresh(); });
  onCurrentChanged();
  refresh();
}

DatasetsPanel::~DatasetsPanel() = default;

void DatasetsPanel::refresh() {
  if (m_loading) {
    m_reload_pending = true;
    return;
  }
  m_loading = true;
  m_reload_pending = false;
  auto* watcher = new QFutureWatcher<SnapshotResult>(this);
  connect(watcher, &QFutureWatcher<SnapshotResult>::finished, this, [this, watcher] {
    watcher->deleteLater();
    m_loading = false;
    const SnapshotResult r = watcher->result();
    if (r.snapshot)
      onSnapshot(r.snapshot);
    else
      Q_EMIT statusMessage(tr("Cannot list datasets: %1").arg(r.error), 8000);
    if (m_reload_pending) refresh();
  });
  watcher->setFuture(QtConcurrent::run([ws = m_session->workspace()] { return loadSnapshot(ws); }));
}

void DatasetsPanel::onSnapshot(DatasetSnapshotPtr snapshot) {
  const bool first = !m_model->snapshot();
  const bool changed = m_model->setSnapshot(std::move(snapshot));
  const int n = m_model->rowCount();
  m_count->setText(tr("%n dataset(s)", nullptr, n));
  if (changed || first) {
    if (n <= kExpandAllBelow) m_view->expandAll();
    restoreSelection();
    // A selection restored from settings that this workspace does not have: forget it.
    if (first) m_pending_ref.clear();
    // The shown dataset may have new versions: keep History current.
    if (const auto* snap = m_model->snapshot().get(); snap && m_loaded) {
      auto it = snap->versions.find(m_loaded->version.dataset);
      if (it != snap->versions.end())
        m_history->setVersions(m_session->workspace(), it->second, m_loaded->version.version);
    }
  }
  Q_EMIT snapshotLoaded(n);
}

void DatasetsPanel::selectVersion(const QString& ref) {
  m_pending_ref = ref;
  restoreSelection();
}

void DatasetsPanel::restoreSelection() {
  auto find = [this](const QString& what) {
    return what.contains(QLatin1Char('@')) ? m_model->indexOfRef(what)
                                           : m_model->indexOfDataset(what);
  };
  QModelIndex target;
  if (!m_pending_ref.isEmpty()) {
    target = find(m_pending_ref);
    if (target.isValid()) m_pending_ref.clear();
  }
  if (!target.isValid() && !m_selected.isEmpty()) target = find(m_selected);
  if (!target.isValid() && m_model->rowCount() > 0) target = m_model->index(0, 0);
  if (!target.isValid()) {
    onCurrentChanged();
    return;
  }
  if (target.parent().isValid()) m_view->expand(target.parent());
  if (m_view->currentIndex() != target) {
    m_view->selectionModel()->setCurrentIndex(
        target, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  } else {
    onCurrentChanged();  // same row, maybe a newer latest version
  }
  m_view->scrollTo(target);
}

void DatasetsPanel::onCurrentChanged() {
  const QModelIndex current = m_view->currentIndex();
  const data::DatasetVersion* v = m_model->versionAt(current);
  if (!v) {
    if (!m_model->snapshot() || m_model->rowCount() == 0) {
      m_current_ref.clear();
      m_current_manifest.clear();
      m_loaded.reset();
      ++m_version_generation;
      m_summary->setVersion(nullptr);
      m_samples_message->setText(
          tr("No datasets yet.\n\nImport one with the Import… button or File ▸ Import Dataset… "
             "(Ctrl+I),\n"
             "or from a terminal: wb data import FOLDER --name NAME"));
      m_samples->setCurrentWidget(m_samples_message);
      m_problems->setProblems({});
      m_history->setVersions(m_session->workspace(), {});
    }
    return;
  }
  m_selected = current.data(DatasetTreeModel::IsVersionRole).toBool()
                   ? current.data(DatasetTreeModel::RefRole).toString()
                   : current.data(DatasetTreeModel::DatasetRole).toString();
  showVersion(*v);
}

void DatasetsPanel::showVersion(const data::DatasetVersion& version) {
  const QString ref = QString::fromStdString(version.ref());
  // The manifest id too: a dataset deleted and imported again reuses "name@1".
  if (ref == m_current_ref && version.manifest_id == m_current_manifest) return;
  m_current_ref = ref;
  m_current_manifest = version.manifest_id;
  m_loaded.reset();
  const int generation = ++m_version_generation;
  m_summary->setVersion(&version);
  m_samples_message->setText(tr("Loading %1…").arg(ref));
  m_samples->setCurrentWidget(m_samples_message);
  m_problems->setProblems({});
  m_tabs->setTabText(kProblemsTab, version.problem_count > 0
                                       ? tr("Problems (%1)").arg(version.problem_count)
                                       : tr("Problems"));
  if (const auto* snap = m_model->snapshot().get()) {
    auto it = snap->versions.find(version.dataset);
    if (it != snap->versions.end())
      m_history->setVersions(m_session->workspace(), it->second, version.version);
  }
  // A manifest can be tens of MB of JSON: parse it off the GUI thread.
  auto* watcher = new QFutureWatcher<VersionResult>(this);
  connect(watcher, &QFutureWatcher<VersionResult>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    if (generation != m_version_generation) return;  // another version was picked meanwhile
    const VersionResult r = watcher->result();
    onVersionLoaded(r.loaded, r.error);
  });
  watcher->setFuture(QtConcurrent::run(
      [ws = m_session->workspace(), version] { return loadVersion(ws, version); }));
}

void DatasetsPanel::onVersionLoaded(LoadedVersionPtr loaded, const QString& error) {
  if (!loaded) {
    m_current_manifest.clear();  // selecting the version again retries
    m_summary->setLoadError(error);
    m_samples_message->setText(tr("Cannot load %1:\n%2").arg(m_current_ref, error));
    m_samples->setCurrentWidget(m_samples_message);
    return;
  }
  m_loaded = loaded;
  // Pages share the manifest without copying it.
  std::shared_ptr<const data::Manifest> manifest(loaded, &loaded->manifest);
  m_summary->setLoaded(loaded);
  m_problems->setProblems(loaded->manifest.problems);
  switch (loaded->manifest.kind) {
    case data::DatasetKind::Images:
      m_grid->setManifest(m_session->workspace(), manifest);
      m_table->setManifest(nullptr);
      m_text->setManifest(nullptr);
      m_samples->setCurrentWidget(m_grid);
      break;
    case data::DatasetKind::Text:
      m_text->setManifest(manifest);
      m_grid->setManifest({}, nullptr);
      m_table->setManifest(nullptr);
      m_samples->setCurrentWidget(m_text);
      break;
    case data::DatasetKind::Tabular:
    case data::DatasetKind::Unknown:
      m_table->setManifest(manifest);
      m_grid->setManifest({}, nullptr);
      m_text->setManifest(nullptr);
      m_samples->setCurrentWidget(m_table);
      break;
  }
  Q_EMIT versionLoaded(m_current_ref);
}

ImportWizard* DatasetsPanel::openImportWizard() {
  if (m_wizard) {
    m_wizard->raise();
    m_wizard->activateWindow();
    return m_wizard;
  }
  m_wizard = new ImportWizard(m_session->workspace(), this);
  m_wizard->setAttribute(Qt::WA_DeleteOnClose);
  m_wizard->setWindowModality(Qt::NonModal);
  QStringList names;
  if (const auto* snap = m_model->snapshot().get())
    for (const auto& d : snap->datasets) names << QString::fromStdString(d.name);
  m_wizard->setExistingDatasets(names);
  connect(m_wizard, &ImportWizard::imported, this, [this](const QString& ref) {
    Q_EMIT statusMessage(tr("Imported %1").arg(ref), 5000);
    selectVersion(ref);
    refresh();
  });
  m_wizard->show();
  return m_wizard;
}

ImportWizard* DatasetsPanel::importWizard() const { return m_wizard; }

void DatasetsPanel::focusFilter() {
  m_tabs->setCurrentIndex(kSamplesTab);
  if (m_samples->currentWidget() == m_grid) m_grid->setFocusToFilter();
}

QByteArray DatasetsPanel::saveState() const {
  QByteArray out;
  QDataStream s(&out, QIODevice::WriteOnly);
  s << kStateMagic << m_splitter->saveState() << m_grid->splitter()->saveState();
  return out;
}

void DatasetsPanel::restoreState(const QByteArray& state) {
  QDataStream s(state);
  quint32 magic = 0;
  QByteArray splitter, grid_splitter;
  s >> magic >> splitter >> grid_splitter;
  if (magic != kStateMagic || s.status() != QDataStream::Ok) return;
  m_splitter->restoreState(splitter);
  m_grid->splitter()->restoreState(grid_splitter);
}

}  // namespace wb::ui
