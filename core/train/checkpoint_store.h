#pragma once

#include <map>
#include <string>

#include "core/common/result.h"

namespace wb::objects {
class ObjectStore;
}
namespace wb::store {
class Database;
}

namespace wb::train {

/// A run's rolling checkpoints ("checkpoints/last.pt", "checkpoints/best.pt"): one artifact
/// row per path, pointing at the newest object. The object a save replaces is deleted at once
/// when no artifact and no dataset version refers to it (identical runs share objects);
/// otherwise it stays for `wb gc`.
///
/// Against a concurrent delete of the same content by another run, save() stores the object
/// again when it vanished between put and record, and a delete checks references and removes
/// the file inside one write transaction, which every record waits for.
class CheckpointStore {
 public:
  CheckpointStore(store::Database& db, objects::ObjectStore& objects, std::string run_id);

  /// Stores BYTES as PATH's object and records it, replacing the previous one.
  Status save(const std::string& path, const std::string& bytes);
  /// The bytes PATH points at (--resume reads "checkpoints/last.pt"); an Error when absent.
  Result<std::string> load(const std::string& path);

 private:
  Result<std::string> currentObject(const std::string& path);
  Status releaseIfUnreferenced(const std::string& object_id);

  store::Database& m_db;
  objects::ObjectStore& m_objects;
  std::string m_run_id;
  std::map<std::string, std::string> m_current;  // path → object id recorded by this process
};

}  // namespace wb::train
