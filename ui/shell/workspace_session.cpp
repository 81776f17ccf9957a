#include "ui/shell/workspace_session.h"

#include <QFutureWatcher>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>

#include "core/store/database.h"
#include "ui/shell/store_watcher.h"

namespace wb::ui {

WorkspaceSession::WorkspaceSession(Workspace workspace, QObject* parent, int poll_interval_ms)
    : QObject(parent), m_workspace(std::move(workspace)) {
  qRegisterMetaType<RunSnapshotPtr>();
  m_thread.setObjectName(QStringLiteral("store-watcher"));
  m_watcher = new StoreWatcher(dbPath(), poll_interval_ms);
  m_watcher->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_watcher, &QObject::deleteLater);
  connect(&m_thread, &QThread::started, m_watcher, &StoreWatcher::start);
  connect(m_watcher, &StoreWatcher::snapshotReady, this, [this](RunSnapshotPtr snap) {
    m_last = snap;
    Q_EMIT snapshotReady(snap);
  });
  connect(m_watcher, &StoreWatcher::failed, this, &WorkspaceSession::failed);
  m_thread.start();
}

WorkspaceSession::~WorkspaceSession() {
  QMetaObject::invokeMethod(m_watcher, &StoreWatcher::stop, Qt::QueuedConnection);
  m_thread.quit();
  m_thread.wait();
}

QString WorkspaceSession::rootPath() const { return QString::fromStdString(m_workspace.root().string()); }
QString WorkspaceSession::dbPath() const { return QString::fromStdString(m_workspace.dbPath().string()); }

void WorkspaceSession::refresh() {
  QMetaObject::invokeMethod(m_watcher, &StoreWatcher::refreshNow, Qt::QueuedConnection);
}

void WorkspaceSession::runWrite(std::function<Status(store::Database&)> fn, QObject* context,
                                std::function<void(const QString&)> done) {
  auto* watcher = new QFutureWatcher<QString>(context);
  connect(watcher, &QFutureWatcher<QString>::finished, context, [this, watcher, done] {
    watcher->deleteLater();
    refresh();
    if (done) done(watcher->result());
  });
  const Workspace ws = m_workspace;
  watcher->setFuture(QtConcurrent::run([ws, fn = std::move(fn)]() -> QString {
    auto db = ws.connect();
    if (!db) return QString::fromStdString(db.error().text());
    if (auto st = fn(**db); !st) return QString::fromStdString(st.error().text());
    return {};
  }));
}

}  // namespace wb::ui
