#include "core/workspace/workspace.h"

#include <fstream>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "core/common/files.h"
#include "core/store/database.h"
#include "core/store/schema.h"

namespace fs = std::filesystem;

namespace wb {

namespace {

Status writeSettings(const fs::path& path, const std::string& name) {
  // The emitter quotes and escapes the name, whatever characters it holds.
  YAML::Emitter yaml;
  yaml << YAML::BeginMap << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << name
       << YAML::Key << "format" << YAML::Value << 1 << YAML::Key << "defaults" << YAML::Value
       << YAML::BeginMap << YAML::Key << "experiment" << YAML::Value << "Default" << YAML::EndMap
       << YAML::Key << "server" << YAML::Value << YAML::BeginMap << YAML::Key << "port"
       << YAML::Value << 8080 << YAML::EndMap << YAML::EndMap;
  return writeFileAtomic(path, std::string("# Workbench workspace settings\n") + yaml.c_str() + "\n");
}

Result<std::string> readName(const fs::path& settings, const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(settings, ec)) return root.filename().string();
  try {
    const YAML::Node node = YAML::LoadFile(settings.string());
    if (node && node.IsMap() && node["name"]) return node["name"].as<std::string>();
    return root.filename().string();
  } catch (const YAML::Exception& e) {
    return makeError("malformed settings at line " + std::to_string(e.mark.line + 1) +
                         ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg,
                     settings.string());
  }
}

}  // namespace

bool Workspace::isWorkspace(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / ".workbench" / "workbench.db", ec);
}

std::optional<fs::path> Workspace::findRoot(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  for (;;) {
    if (isWorkspace(dir)) return dir;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

Result<Workspace> Workspace::create(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  if (isWorkspace(root)) return makeError("already a workspace", root.string());
  if (fs::exists(root, ec) && !fs::is_directory(root, ec))
    return makeError("exists and is not a folder", root.string());
  Workspace ws;
  ws.m_root = root;
  ws.m_name = name.empty() ? root.filename().string() : name;
  for (const auto& sub : {ws.configsDir(), ws.objectsDir(), ws.runsDir()}) {
    fs::create_directories(sub, ec);
    if (ec) return makeError("cannot create folder: " + ec.message(), sub.string());
  }
  if (!fs::exists(ws.settingsPath(), ec)) {
    if (auto st = writeSettings(ws.settingsPath(), ws.m_name); !st) return st.error();
  }
  // Create the database under a temporary name and rename it into place, so a workspace
  // never exists with a half-initialised database.
  const fs::path tmp_db = ws.dataDir() / "workbench.db.init";
  fs::remove(tmp_db, ec);
  {
    auto db = store::Database::open(tmp_db, store::OpenMode::ReadWriteCreate);
    if (!db) return db.error();
    if (auto st = store::migrate(**db); !st) return st.error();
    // Fold the WAL back so the rename moves a complete database.
    if (auto st = (*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"); !st) return st.error();
  }
  fs::remove(tmp_db.string() + "-wal", ec);
  fs::remove(tmp_db.string() + "-shm", ec);
  fs::rename(tmp_db, ws.dbPath(), ec);
  if (ec) return makeError("cannot create database: " + ec.message(), ws.dbPath().string());
  return ws;
}

Result<Workspace> Workspace::open(const fs::path& dir) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  if (!fs::exists(root, ec)) return makeError("no such folder", root.string());
  if (!isWorkspace(root))
    return makeError("not a Workbench workspace (no .workbench/workbench.db; create one with "
                     "`wb init`)",
                     root.string());
  Workspace ws;
  ws.m_root = root;
  auto name = readName(ws.settingsPath(), root);
  if (!name) return name.error();
  ws.m_name = *name;
  for (const auto& sub : {ws.objectsDir(), ws.runsDir()}) fs::create_directories(sub, ec);
  auto db = ws.connect();
  if (!db) return db.error();
  auto version = store::schemaVersion(**db);
  if (!version) return version.error();
  if (*version != store::latestSchemaVersion()) {
    if (auto st = store::migrate(**db); !st) return st.error();
  }
  return ws;
}

Result<std::unique_ptr<store::Database>> Workspace::connect() const {
  return store::Database::open(dbPath(), store::OpenMode::ReadWrite);
}

}  // namespace wb
