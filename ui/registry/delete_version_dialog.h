#pragma once

#include <QDialog>

#include "core/registry/registry.h"
#include "core/workspace/workspace.h"

class QLabel;
class QPushButton;

namespace wb::ui {

/// Deleting a version: first the reclaim preview (planDelete, off the GUI thread): the bytes
/// it frees, or the aliases that block it. Delete runs only when nothing blocks it.
class DeleteVersionDialog : public QDialog {
  Q_OBJECT
 public:
  DeleteVersionDialog(const Workspace& workspace, const QString& model, int version,
                      QWidget* parent = nullptr);

  QLabel* messageLabel() const { return m_message; }
  QPushButton* deleteButton() const { return m_delete; }
  bool isPlanLoaded() const { return m_plan_loaded; }
  bool isBlocked() const { return m_plan_loaded && !m_plan.blocking_aliases.empty(); }
  const registry::DeletePlan& plan() const { return m_plan; }

 Q_SIGNALS:
  void planLoaded();
  /// The version is gone; WHAT says so ("iris version 3 deleted, 1.2 MB freed").
  void deleted(const QString& what);

 private:
  void loadPlan();
  void showPlan(const registry::DeletePlan& plan);
  void runDelete();

  Workspace m_workspace;
  QString m_model;
  int m_version;
  registry::DeletePlan m_plan;
  bool m_plan_loaded = false;
  QLabel* m_message = nullptr;
  QPushButton* m_delete = nullptr;
};

}  // namespace wb::ui
