#include "core/objects/gc.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common/ids.h"
#include "core/data/dataset.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace fs = std::filesystem;

namespace wb::objects {

namespace {

// Every column that holds an object id. A column gc does not know stops it (see
// checkSchemaIsKnown): a new table that refers to objects must be added here.
struct ReferenceColumn {
  const char* table;
  const char* column;
};
constexpr ReferenceColumn kReferenceColumns[] = {{"artifacts", "object_id"},
                                                 {"dataset_versions", "manifest_id"},
                                                 {"model_versions", "bundle_id"}};

struct StoredFile {
  fs::path path;
  std::string id;  // empty for temp files
  std::uint64_t size_bytes = 0;
  double mtime = 0;
};

double wallNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool statFile(const fs::path& path, StoredFile& out) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  out.size_bytes = static_cast<std::uint64_t>(st.st_size);
  out.mtime = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) * 1e-9;
  return true;
}

Status checkSchemaIsKnown(store::Database& db) {
  auto stmt = db.prepare(
      "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
      "WHERE m.type = 'table' AND (p.name LIKE '%object%' OR p.name LIKE '%manifest%' OR "
      "p.name LIKE '%bundle%')");
  if (!stmt) return stmt.error();
  while (stmt->step()) {
    const std::string table = stmt->columnText(0), column = stmt->columnText(1);
    bool known = false;
    for (const auto& rc : kReferenceColumns) known |= table == rc.table && column == rc.column;
    if (!known)
      return makeError("gc does not know whether " + table + "." + column +
                       " refers to objects; it removes nothing (a newer Workbench wrote this "
                       "workspace, or core/objects/gc.cpp needs the column)");
  }
  if (stmt->lastError()) return *stmt->lastError();
  return {};
}

// Adds what the database refers to, in one read snapshot; manifests already in DONE are not
// read again (the re-check before deleting only reads new ones).
Status addReferences(const Workspace& ws, store::Database& db, std::set<std::string>& refs,
                     std::set<std::string>& manifests_done) {
  if (auto st = checkSchemaIsKnown(db); !st) return st;
  struct Version {
    std::string manifest_id, where;
  };
  std::vector<Version> versions;
  Status read = [&]() -> Status {
    if (auto st = db.exec("BEGIN"); !st) return st;
    auto arts = db.prepare("SELECT object_id FROM artifacts");
    if (!arts) return arts.error();
    while (arts->step()) refs.insert(arts->columnText(0));
    if (arts->lastError()) return *arts->lastError();
    auto bundles = db.prepare("SELECT DISTINCT bundle_id FROM model_versions");
    if (!bundles) return bundles.error();
    while (bundles->step()) refs.insert(bundles->columnText(0));
    if (bundles->lastError()) return *bundles->lastError();
    auto vers = db.prepare(
        "SELECT v.manifest_id, d.name || ' v' || v.version FROM dataset_versions v "
        "JOIN datasets d ON d.id = v.dataset_id");
    if (!vers) return vers.error();
    while (vers->step()) versions.push_back({vers->columnText(0), vers->columnText(1)});
    if (vers->lastError()) return *vers->lastError();
    return {};
  }();
  (void)db.exec("COMMIT");
  if (!read) return read;
  const ObjectStore store(ws.objectsDir());
  for (const auto& v : versions) {
    refs.insert(v.manifest_id);
    if (!manifests_done.insert(v.manifest_id).second) continue;
    auto text = store.read(v.manifest_id);
    auto manifest = text ? data::Manifest::fromJson(*text) : Result<data::Manifest>(text.error());
    if (!manifest)
      return makeError("the manifest of dataset " + v.where + " cannot be read (" +
                       manifest.error().text() +
                       "); gc stops rather than guess which objects it needs");
    for (const auto& s : manifest->samples) refs.insert(s.hash);
  }
  return {};
}

void scanStore(const ObjectStore& store, std::vector<StoredFile>& objects,
               std::vector<StoredFile>& temps, std::size_t& stray) {
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(store.root(), ec)) {
    const std::string prefix = dir.path().filename().string();
    std::error_code dec;
    if (!dir.is_directory(dec)) continue;
    const bool is_tmp = dir.path() == store.tempDir();
    for (const auto& f : fs::directory_iterator(dir.path(), dec)) {
      StoredFile sf;
      sf.path = f.path();
      if (!statFile(sf.path, sf)) continue;
      if (is_tmp) {
        temps.push_back(std::move(sf));
        continue;
      }
      sf.id = prefix + f.path().filename().string();
      if (ObjectStore::isValidId(sf.id))
        objects.push_back(std::move(sf));
      else
        ++stray;
    }
  }
}

struct DbSpace {
  std::int64_t auto_vacuum = 0, page_size = 0, free_pages = 0;
};

Result<DbSpace> dbSpace(store::Database& db) {
  DbSpace s;
  for (auto [pragma, out] : {std::pair{"PRAGMA auto_vacuum", &s.auto_vacuum},
                             std::pair{"PRAGMA page_size", &s.page_size},
                             std::pair{"PRAGMA freelist_count", &s.free_pages}}) {
    auto stmt = db.prepare(pragma);
    if (!stmt) return stmt.error();
    if (!stmt->step()) return makeError("cannot read " + std::string(pragma), db.path().string());
    *out = stmt->columnInt(0);
  }
  return s;
}

std::uint64_t fileSize(const fs::path& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(n);
}

// Gives free pages back: a one-time VACUUM turns on incremental auto-vacuum in an older
// database; afterwards incremental_vacuum is cheap. The checkpoint lets the file shrink.
Status reclaimDbSpace(store::Database& db, const DbSpace& space) {
  constexpr std::int64_t kIncremental = 2;
  if (space.auto_vacuum != kIncremental) {
    if (auto st = db.exec("PRAGMA auto_vacuum=INCREMENTAL"); !st) return st;
    if (auto st = db.exec("VACUUM"); !st) return st;
  } else if (space.free_pages > 0) {
    if (auto st = db.exec("PRAGMA incremental_vacuum"); !st) return st;
  }
  return db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

// Moves the object aside, then checks its age once more: a writer that re-used it touched it
// before (then it goes back) or finds it gone and writes it again.
bool removeIfStillOld(const ObjectStore& store, const StoredFile& f, double cutoff) {
  const fs::path aside = store.tempDir() / (f.id + ".gc-" + randomHexId().substr(0, 8));
  if (::rename(f.path.c_str(), aside.c_str()) != 0) return false;
  StoredFile now;
  if (statFile(aside, now) && now.mtime >= cutoff) {
    (void)::link(aside.c_str(), f.path.c_str());  // EEXIST: a writer already put it back
    ::unlink(aside.c_str());
    return false;
  }
  return ::unlink(aside.c_str()) == 0;
}

}  // namespace

std::uint64_t GcReport::freedBytes() const {
  return unreferenced_bytes + temp_bytes + (db_bytes_before > db_bytes_after ? db_bytes_before - db_bytes_after : 0);
}

Result<std::set<std::string>> referencedObjects(const Workspace& workspace, store::Database& db) {
  std::set<std::string> refs, manifests;
  if (auto st = addReferences(workspace, db, refs, manifests); !st) return st.error();
  return refs;
}

Result<GcLock> GcLock::acquire(const fs::path& objects_dir, Kind kind, Wait wait) {
  std::error_code ec;
  fs::create_directories(objects_dir, ec);
  const fs::path path = objects_dir / "gc.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(std::string("cannot open: ") + std::strerror(errno), path.string());
  const int op = (kind == Kind::Exclusive ? LOCK_EX : LOCK_SH) | (wait == Wait::TryOnce ? LOCK_NB : 0);
  int rc;
  do rc = ::flock(fd, op);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return makeError("an import or another clean-up is running in this workspace; try again "
                       "when it has finished");
    return makeError(std::string("cannot lock: ") + std::strerror(err), path.string());
  }
  return GcLock(fd);
}

GcLock::~GcLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the flock
}

Result<GcReport> collectGarbage(const Workspace& ws, const GcOptions& o,
                                const GcProgressFn& progress) {
  if (o.mode == GcMode::Unknown) return makeError("gc: no mode given");
  const bool deleting = o.mode == GcMode::Delete;
  std::optional<GcLock> lock;
  if (deleting) {
    auto l = GcLock::acquire(ws.objectsDir(), GcLock::Kind::Exclusive, GcLock::Wait::TryOnce);
    if (!l) return l.error();
    lock.emplace(std::move(*l));
  }
  auto db = ws.connect();
  if (!db) return db.error();
  std::set<std::string> refs, manifests;
  if (auto st = addReferences(ws, **db, refs, manifests); !st) return st.error();

  const ObjectStore store(ws.objectsDir());
  std::vector<StoredFile> objects, temps;
  GcReport r;
  scanStore(store, objects, temps, r.stray_files);
  r.objects = objects.size();
  r.referenced = refs.size();
  std::set<std::string> present;
  for (const auto& f : objects) present.insert(f.id);
  for (const auto& id : refs) r.missing += present.count(id) == 0;

  // Re-read the references just before deleting: a run may have committed one meanwhile.
  if (deleting)
    if (auto st = addReferences(ws, **db, refs, manifests); !st) return st.error();
  const double cutoff = wallNow() - o.grace_s;
  std::vector<const StoredFile*> doomed;
  for (const auto& f : objects) {
    if (refs.count(f.id)) continue;
    if (f.mtime >= cutoff) {
      ++r.kept_young;
      continue;
    }
    doomed.push_back(&f);
  }
  for (const auto& f : temps)
    if (f.mtime < cutoff) doomed.push_back(&f);

  auto space = dbSpace(**db);
  if (!space) return space.error();
  r.db_bytes_before = fileSize(ws.dbPath());
  r.db_needs_vacuum = space->auto_vacuum != 2;
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(space->free_pages * space->page_size);
  r.db_bytes_after = r.db_bytes_before > free_bytes ? r.db_bytes_before - free_bytes : 0;

  for (std::size_t i = 0; i < doomed.size(); ++i) {
    if (progress && i % 64 == 0 && !progress(i, doomed.size())) return makeError("gc cancelled");
    const StoredFile& f = *doomed[i];
    const bool temp = f.id.empty();
    if (deleting) {
      const bool removed = temp ? ::unlink(f.path.c_str()) == 0 : removeIfStillOld(store, f, cutoff);
      if (!removed) {
        r.kept_young += !temp;
        continue;
      }
    }
    (temp ? r.temp_files : r.unreferenced) += 1;
    (temp ? r.temp_bytes : r.unreferenced_bytes) += f.size_bytes;
  }
  if (deleting) {
    if (auto st = reclaimDbSpace(**db, *space); !st) return st.error();
    r.db_bytes_after = fileSize(ws.dbPath());
  }
  if (progress) progress(doomed.size(), doomed.size());
  return r;
}

}  // namespace wb::objects
