#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QWidget>

#include "core/config/config_node.h"

class QFileSystemModel;
class QFrame;
class QHBoxLayout;
class QLabel;
class QLayout;
class QProcess;
class QPushButton;
class QScrollArea;
class QSplitter;
class QTabWidget;
class QTimer;
class QToolButton;
class QTreeView;
class QTreeWidget;

namespace wb::ui {

class ConfigDocument;
class ConfigFormWidget;
class ConfigPlanRunner;
struct ConfigValidation;
class SweepEditorWidget;
class YamlEditor;

/// The config editor of the Experiments section: the workspace's configs/ tree on the left;
/// in the middle a form (and a Sweep tab) and the YAML text side by side, kept in sync; below,
/// the problems of the composed config. Validation composes the editor's unsaved text with its
/// defaults (ComposeOptions::primary_text) off the GUI thread, debounced; a valid config gets
/// its parameter count from `wb train --dry-run` run as a child process (ConfigPlanRunner).
/// The file itself (open, save, reload, the watch on it) is a ConfigDocument. A config outside
/// the workspace opens read-only under a banner and cannot be run from here.
class ExperimentEditorWidget : public QWidget {
  Q_OBJECT
 public:
  /// What New starts from.
  enum class NewConfigTemplate { Invalid, Minimal, CopyOfCurrent };

  /// Debounce between the last edit and validation.
  static constexpr int kValidateDelayMs = 250;
  /// Debounce between a valid result and the dry run that counts parameters.
  static constexpr int kPlanDelayMs = 600;

  explicit ExperimentEditorWidget(QWidget* parent = nullptr);
  ~ExperimentEditorWidget() override;

  /// Shows ROOT/configs (created when missing) and forgets the open config.
  void setWorkspace(const QString& root);
  QString workspaceRoot() const;
  /// The `wb` executable used for the dry run and the model catalog. Default: `wb` next to
  /// this program, else on PATH.
  void setCliPath(const QString& path);
  /// Suggestions for data.dataset.
  void setDatasetRefs(const QStringList& refs);
  /// The catalog of `wb models types --json` (see ConfigFormWidget::setModelCatalog).
  void setModelCatalog(const QJsonObject& catalog);
  /// Runs `wb models types --json` in the background and uses its catalog when it succeeds.
  void refreshModelCatalog();

  /// Opens a config file, discarding unsaved changes (call maybeSave() first to ask).
  bool openConfig(const QString& path);
  QString currentConfigPath() const;
  /// The open config as workspace-relative text ("configs/digits.yaml").
  QString currentDisplayName() const;
  bool isDirty() const;
  /// Asks whether to save unsaved changes: false when the user cancels.
  bool maybeSave();
  bool save();
  /// Writes the text to PATH and continues editing there.
  bool saveAs(const QString& path);
  /// Creates configs/RELATIVE_PATH (".yaml" added when missing) and opens it.
  bool newConfig(const QString& relative_path, NewConfigTemplate from);
  /// Back to the file on disk (one undo step).
  void revert();

  /// A config outside the workspace: shown read-only, never run or saved from here.
  bool isReadOnly() const;
  /// Writes the open text to configs/<its name>.yaml (a free name) and opens that copy.
  bool saveCopyIntoWorkspace();

  /// Saves when dirty, then emits launchRequested(path, false / true). Does nothing for a
  /// config outside the workspace.
  void requestRun();
  void requestSweep();

  /// The last validation result that matches the text (after validated()).
  bool isValid() const { return m_valid; }
  int errorCount() const { return static_cast<int>(m_errors.size()); }
  std::optional<std::size_t> runCount() const { return m_run_count; }
  /// Whether a validation is scheduled or running (its result not applied yet).
  bool isValidationPending() const;
  /// Whether a validation or a dry run is pending or running.
  bool isBusy() const;

  ConfigFormWidget* form() const { return m_form; }
  YamlEditor* yamlEditor() const { return m_yaml; }
  SweepEditorWidget* sweepEditor() const { return m_sweep; }
  QTreeWidget* errorList() const { return m_error_list; }
  QPushButton* runButton() const { return m_run; }
  QPushButton* sweepButton() const { return m_sweep_button; }
  QTreeView* fileTree() const { return m_file_tree; }
  QLabel* parameterLabel() const { return m_parameters; }
  QLabel* statusLabel() const { return m_status; }
  QTabWidget* tabs() const { return m_tabs; }
  QFrame* outsideBanner() const { return m_outside_banner; }

  QByteArray saveState() const;
  void restoreState(const QByteArray& state);

 Q_SIGNALS:
  /// Run (SWEEP false) or sweep the saved config at CONFIG_PATH.
  void launchRequested(const QString& config_path, bool sweep);
  /// A validation result was applied: VALID and the number of problems.
  void validated(bool valid, int error_count);
  void currentConfigChanged(const QString& path);
  void dirtyChanged(bool dirty);
  /// The parameter count label changed (after a dry run or its failure).
  void planUpdated(const QString& text);
  void statusMessage(const QString& text, int timeout_ms);

 private:
  void buildUi();
  void buildToolbar(QHBoxLayout* bar);
  QFrame* buildBanner(const QString& name, QLabel** text);
  void buildBanners(QLayout* outer);
  void buildFileTree();
  void buildEditors();
  void buildProblems();
  void connectUi();
  void onTextChanged();
  void updateDirty();
  void startValidation();
  void applyValidation(const ConfigValidation& result);
  void showProblems(const ConfigValidation& result);
  void startPlan();
  void setPlanText(const QString& text, const QString& tooltip = {});
  void applyEdit(const QString& key, const std::optional<QString>& value_yaml);
  void applyKeyPathEdit(const std::vector<std::string>& path,
                        const std::optional<QString>& value_yaml);
  void setEditorText(const QString& text, bool undoable);
  void updateTitle();
  void updateButtons();
  void onChangedOnDisk(const QString& text);
  void showDiskBanner(const QString& message);
  void showFileError(const QString& message);
  void selectInTree();
  void askNewConfig(NewConfigTemplate from);
  void askSaveAs();
  QString cliPath() const;
  QString minimalConfig(const QString& name) const;
  void onFileActivated(const QString& path);
  void onErrorActivated(int row, bool open_other_file);

  ConfigDocument* m_doc;
  ConfigPlanRunner* m_runner;
  bool m_dirty = false;
  bool m_loading_text = false;  // setPlainText of a newly opened file
  QString m_cli_path;
  bool m_catalog_set = false;
  QStringList m_dataset_refs;

  bool m_valid = false;
  std::vector<config::ConfigError> m_errors;
  std::optional<std::size_t> m_run_count;
  bool m_has_sweep = false;
  bool m_joining_edits = false;  // form edits in one event-loop turn make one undo step

  QTimer* m_validate_timer;
  QTimer* m_plan_timer;
  QProcess* m_catalog_process = nullptr;
  QFileSystemModel* m_fs_model;

  QToolButton* m_new;
  QToolButton* m_save;
  QToolButton* m_save_as;
  QToolButton* m_revert;
  QLabel* m_title;
  QLabel* m_parameters;
  QPushButton* m_run;
  QPushButton* m_sweep_button;
  QFrame* m_banner;  // the file changed on disk
  QLabel* m_banner_text;
  QFrame* m_outside_banner;  // the file is outside the workspace
  QLabel* m_outside_text;
  QSplitter* m_main_splitter;
  QSplitter* m_vertical_splitter;
  QSplitter* m_center_splitter;
  QTreeView* m_file_tree;
  QTabWidget* m_tabs;
  QScrollArea* m_form_scroll;
  ConfigFormWidget* m_form;
  SweepEditorWidget* m_sweep;
  YamlEditor* m_yaml;
  QLabel* m_status;
  QTreeWidget* m_error_list;
};

}  // namespace wb::ui
