#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <QObject>
#include <QString>

class QFileSystemWatcher;

namespace wb::ui {

/// The primary's name in messages, as composition names it: workspace-relative
/// ("configs/digits.yaml") when PATH is inside ROOT, else PATH itself.
std::string configDisplayName(const std::filesystem::path& path, const std::filesystem::path& root);

/// The config file the editor shows: where it is, its text as last read or written (with "\n"
/// line ends; a "\r\n" file is written back that way), and a watch on it. Knows nothing of
/// widgets: the editor asks it to open, save and reload, and hears when the file changes.
class ConfigDocument : public QObject {
  Q_OBJECT
 public:
  explicit ConfigDocument(QObject* parent = nullptr);

  /// Closes the open file and makes ROOT (absolute) the workspace; configs/ is created.
  void setWorkspace(const QString& root);
  QString root() const { return m_root; }
  QString configsDir() const { return m_configs_dir; }

  /// Whether PATH lies inside the workspace ROOT (symlinks resolved).
  static bool isInsideWorkspace(const QString& path, const QString& root);

  bool isOpen() const { return !m_path.isEmpty(); }
  /// Absolute; empty when nothing is open.
  QString path() const { return m_path; }
  const std::string& displayName() const { return m_display; }
  QString savedText() const { return m_saved_text; }
  /// The open file is not under the workspace root: the editor shows it read-only.
  bool isOutsideWorkspace() const { return m_outside; }

  /// Reads PATH and makes it the open file; its text, or nullopt (ERROR set).
  std::optional<QString> open(const QString& path, QString* error);
  void close();
  /// Writes TEXT to the open file.
  bool save(const QString& text, QString* error);
  /// Writes TEXT to PATH (folders created) and continues there.
  bool saveAs(const QString& path, const QString& text, QString* error);
  /// Reads the open file again and takes its text as saved; nullopt (ERROR set) when unreadable.
  std::optional<QString> reload(QString* error);
  /// Takes TEXT (from changedOnDisk) as what is on disk.
  void acceptDiskText(const QString& text) { m_saved_text = text; }

  /// Writes TEXT to PATH in one step (write then rename), in the open file's line ends.
  bool writeFile(const QString& path, const QString& text, QString* error) const;
  static std::optional<QString> readFile(const QString& path, QString* error);

 Q_SIGNALS:
  /// The open file's text on disk changed to TEXT (not by our own save).
  void changedOnDisk(const QString& text);
  /// The open file was removed or cannot be read; saving writes it again.
  void removedOnDisk();

 private:
  void setPath(const QString& absolute);
  void watch();
  void onFileChanged(const QString& path);

  QString m_root;
  QString m_configs_dir;
  QString m_path;
  std::string m_display;
  QString m_saved_text;
  bool m_crlf = false;
  bool m_outside = false;
  QFileSystemWatcher* m_watcher;
};

}  // namespace wb::ui
