#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <QObject>
#include <QString>
#include <QStringList>

#include "core/config/config_node.h"

class QProcess;

namespace wb::ui {

/// What the editor shows about one text: composed with its defaults and validated.
struct ConfigValidation {
  config::ConfigNode tree;  // composed (or, when composition fails, the primary alone)
  std::vector<config::ConfigError> errors;
  bool valid = false;
  bool has_sweep = false;
  std::optional<std::size_t> run_count;
  QString count_error;
  std::string display;
  bool parsed = false;  // TREE holds the text's values (false on a YAML syntax error)
  QStringList groups;   // group folders under configs/, sweepable as keys

  /// Composes TEXT as the primary at PATH (ComposeOptions::primary_text), validates it and
  /// counts its sweep. Touches no widget: runs on any thread.
  static ConfigValidation run(const std::string& text, const std::filesystem::path& path,
                              const std::filesystem::path& root,
                              const std::filesystem::path& configs_dir);
};

/// The editor's work off the GUI thread: validation on the thread pool, and the parameter
/// count from `wb train --dry-run --stdin-text` as a child process. Only the newest request
/// reports; older results are dropped.
class ConfigPlanRunner : public QObject {
  Q_OBJECT
 public:
  explicit ConfigPlanRunner(QObject* parent = nullptr);
  ~ConfigPlanRunner() override;

  /// Validates TEXT; validated() follows unless invalidate() or another validate() comes first.
  void validate(const std::string& text, const std::filesystem::path& path,
                const std::filesystem::path& root, const std::filesystem::path& configs_dir);
  /// The text changed: a validation still running reports nothing.
  void invalidate() { ++m_generation; }
  /// Drops the running validation and dry run.
  void cancel();
  bool isValidating() const { return m_validating; }

  /// Counts TEXT's parameters with `CLI -w ROOT --json train PATH --dry-run --stdin-text`;
  /// planUpdated() reports "Counting parameters…", then the count or why there is none.
  void startPlan(const QString& cli, const QString& root, const QString& path,
                 const QByteArray& text);
  bool isPlanning() const { return m_plan_process != nullptr; }

 Q_SIGNALS:
  void validated(const wb::ui::ConfigValidation& result);
  void planUpdated(const QString& text, const QString& tooltip);

 private:
  void stopPlan();
  void onPlanFinished(QProcess* p, int code, bool crashed);

  quint64 m_generation = 0;
  bool m_validating = false;
  QProcess* m_plan_process = nullptr;
};

}  // namespace wb::ui
