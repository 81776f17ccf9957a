#pragma once

#include <QWidget>

class QSpinBox;
class QSplitter;
class QLabel;

namespace wb::ui {

class ExperimentEditorWidget;
class RunLauncher;
class RunQueueWidget;
class WorkspaceSession;

/// The Experiments section: the config editor above, the run queue below. Runs and sweeps are
/// `wb train` / `wb sweep` child processes; they wait in the workspace's run queue, which the
/// CLI shares, and the "At once" box sets its limit.
class ExperimentsPanel : public QWidget {
  Q_OBJECT
 public:
  ExperimentsPanel(WorkspaceSession* session, const QString& cli_path, QWidget* parent = nullptr);
  ~ExperimentsPanel() override;

  ExperimentEditorWidget* editor() const { return m_editor; }
  RunQueueWidget* queue() const { return m_queue; }
  RunLauncher* launcher() const { return m_launcher; }
  QSpinBox* limitBox() const { return m_limit; }

  /// The layout. The open config is kept per workspace (settingsGroupFor) and reopened by
  /// restoreState.
  QByteArray saveState() const;
  void restoreState(const QByteArray& state);
  /// The QSettings group of the editor state of the workspace at WORKSPACE_ROOT.
  static QString settingsGroupFor(const QString& workspace_root);
  /// Asks about unsaved edits and running jobs; false to keep the workspace open.
  bool confirmClose();

 Q_SIGNALS:
  void openRunRequested(const QString& run_id);
  void statusMessage(const QString& text, int timeout_ms);

 private:
  void refreshDatasets();
  void openFirstConfig();
  void rememberOpenConfig();
  void applyLimit(int limit);

  WorkspaceSession* m_session;
  ExperimentEditorWidget* m_editor = nullptr;
  RunLauncher* m_launcher = nullptr;
  RunQueueWidget* m_queue = nullptr;
  QSplitter* m_splitter = nullptr;
  QSpinBox* m_limit = nullptr;
  QLabel* m_limit_hint = nullptr;
};

}  // namespace wb::ui
