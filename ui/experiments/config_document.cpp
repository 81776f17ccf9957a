#include "ui/experiments/config_document.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QSaveFile>

namespace wb::ui {

namespace fs = std::filesystem;

std::string configDisplayName(const fs::path& path, const fs::path& root) {
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec).lexically_normal();
  const fs::path base = fs::absolute(root, ec).lexically_normal();
  const fs::path rel = abs.lexically_relative(base);
  if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
  return path.generic_string();
}

ConfigDocument::ConfigDocument(QObject* parent)
    : QObject(parent), m_watcher(new QFileSystemWatcher(this)) {
  connect(m_watcher, &QFileSystemWatcher::fileChanged, this,
          [this](const QString& path) { onFileChanged(path); });
}

void ConfigDocument::setWorkspace(const QString& root) {
  close();
  m_root = QFileInfo(root).absoluteFilePath();
  m_configs_dir = QDir(m_root).filePath(QStringLiteral("configs"));
  QDir().mkpath(m_configs_dir);
}

bool ConfigDocument::isInsideWorkspace(const QString& path, const QString& root) {
  if (root.isEmpty() || path.isEmpty()) return false;
  // Canonical where they exist, so a symlinked workspace or "../" in a path decide nothing.
  auto resolved = [](const QString& p) {
    const QFileInfo info(p);
    const QString canonical = info.canonicalFilePath();
    if (!canonical.isEmpty()) return canonical;
    const QString dir = QFileInfo(info.absolutePath()).canonicalFilePath();
    return dir.isEmpty() ? QDir::cleanPath(info.absoluteFilePath())
                         : QDir(dir).filePath(info.fileName());
  };
  const QString base = resolved(root);
  const QString file = resolved(path);
  return file.startsWith(base + QLatin1Char('/'));
}

void ConfigDocument::setPath(const QString& absolute) {
  m_path = absolute;
  m_display = configDisplayName(m_path.toStdString(), m_root.toStdString());
  m_outside = !isInsideWorkspace(m_path, m_root);
  watch();
}

std::optional<QString> ConfigDocument::open(const QString& path, QString* error) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QFile file(absolute);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("Cannot open %1: %2").arg(absolute, file.errorString());
    return std::nullopt;
  }
  const QByteArray bytes = file.readAll();
  m_crlf = bytes.contains("\r\n");
  m_saved_text = QString::fromUtf8(bytes).replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
  setPath(absolute);
  return m_saved_text;
}

void ConfigDocument::close() {
  m_path.clear();
  m_display.clear();
  m_saved_text.clear();
  m_outside = false;
  watch();
}

bool ConfigDocument::save(const QString& text, QString* error) {
  if (!isOpen() || !writeFile(m_path, text, error)) return false;
  m_saved_text = text;
  watch();
  return true;
}

bool ConfigDocument::saveAs(const QString& path, const QString& text, QString* error) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QDir().mkpath(QFileInfo(absolute).absolutePath());
  if (!writeFile(absolute, text, error)) return false;
  m_saved_text = text;
  setPath(absolute);
  return true;
}

std::optional<QString> ConfigDocument::reload(QString* error) {
  auto disk = readFile(m_path, error);
  if (disk) m_saved_text = *disk;
  return disk;
}

bool ConfigDocument::writeFile(const QString& path, const QString& text, QString* error) const {
  QSaveFile file(path);  // write-then-rename: never a half-written config
  QString out = text;
  if (m_crlf) out.replace(QLatin1Char('\n'), QStringLiteral("\r\n"));
  if (!file.open(QIODevice::WriteOnly) || file.write(out.toUtf8()) < 0 || !file.commit()) {
    if (error) *error = tr("Cannot save %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

std::optional<QString> ConfigDocument::readFile(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("Cannot read %1: %2").arg(path, file.errorString());
    return std::nullopt;
  }
  QString text = QString::fromUtf8(file.readAll());
  text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
  return text;
}

void ConfigDocument::watch() {
  // A rename-over (ours or an editor's) drops the watch: add it again each time.
  if (!m_watcher->files().isEmpty()) m_watcher->removePaths(m_watcher->files());
  if (!m_path.isEmpty() && QFileInfo::exists(m_path)) m_watcher->addPath(m_path);
}

void ConfigDocument::onFileChanged(const QString& path) {
  if (path != m_path) return;
  watch();
  auto disk = readFile(m_path, nullptr);
  if (!disk) {
    m_saved_text.clear();
    Q_EMIT removedOnDisk();
    return;
  }
  if (*disk == m_saved_text) return;  // our own save, or a touch
  Q_EMIT changedOnDisk(*disk);
}

}  // namespace wb::ui
