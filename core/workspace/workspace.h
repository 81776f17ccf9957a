#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/common/result.h"

namespace wb::store {
class Database;
}

namespace wb {

/// A workspace is a folder: workbench.yaml, configs/, and .workbench/ with the database and
/// the object store. Workspace is a cheap value: paths plus settings.
class Workspace {
 public:
  /// Creates the folder layout and an up-to-date database. Fails if DIR is already a workspace.
  static Result<Workspace> create(const std::filesystem::path& dir, const std::string& name = {});
  /// Opens an existing workspace, migrating an older database forward.
  static Result<Workspace> open(const std::filesystem::path& dir);
  /// The nearest folder at or above start that holds a workspace.
  static std::optional<std::filesystem::path> findRoot(const std::filesystem::path& start);
  static bool isWorkspace(const std::filesystem::path& dir);

  const std::filesystem::path& root() const { return m_root; }
  const std::string& name() const { return m_name; }
  std::filesystem::path settingsPath() const { return m_root / "workbench.yaml"; }
  std::filesystem::path configsDir() const { return m_root / "configs"; }
  std::filesystem::path dataDir() const { return m_root / ".workbench"; }
  std::filesystem::path dbPath() const { return dataDir() / "workbench.db"; }
  std::filesystem::path objectsDir() const { return dataDir() / "objects"; }
  std::filesystem::path runsDir() const { return dataDir() / "runs"; }

  /// A new connection to the workspace database (one per thread).
  Result<std::unique_ptr<store::Database>> connect() const;

 private:
  std::filesystem::path m_root;
  std::string m_name;
};

}  // namespace wb
