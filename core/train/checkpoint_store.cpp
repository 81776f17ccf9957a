#include "core/train/checkpoint_store.h"

#include <filesystem>
#include <system_error>

#include "core/common/clock.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"

namespace wb::train {

CheckpointStore::CheckpointStore(store::Database& db, objects::ObjectStore& objects,
                                 std::string run_id)
    : m_db(db), m_objects(objects), m_run_id(std::move(run_id)) {}

Result<std::string> CheckpointStore::currentObject(const std::string& path) {
  if (auto it = m_current.find(path); it != m_current.end()) return it->second;
  store::RunRepository runs(m_db);
  auto arts = runs.artifacts(m_run_id);
  if (!arts) return arts.error();
  for (const auto& a : *arts)
    if (a.path == path) return a.object_id;
  return std::string();
}

Result<std::string> CheckpointStore::load(const std::string& path) {
  auto id = currentObject(path);
  if (!id) return id.error();
  if (id->empty()) return makeError("the run has no " + path, m_run_id);
  return m_objects.read(*id);
}

Status CheckpointStore::save(const std::string& path, const std::string& bytes) {
  auto previous = currentObject(path);
  if (!previous) return previous.error();
  auto id = m_objects.put(bytes);
  if (!id) return id.error();
  store::RunRepository runs(m_db);
  if (auto st = runs.addArtifact({m_run_id, path, *id, static_cast<std::int64_t>(bytes.size()), unixNow()});
      !st)
    return st;
  // Another run holding the same bytes may have released them between put and record.
  if (!m_objects.exists(*id))
    if (auto again = m_objects.put(bytes); !again) return again.error();
  m_current[path] = *id;
  if (!previous->empty() && *previous != *id) return releaseIfUnreferenced(*previous);
  return {};
}

Status CheckpointStore::releaseIfUnreferenced(const std::string& object_id) {
  return m_db.writeTransaction([&]() -> Status {
    for (const char* sql : {"SELECT 1 FROM artifacts WHERE object_id = ? LIMIT 1",
                            "SELECT 1 FROM dataset_versions WHERE manifest_id = ? LIMIT 1",
                            "SELECT 1 FROM model_versions WHERE bundle_id = ? LIMIT 1"}) {
      auto stmt = m_db.prepare(sql);
      if (!stmt) return stmt.error();
      stmt->bind(1, object_id);
      if (stmt->step()) return {};  // still referenced: keep it
      if (stmt->lastError()) return *stmt->lastError();
    }
    std::error_code ec;
    std::filesystem::remove(m_objects.pathOf(object_id), ec);  // gone already: fine
    return {};
  });
}

}  // namespace wb::train
