// Unit tests of the object garbage collector (core/objects/gc.h) on real workspaces: what
// nothing refers to goes, what a run, a dataset version or a manifest's samples refer to
// stays, young objects and objects being re-used survive, leftovers of killed writers are
// found, and the database gives the space of deleted runs back.
// Bug pinned: every epoch stored a new checkpoint, `runs rm` deleted rows only, and nothing
// ever deleted an object or shrank the database.
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>

#include "core/common/clock.h"
#include "core/data/dataset_repository.h"
#include "core/data/image_codec.h"
#include "core/data/importer.h"
#include "core/data/versioning.h"
#include "core/objects/gc.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using wb::objects::GcMode;
using wb::objects::GcOptions;
using wb::objects::ObjectStore;

namespace {

constexpr double kDay = 86400;

// Sets a file's modification time SECONDS in the past (objects are read-only: owner may).
void age(const fs::path& path, double seconds) {
  const double t = wb::unixNow() - seconds;
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(t);
  times[0].tv_nsec = times[1].tv_nsec = 0;
  QVERIFY(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

void ageAll(const fs::path& root, double seconds) {
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() != "gc.lock") age(e.path(), seconds);
}

wb::Result<wb::objects::GcReport> gc(const wb::Workspace& ws, GcMode mode, double grace_s = 3600) {
  GcOptions o;
  o.mode = mode;
  o.grace_s = grace_s;
  return wb::objects::collectGarbage(ws, o);
}

std::string runWithArtifact(const wb::Workspace& ws, const std::string& object_id) {
  auto db = ws.connect();
  if (!db) return {};
  wb::store::RunRepository runs(**db);
  auto run = runs.create({});
  if (!run) return {};
  (void)runs.addArtifact({run->id, "last.pt", object_id, 10, wb::unixNow()});
  return run->id;
}

// A small image-folder dataset imported for real: its samples are objects only the
// manifest refers to.
wb::Result<wb::data::ImportResult> importImages(const wb::Workspace& ws, const fs::path& src,
                                                int count) {
  for (int i = 0; i < count; ++i) {
    auto img = wb::data::Image::zeros(8, 8, 1);
    img.pixels[static_cast<std::size_t>(i)] = 200;
    auto png = wb::data::encodePng(img);
    if (!png) return png.error();
    fs::create_directories(src / (i % 2 ? "odd" : "even"));
    std::ofstream(src / (i % 2 ? "odd" : "even") / ("img" + std::to_string(i) + ".png"),
                  std::ios::binary)
        << *png;
  }
  wb::data::ImportOptions o;
  o.dataset = "digits";
  o.format = wb::data::SourceFormat::ImageFolder;
  o.source = src;
  return wb::data::importDataset(ws, o, {});
}

}  // namespace

class TestGc : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init();
  void cleanup();

  void orphanRemovedReferencedKept();
  void dryRunChangesNothing();
  void youngOrphanKept();
  void reusedObjectIsTouched();
  void killedWriterLeftoversCollected();
  void unknownReferenceColumnStopsGc();
  void unreadableManifestStopsGc();
  void importHoldsTheGcLock();
  void dbSpaceReclaimedAfterDeletingRuns();
  void olderDatabaseVacuumedOnce();

 private:
  std::unique_ptr<QTemporaryDir> m_dir;
  fs::path m_path;
  std::optional<wb::Workspace> m_ws;
};

void TestGc::init() {
  m_dir = std::make_unique<QTemporaryDir>();
  QVERIFY(m_dir->isValid());
  m_path = fs::path(m_dir->path().toStdString());
  auto ws = wb::Workspace::create(m_path / "ws");
  WB_VERIFY_OK(ws);
  m_ws = *ws;
}

void TestGc::cleanup() {
  m_ws.reset();
  m_dir.reset();
}

void TestGc::orphanRemovedReferencedKept() {
  ObjectStore store(m_ws->objectsDir());
  auto kept = store.put(std::string("checkpoint of a live run"));
  const std::string orphan_bytes = "checkpoint orphaned by the next epoch";
  const std::string removed_bytes = "artifact of a run removed with runs rm";
  auto orphan = store.put(orphan_bytes);
  auto deleted_run_artifact = store.put(removed_bytes);
  WB_VERIFY_OK(kept);
  WB_VERIFY_OK(orphan);
  WB_VERIFY_OK(deleted_run_artifact);
  QVERIFY(!runWithArtifact(*m_ws, *kept).empty());
  const std::string gone_run = runWithArtifact(*m_ws, *deleted_run_artifact);
  auto imported = importImages(*m_ws, m_path / "src", 6);
  WB_VERIFY_OK(imported);
  {
    auto db = m_ws->connect();
    WB_VERIFY_OK(db);
    WB_VERIFY_OK(wb::store::RunRepository(**db).remove({gone_run}));
  }
  ageAll(m_ws->objectsDir(), kDay);

  auto r = gc(*m_ws, GcMode::Delete);
  WB_VERIFY_OK(r);
  QCOMPARE(r->unreferenced, std::size_t(2));
  QCOMPARE(r->unreferenced_bytes, std::uint64_t(orphan_bytes.size() + removed_bytes.size()));
  QVERIFY(!store.exists(*orphan));
  QVERIFY(!store.exists(*deleted_run_artifact));
  QVERIFY(store.exists(*kept));
  QVERIFY(store.exists(imported->version.manifest_id));
  // Every sample the manifest lists is still there and intact.
  auto report = wb::data::verifyVersion(*m_ws, imported->version, 1, {});
  WB_VERIFY_OK(report);
  QCOMPARE(report->problems.size(), std::size_t(0));
  QCOMPARE(report->checked, std::size_t(7));
  // Nothing left to do the second time.
  auto again = gc(*m_ws, GcMode::Delete);
  WB_VERIFY_OK(again);
  QCOMPARE(again->unreferenced, std::size_t(0));
  QCOMPARE(again->missing, std::size_t(0));
}

void TestGc::dryRunChangesNothing() {
  ObjectStore store(m_ws->objectsDir());
  auto orphan = store.put(std::string("orphan"));
  WB_VERIFY_OK(orphan);
  ageAll(m_ws->objectsDir(), kDay);
  auto r = gc(*m_ws, GcMode::DryRun);
  WB_VERIFY_OK(r);
  QCOMPARE(r->unreferenced, std::size_t(1));
  QCOMPARE(r->unreferenced_bytes, std::uint64_t(6));
  QVERIFY(r->freedBytes() >= 6);
  QVERIFY(store.exists(*orphan));
}

// A running process may have written an object and not yet referenced it.
void TestGc::youngOrphanKept() {
  ObjectStore store(m_ws->objectsDir());
  auto young = store.put(std::string("just written by a running trainer"));
  auto old = store.put(std::string("left a day ago"));
  WB_VERIFY_OK(young);
  WB_VERIFY_OK(old);
  age(store.pathOf(*old), kDay);
  auto r = gc(*m_ws, GcMode::Delete);
  WB_VERIFY_OK(r);
  QCOMPARE(r->unreferenced, std::size_t(1));
  QCOMPARE(r->kept_young, std::size_t(1));
  QVERIFY(store.exists(*young));
  QVERIFY(!store.exists(*old));
}

// A writer re-using an existing object (dedup) is about to refer to it: the put refreshes
// its age, so gc's grace period covers it exactly as a freshly written one.
void TestGc::reusedObjectIsTouched() {
  ObjectStore store(m_ws->objectsDir());
  const std::string bytes = "same checkpoint bytes again";
  auto id = store.put(bytes);
  WB_VERIFY_OK(id);
  age(store.pathOf(*id), kDay);
  WB_VERIFY_OK(store.put(bytes));
  auto r = gc(*m_ws, GcMode::Delete);
  WB_VERIFY_OK(r);
  QCOMPARE(r->kept_young, std::size_t(1));
  QVERIFY(store.exists(*id));
}

// A writer killed mid-way leaves temp files in objects/tmp and objects no manifest lists.
void TestGc::killedWriterLeftoversCollected() {
  ObjectStore store(m_ws->objectsDir());
  fs::create_directories(store.tempDir());
  std::ofstream(store.tempDir() / "0123abcd.part", std::ios::binary) << std::string(1000, 'x');
  std::ofstream(store.tempDir() / "fresh.part", std::ios::binary) << std::string(10, 'y');
  auto stored = store.put(std::string("sample of an import that never committed"));
  WB_VERIFY_OK(stored);
  ageAll(m_ws->objectsDir(), kDay);
  age(store.tempDir() / "fresh.part", 1);  // still being written

  auto preview = gc(*m_ws, GcMode::DryRun);
  WB_VERIFY_OK(preview);
  QCOMPARE(preview->temp_files, std::size_t(1));
  QCOMPARE(preview->temp_bytes, std::uint64_t(1000));
  QCOMPARE(preview->unreferenced, std::size_t(1));
  auto r = gc(*m_ws, GcMode::Delete);
  WB_VERIFY_OK(r);
  QCOMPARE(r->temp_files, std::size_t(1));
  QVERIFY(!fs::exists(store.tempDir() / "0123abcd.part"));
  QVERIFY(fs::exists(store.tempDir() / "fresh.part"));
  QVERIFY(!store.exists(*stored));
}

// A table gc does not know might refer to objects: it must stop, not delete them.
void TestGc::unknownReferenceColumnStopsGc() {
  {
    auto db = m_ws->connect();
    WB_VERIFY_OK(db);
    WB_VERIFY_OK((*db)->exec("CREATE TABLE models(id INTEGER PRIMARY KEY, weights_object TEXT)"));
  }
  ObjectStore store(m_ws->objectsDir());
  auto id = store.put(std::string("registered model weights"));
  WB_VERIFY_OK(id);
  ageAll(m_ws->objectsDir(), kDay);
  auto r = gc(*m_ws, GcMode::Delete);
  QVERIFY(!r);
  QVERIFY2(r.error().text().find("models.weights_object") != std::string::npos,
           r.error().text().c_str());
  QVERIFY(store.exists(*id));
}

void TestGc::unreadableManifestStopsGc() {
  auto imported = importImages(*m_ws, m_path / "src", 2);
  WB_VERIFY_OK(imported);
  ObjectStore store(m_ws->objectsDir());
  const fs::path manifest = store.pathOf(imported->version.manifest_id);
  fs::permissions(manifest, fs::perms::owner_write, fs::perm_options::add);
  fs::remove(manifest);
  ageAll(m_ws->objectsDir(), kDay);
  auto r = gc(*m_ws, GcMode::Delete);
  QVERIFY(!r);
  QVERIFY2(r.error().text().find("digits v1") != std::string::npos, r.error().text().c_str());
  auto left = 0;
  for (const auto& e : fs::recursive_directory_iterator(m_ws->objectsDir()))
    left += e.is_regular_file() && e.path().filename() != "gc.lock";
  QCOMPARE(left, 2);  // the samples stay
}

// An import holds the gc lock shared until its version is committed.
void TestGc::importHoldsTheGcLock() {
  using wb::objects::GcLock;
  auto shared = GcLock::acquire(m_ws->objectsDir(), GcLock::Kind::Shared, GcLock::Wait::TryOnce);
  WB_VERIFY_OK(shared);
  auto r = gc(*m_ws, GcMode::Delete);
  QVERIFY(!r);
  QVERIFY2(r.error().text().find("import") != std::string::npos, r.error().text().c_str());
  WB_VERIFY_OK(gc(*m_ws, GcMode::DryRun));  // a preview does not need it
}

namespace {

// Many runs with metrics, then all deleted: returns the database size before the delete.
std::uint64_t fillAndDeleteRuns(const wb::Workspace& ws) {
  auto db = ws.connect();
  if (!db) return 0;
  wb::store::RunRepository runs(**db);
  std::vector<std::string> ids;
  {
    auto writer = wb::store::MetricsWriter::open(ws.dbPath(), {});
    if (!writer) return 0;
    for (int r = 0; r < 40; ++r) {
      auto run = runs.create({});
      if (!run) return 0;
      ids.push_back(run->id);
      for (int step = 0; step < 4000; ++step)
        (*writer)->log(run->id, "train/loss", step, 1.0 / (step + 1));
    }
    if (!(*writer)->close()) return 0;
  }
  (void)(*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const auto before = fs::file_size(ws.dbPath());
  if (!runs.remove(ids)) return 0;
  return before;
}

}  // namespace

void TestGc::dbSpaceReclaimedAfterDeletingRuns() {
  const std::uint64_t before = fillAndDeleteRuns(*m_ws);
  QVERIFY(before > 4'000'000);  // 160k points of 32 bytes
  auto r = gc(*m_ws, GcMode::Delete);
  WB_VERIFY_OK(r);
  QVERIFY(!r->db_needs_vacuum);  // new workspaces use incremental auto-vacuum
  const auto after = fs::file_size(m_ws->dbPath());
  QVERIFY2(after < before / 4, (std::to_string(before) + " -> " + std::to_string(after)).c_str());
}

// Workspaces made before incremental auto-vacuum: gc converts them once with a VACUUM.
void TestGc::olderDatabaseVacuumedOnce() {
  {
    auto db = m_ws->connect();
    WB_VERIFY_OK(db);
    WB_VERIFY_OK((*db)->exec("PRAGMA auto_vacuum=NONE"));
    WB_VERIFY_OK((*db)->exec("VACUUM"));
  }
  const std::uint64_t before = fillAndDeleteRuns(*m_ws);
  QVERIFY(before > 4'000'000);
  QVERIFY(fs::file_size(m_ws->dbPath()) >= before);  // deleting rows alone frees nothing
  auto preview = gc(*m_ws, GcMode::DryRun);
  WB_VERIFY_OK(preview);
  QVERIFY(preview->db_needs_vacuum);
  QVERIFY(preview->db_bytes_after < before / 4);
  auto r = gc(*m_ws, GcMode::Delete);
  WB_VERIFY_OK(r);
  const auto after = fs::file_size(m_ws->dbPath());
  QVERIFY2(after < before / 4, (std::to_string(before) + " -> " + std::to_string(after)).c_str());
  auto again = gc(*m_ws, GcMode::DryRun);
  WB_VERIFY_OK(again);
  QVERIFY(!again->db_needs_vacuum);
}

QTEST_GUILESS_MAIN(TestGc)
#include "tst_gc.moc"
