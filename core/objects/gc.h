#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "core/common/result.h"

namespace wb {
class Workspace;
}
namespace wb::store {
class Database;
}

namespace wb::objects {

/// Objects and temp files younger than this are never removed: a running process may have
/// just written (or re-used, which touches) one it has not referenced yet.
constexpr double kDefaultGcGraceSeconds = 3600;

enum class GcMode { Unknown, DryRun, Delete };

struct GcOptions {
  GcMode mode = GcMode::DryRun;
  double grace_s = kDefaultGcGraceSeconds;
};

struct GcReport {
  std::size_t objects = 0;          // objects in the store
  std::size_t referenced = 0;       // distinct ids the database and manifests refer to
  std::size_t missing = 0;          // referenced but not in the store (verify names them)
  std::size_t unreferenced = 0;     // removed (or, in a dry run, would be)
  std::uint64_t unreferenced_bytes = 0;
  std::size_t temp_files = 0;       // left in objects/tmp by killed writers, removed
  std::uint64_t temp_bytes = 0;
  std::size_t kept_young = 0;       // unreferenced but within the grace period
  std::size_t stray_files = 0;      // files in the store that are not objects (left alone)
  std::uint64_t db_bytes_before = 0;
  std::uint64_t db_bytes_after = 0;   // after the vacuum; a dry run's estimate
  bool db_needs_vacuum = false;       // an older database: one full VACUUM turns on auto-vacuum
  std::uint64_t freedBytes() const;
};

/// progress(done, total) may return false to cancel (what was removed stays removed).
using GcProgressFn = std::function<bool(std::size_t, std::size_t)>;

/// Every object id the workspace refers to: run artifacts (checkpoints, confusion matrices,
/// preprocessing), model version bundles, dataset manifests and every sample each manifest lists. Read in one
/// snapshot. Fails if a manifest cannot be read: gc must not guess what it would need.
Result<std::set<std::string>> referencedObjects(const Workspace& workspace, store::Database& db);

/// Removes unreferenced objects older than the grace period, the leftovers of killed writers
/// in objects/tmp, and gives free database pages back to the file system. Safe while runs
/// train and imports run: it holds the workspace's gc lock (imports hold it shared), re-reads
/// the references just before deleting, and moves each object aside before checking its age
/// one last time (a writer re-using an object touches it first). A dry run changes nothing.
Result<GcReport> collectGarbage(const Workspace& workspace, const GcOptions& options,
                                const GcProgressFn& progress = {});

/// Held by a process whose objects are not referenced yet (an import, until its version is
/// committed): gc waits for no one and refuses to delete while any import holds it.
class GcLock {
 public:
  enum class Kind { Unknown, Shared, Exclusive };
  enum class Wait { Unknown, Block, TryOnce };
  static Result<GcLock> acquire(const std::filesystem::path& objects_dir, Kind kind, Wait wait);
  GcLock(GcLock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
  GcLock& operator=(GcLock&&) = delete;
  GcLock(const GcLock&) = delete;
  ~GcLock();

 private:
  explicit GcLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace wb::objects
