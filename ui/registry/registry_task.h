#pragma once

#include <functional>
#include <optional>
#include <utility>

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

#include "core/common/result.h"
#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace wb::ui {

/// What a registry task gave back: a value, or the error's text.
template <class T>
struct RegistryOutcome {
  std::optional<T> value;
  QString error;
  bool ok() const { return value.has_value(); }
};

/// Runs WORK on a worker thread with its own database connection and registry; DONE runs on
/// the GUI thread unless CONTEXT was destroyed meanwhile. Registry reads and writes never
/// touch the GUI thread (a bundle can be tens of MB, a lock wait seconds).
template <class T>
void runRegistryTask(const Workspace& workspace, QObject* context,
                     std::function<Result<T>(registry::ModelRegistry&)> work,
                     std::function<void(const RegistryOutcome<T>&)> done) {
  auto* watcher = new QFutureWatcher<RegistryOutcome<T>>(context);
  QObject::connect(watcher, &QFutureWatcher<RegistryOutcome<T>>::finished, context,
                   [watcher, done = std::move(done)] {
                     watcher->deleteLater();
                     if (done) done(watcher->result());
                   });
  watcher->setFuture(QtConcurrent::run([workspace, work = std::move(work)]() {
    RegistryOutcome<T> out;
    auto db = workspace.connect();
    if (!db) {
      out.error = QString::fromStdString(db.error().text());
      return out;
    }
    objects::ObjectStore objects(workspace.objectsDir());
    registry::ModelRegistry reg(**db, objects);
    Result<T> r = work(reg);
    if (r)
      out.value = std::move(*r);
    else
      out.error = QString::fromStdString(r.error().text());
    return out;
  }));
}

/// A write that gives back nothing: DONE gets the error text, empty on success.
inline void runRegistryWrite(const Workspace& workspace, QObject* context,
                             std::function<Status(registry::ModelRegistry&)> work,
                             std::function<void(const QString& error)> done) {
  runRegistryTask<bool>(
      workspace, context,
      [work = std::move(work)](registry::ModelRegistry& reg) -> Result<bool> {
        if (auto st = work(reg); !st) return st.error();
        return true;
      },
      [done = std::move(done)](const RegistryOutcome<bool>& r) {
        if (done) done(r.error);
      });
}

}  // namespace wb::ui
