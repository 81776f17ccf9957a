#pragma once

#include <QDialog>

#include "core/registry/registry.h"
#include "ui/registry/wb_command.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace wb::ui {

/// Exports a version: format (bundle, ONNX, safetensors), the file, then `wb models export
/// REF --format F -o FILE --json` as a child process (ONNX needs LibTorch, the ONNX library and
/// OpenCV, which live in the CLI), busy with Cancel. Shows what was written and, for ONNX, the
/// parity check against LibTorch on the bundle's examples.
class ExportModelDialog : public QDialog {
  Q_OBJECT
 public:
  ExportModelDialog(const QString& cli_path, const QString& workspace_root,
                    const registry::ModelVersion& version, QWidget* parent = nullptr);

  QComboBox* formatBox() const { return m_format; }
  QLineEdit* fileEdit() const { return m_file; }
  QPushButton* exportButton() const { return m_export; }
  QLabel* resultLabel() const { return m_result; }
  bool isBusy() const { return m_command->isRunning(); }
  QString commandLine() const { return m_command->commandLine(); }

  /// What Export does; false when no file is given.
  bool submit();
  void reject() override;

 Q_SIGNALS:
  void exported(const QString& file);
  void failed(const QString& error);

 private:
  void browse();
  void formatChanged();
  void setBusy(bool busy);
  void onFinished(const WbCommand::Outcome& outcome);

  registry::ModelVersion m_version;
  QString m_root;
  WbCommand* m_command;
  QComboBox* m_format = nullptr;
  QLineEdit* m_file = nullptr;
  QPushButton* m_browse = nullptr;
  QLabel* m_result = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton* m_export = nullptr;
};

}  // namespace wb::ui
