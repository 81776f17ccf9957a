#pragma once

#include <functional>

#include <QHash>

#include <QDialog>

#include "ui/registry/wb_command.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace wb::ui {

/// "Register Model…" for a run: name (completed from the models that exist), alias,
/// description, tags and which checkpoint. Runs `wb models register RUN … --json` as a child
/// process (the bundle needs LibTorch), busy with Cancel while it works; registered() carries
/// the new version and the dialog closes.
class RegisterModelDialog : public QDialog {
  Q_OBJECT
 public:
  /// Asks the user a yes/no question (title, text); the panel's confirm hook.
  using Confirm = std::function<bool(const QString& title, const QString& text)>;

  RegisterModelDialog(const QString& cli_path, const QString& workspace_root, const QString& run_id,
                      const QString& run_label, QWidget* parent = nullptr);

  /// Names offered by completion; aliases[name] = "alias:version" pairs already set (to warn
  /// before `production` moves).
  void setModelNames(const QStringList& names);
  void setExistingAliases(const QHash<QString, QHash<QString, int>>& aliases);
  void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }

  QLineEdit* nameEdit() const { return m_name; }
  QComboBox* aliasBox() const { return m_alias; }
  QPlainTextEdit* descriptionEdit() const { return m_description; }
  QComboBox* checkpointBox() const { return m_checkpoint; }
  QLineEdit* tagsEdit() const { return m_tags; }
  QPushButton* registerButton() const { return m_register; }
  QLabel* messageLabel() const { return m_message; }
  bool isBusy() const { return m_command->isRunning(); }
  /// The command line of the last registration (shown, and for tests).
  QString commandLine() const { return m_command->commandLine(); }

  /// Starts the registration (what the Register button does); false when the input is wrong.
  bool submit();
  void reject() override;

 Q_SIGNALS:
  void registered(const QString& model, int version);

 private:
  QStringList arguments() const;
  QString validate() const;
  void setBusy(bool busy);
  void onFinished(const WbCommand::Outcome& outcome);

  QString m_run_id;
  WbCommand* m_command;
  Confirm m_confirm;
  QHash<QString, QHash<QString, int>> m_aliases;
  QLineEdit* m_name = nullptr;
  QComboBox* m_alias = nullptr;
  QPlainTextEdit* m_description = nullptr;
  QComboBox* m_checkpoint = nullptr;
  QLineEdit* m_tags = nullptr;
  QLabel* m_message = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton* m_register = nullptr;
  QDialogButtonBox* m_buttons = nullptr;
};

}  // namespace wb::ui
