#include "ui/experiments/experiments_panel.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QIODevice>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/data/dataset_repository.h"
#include "core/store/database.h"
#include "core/train/run_slots.h"
#include "ui/experiments/config_document.h"
#include "ui/experiments/experiment_editor_widget.h"
#include "ui/experiments/run_launcher.h"
#include "ui/experiments/run_queue_widget.h"
#include "ui/shell/workspace_session.h"

namespace wb::ui {

namespace {
// Layout only. (Version 1, "WBEP", also held the open config by absolute path, which then
// opened in whichever workspace came next: it is read for the layout and the path ignored.)
constexpr quint32 kStateMagic = 0x57424532;        // "WBE2"
constexpr quint32 kStateMagicWithPath = 0x57424550;  // "WBEP"
const QString kOpenConfigKey = QStringLiteral("openConfig");
}  // namespace

QString ExperimentsPanel::settingsGroupFor(const QString& workspace_root) {
  // The canonical path, as the Runs table keys its settings: a symlink shares them.
  QString path = QDir(workspace_root).canonicalPath();
  if (path.isEmpty()) path = QDir(workspace_root).absolutePath();
  const QByteArray hash = QCryptographicHash::hash(path.toUtf8(), QCryptographicHash::Sha1).toHex();
  return QStringLiteral("experimentsEditor/") + QString::fromLatin1(hash.left(16));
}

ExperimentsPanel::ExperimentsPanel(WorkspaceSession* session, const QString& cli_path, QWidget* parent)
    : QWidget(parent), m_session(session) {
  setObjectName(QStringLiteral("experimentsPanel"));
  const QString root = session->rootPath();
  m_launcher = new RunLauncher(cli_path, root, this);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_splitter = new QSplitter(Qt::Vertical, this);
  m_splitter->setObjectName(QStringLiteral("experimentsSplitter"));
  m_editor = new ExperimentEditorWidget(m_splitter);
  m_editor->setCliPath(cli_path);
  m_editor->setWorkspace(root);

  auto* queue_box = new QWidget(m_splitter);
  auto* queue_layout = new QVBoxLayout(queue_box);
  queue_layout->setContentsMargins(6, 4, 6, 0);
  auto* header = new QHBoxLayout;
  auto* title = new QLabel(tr("<b>Run queue</b>"), queue_box);
  header->addWidget(title);
  header->addStretch(1);
  auto* limit_label = new QLabel(tr("Runs at once:"), queue_box);
  m_limit = new QSpinBox(queue_box);
  m_limit->setObjectName(QStringLiteral("runLimitBox"));
  m_limit->setRange(1, 64);
  m_limit->setToolTip(tr("How many runs of this workspace train at the same time; the others "
                         "wait in line. Shared with `wb train` on the command line "
                         "(`wb queue --limit N`)."));
  limit_label->setBuddy(m_limit);
  m_limit_hint = new QLabel(queue_box);
  m_limit_hint->setEnabled(false);
  header->addWidget(limit_label);
  header->addWidget(m_limit);
  header->addWidget(m_limit_hint);
  queue_layout->addLayout(header);
  m_queue = new RunQueueWidget(m_launcher, queue_box);
  queue_layout->addWidget(m_queue, 1);
  m_splitter->addWidget(m_editor);
  m_splitter->addWidget(queue_box);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  layout->addWidget(m_splitter);

  {
    const Workspace& ws = session->workspace();
    m_limit->setValue(train::runLimit(ws));  // a small file read
    m_limit_hint->setText(tr("(default %1)").arg(train::defaultRunLimit()));
  }
  connect(m_limit, &QSpinBox::valueChanged, this, &ExperimentsPanel::applyLimit);

  connect(m_editor, &ExperimentEditorWidget::launchRequested, this,
          [this](const QString& path, bool sweep) {
            const QString name = QFileInfo(path).completeBaseName();
            // Runs train in this workspace: never from a file another one owns.
            if (!ConfigDocument::isInsideWorkspace(path, m_session->rootPath())) {
              Q_EMIT statusMessage(
                  tr("Not launched: %1 is outside this workspace; save a copy into configs/")
                      .arg(path),
                  8000);
              return;
            }
            if (sweep) {
              m_launcher->launchSweep(path, {}, m_limit->value());
              Q_EMIT statusMessage(tr("Sweep %1 launched").arg(name), 4000);
            } else {
              m_launcher->launchRun(path);
              Q_EMIT statusMessage(tr("Run of %1 launched").arg(name), 4000);
            }
          });
  connect(m_editor, &ExperimentEditorWidget::statusMessage, this, &ExperimentsPanel::statusMessage);
  connect(m_editor, &ExperimentEditorWidget::currentConfigChanged, this,
          [this] { rememberOpenConfig(); });
  connect(m_queue, &RunQueueWidget::openRunRequested, this, &ExperimentsPanel::openRunRequested);
  connect(m_launcher, &RunLauncher::runFinished, this, [this](const QString&, const QString&) {
    m_session->refresh();  // the Runs table shows the result without waiting for the watcher
  });
  // New dataset versions become choices in the form.
  connect(session, &WorkspaceSession::snapshotReady, this, [this] { refreshDatasets(); });
  refreshDatasets();
}

ExperimentsPanel::~ExperimentsPanel() = default;

void ExperimentsPanel::applyLimit(int limit) {
  const Workspace& ws = m_session->workspace();
  if (auto st = train::setRunLimit(ws, limit == train::defaultRunLimit() ? 0 : limit); !st) {
    Q_EMIT statusMessage(tr("Cannot set the run limit: %1").arg(QString::fromStdString(st.error().text())), 6000);
    return;
  }
  Q_EMIT statusMessage(tr("Up to %n run(s) of this workspace train at once", nullptr, limit), 4000);
}

void ExperimentsPanel::refreshDatasets() {
  auto* watcher = new QFutureWatcher<QStringList>(this);
  connect(watcher, &QFutureWatcher<QStringList>::finished, this, [this, watcher] {
    watcher->deleteLater();
    m_editor->setDatasetRefs(watcher->result());
  });
  const Workspace ws = m_session->workspace();
  watcher->setFuture(QtConcurrent::run([ws]() {
    QStringList refs;
    auto db = ws.connect();
    if (!db) return refs;
    data::DatasetRepository repo(**db);
    auto list = repo.list();
    if (!list) return refs;
    for (const auto& d : *list) {
      refs << QString::fromStdString(d.name + "@latest");
      for (int v = d.latest_version; v >= 1; --v)
        refs << QString::fromStdString(d.name + "@" + std::to_string(v));
    }
    return refs;
  }));
}

QByteArray ExperimentsPanel::saveState() const {
  QByteArray out;
  QDataStream s(&out, QIODevice::WriteOnly);
  s << kStateMagic << m_splitter->saveState() << m_editor->saveState() << m_queue->saveState();
  return out;
}

void ExperimentsPanel::restoreState(const QByteArray& state) {
  QDataStream s(state);
  quint32 magic = 0;
  QByteArray splitter, editor, queue;
  s >> magic >> splitter >> editor >> queue;
  if ((magic == kStateMagic || magic == kStateMagicWithPath) && s.status() == QDataStream::Ok) {
    m_splitter->restoreState(splitter);
    m_editor->restoreState(editor);
    m_queue->restoreState(queue);
  }
  // The open config is this workspace's own, kept under its root's key.
  QSettings settings;
  settings.beginGroup(settingsGroupFor(m_session->rootPath()));
  const QString relative = settings.value(kOpenConfigKey).toString();
  const QString config = QDir(m_session->rootPath()).filePath(relative);
  if (!relative.isEmpty() && QFileInfo::exists(config) &&
      ConfigDocument::isInsideWorkspace(config, m_session->rootPath()))
    m_editor->openConfig(config);
  if (m_editor->currentConfigPath().isEmpty()) openFirstConfig();
}

void ExperimentsPanel::rememberOpenConfig() {
  const QString root = m_session->rootPath();
  const QString path = m_editor->currentConfigPath();
  if (path.isEmpty() || !ConfigDocument::isInsideWorkspace(path, root)) return;
  QSettings settings;
  settings.beginGroup(settingsGroupFor(root));
  settings.setValue(kOpenConfigKey, QDir(root).relativeFilePath(path));
  settings.setValue(QStringLiteral("root"), root);  // for whoever reads the file
}

void ExperimentsPanel::openFirstConfig() {
  // Something to look at on first visit: the first top-level config, alphabetically.
  const QDir configs(QDir(m_session->rootPath()).filePath(QStringLiteral("configs")));
  const QStringList files = configs.entryList({QStringLiteral("*.yaml"), QStringLiteral("*.yml")},
                                              QDir::Files, QDir::Name);
  if (!files.isEmpty()) m_editor->openConfig(configs.filePath(files.first()));
}

bool ExperimentsPanel::confirmClose() {
  if (!m_editor->maybeSave()) return false;
  if (!m_launcher->hasActiveJobs()) return true;
  const auto answer = QMessageBox::question(
      this, tr("Runs in progress"),
      tr("Runs started here are still training or waiting. Stop them (each saves a checkpoint "
         "and can be resumed with `wb train --resume`)?"),
      QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
  if (answer != QMessageBox::Yes) return false;
  m_launcher->stopAll();
  return true;
}

}  // namespace wb::ui
