#pragma once

#include <functional>

#include <QDialog>

#include "core/registry/registry.h"
#include "core/workspace/workspace.h"
#include "ui/registry/registry_snapshot.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace wb::ui {

/// Promote through a quality gate (`wb models promote` in a dialog): from (alias or version),
/// to (the alias to move), conditions in the Runs filter grammar, optionally "better than"
/// another version on a metric. Check evaluates only; Promote moves the alias when every
/// check passes. Each check is listed PASS/FAIL with its values. Runs off the GUI thread.
class PromoteDialog : public QDialog {
  Q_OBJECT
 public:
  using Confirm = std::function<bool(const QString& title, const QString& text)>;

  PromoteDialog(const Workspace& workspace, RegistrySnapshotPtr snapshot, const QString& model,
                const QString& from, QWidget* parent = nullptr);
  void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }

  QComboBox* modelBox() const { return m_model; }
  QComboBox* fromBox() const { return m_from; }
  QComboBox* toBox() const { return m_to; }
  QPlainTextEdit* conditionsEdit() const { return m_conditions; }
  QComboBox* betterThanBox() const { return m_better_than; }
  QComboBox* metricBox() const { return m_metric; }
  QTableWidget* checksTable() const { return m_checks; }
  QLabel* verdictLabel() const { return m_verdict; }
  QPushButton* checkButton() const { return m_check; }
  QPushButton* promoteButton() const { return m_promote; }
  bool isBusy() const { return m_busy; }

  /// What Check (dry run) and Promote do.
  void run(bool dry_run);

 Q_SIGNALS:
  /// The gate ran (result shown).
  void evaluated(bool passed);
  /// The alias moved; WHAT says where.
  void promoted(const QString& what);

 private:
  void fillChoices();
  registry::PromoteRequest request(bool dry_run) const;
  void showResult(const registry::GateResult& result, bool dry_run);

  Workspace m_workspace;
  RegistrySnapshotPtr m_snapshot;
  Confirm m_confirm;
  bool m_busy = false;
  QComboBox* m_model = nullptr;
  QComboBox* m_from = nullptr;
  QComboBox* m_to = nullptr;
  QPlainTextEdit* m_conditions = nullptr;
  QComboBox* m_better_than = nullptr;
  QComboBox* m_metric = nullptr;
  QLineEdit* m_reason = nullptr;
  QTableWidget* m_checks = nullptr;
  QLabel* m_verdict = nullptr;
  QPushButton* m_check = nullptr;
  QPushButton* m_promote = nullptr;
};

}  // namespace wb::ui
