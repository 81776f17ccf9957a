// Workspaces and files from someone else: nothing in a manifest, a database or an input file
// may make Workbench read or write outside where it should, run schema code, or exhaust
// memory. Each test names the review finding it pins.
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>
#include <zlib.h>

#include "core/common/clock.h"
#include "core/data/dataset.h"
#include "core/data/dataset_repository.h"
#include "core/data/importer.h"
#include "core/data/table_parse.h"
#include "core/data/versioning.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using wb::data::Manifest;
using wb::objects::ObjectStore;

namespace {

const std::string kGoodHash(64, 'a');

// A one-sample manifest as an attacker would write it.
std::string manifestJson(const std::string& kind, const std::string& key, const std::string& hash) {
  const std::string row = kind == "images" ? R"(["KEY","HASH","cat",0,10,8,8,1])"
                                           : R"(["KEY","HASH","1",0,10,["1.5","1"]])";
  std::string json = R"({"format":1,"kind":")" + kind +
                     R"(","task":"classification","storage":"objects","classes":["cat"],"samples":[)" +
                     row + R"(],"problems":[]})";
  json.replace(json.find("KEY"), 3, key);
  json.replace(json.find("HASH"), 4, hash);
  return json;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

class TestUntrusted : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void manifestHashMustBeSha256_data();
  void manifestHashMustBeSha256();
  void manifestImageKeyMustBeSafe_data();
  void manifestImageKeyMustBeSafe();
  void craftedVersionNeverReadsOutsideTheStore();
  void objectStoreRefusesNonIds();
  void databaseIsDefensive();
  void gzipBombRefused();
  void oversizedTableRefused();
};

// Finding: a manifest hash like ../../etc/passwd became a path under objects/.
void TestUntrusted::manifestHashMustBeSha256_data() {
  QTest::addColumn<QString>("kind");
  QTest::addColumn<QString>("hash");
  QTest::addColumn<bool>("ok");
  QTest::addRow("valid image") << "images" << QString::fromStdString(kGoodHash) << true;
  QTest::addRow("valid row") << "tabular" << QString::fromStdString(kGoodHash) << true;
  QTest::addRow("traversal") << "images" << "../../etc/passwd" << false;
  QTest::addRow("absolute tail") << "images" << "ab/etc/passwd" << false;
  QTest::addRow("uppercase") << "images" << QString::fromStdString(std::string(64, 'A')) << false;
  QTest::addRow("short") << "tabular" << "abc" << false;
  QTest::addRow("65 chars") << "images" << QString::fromStdString(std::string(65, 'a')) << false;
  QTest::addRow("empty") << "tabular" << "" << false;
}

void TestUntrusted::manifestHashMustBeSha256() {
  QFETCH(QString, kind);
  QFETCH(QString, hash);
  QFETCH(bool, ok);
  auto m = Manifest::fromJson(manifestJson(kind.toStdString(), "cat/a.png", hash.toStdString()));
  QCOMPARE(m.ok(), ok);
  if (!ok) QVERIFY2(contains(m.error().text(), "SHA-256"), m.error().text().c_str());
}

// Finding: image keys with .. or an absolute path became paths at checkout and in-place reads.
void TestUntrusted::manifestImageKeyMustBeSafe_data() {
  QTest::addColumn<QString>("key");
  QTest::addColumn<bool>("ok");
  QTest::addRow("class/file") << "cat/a.png" << true;
  QTest::addRow("dots in a name") << "cat/a..b.png" << true;
  QTest::addRow("dot-dot prefix in a name") << "..cat/a.png" << true;
  QTest::addRow("parent") << "../a.png" << false;
  QTest::addRow("nested parent") << "cat/../../a.png" << false;
  QTest::addRow("trailing parent") << "cat/.." << false;
  QTest::addRow("absolute") << "/etc/passwd" << false;
  QTest::addRow("empty") << "" << false;
}

void TestUntrusted::manifestImageKeyMustBeSafe() {
  QFETCH(QString, key);
  QFETCH(bool, ok);
  auto m = Manifest::fromJson(manifestJson("images", key.toStdString(), kGoodHash));
  QCOMPARE(m.ok(), ok);
  if (!ok) QVERIFY2(contains(m.error().text(), "unsafe sample key"), m.error().text().c_str());
  QCOMPARE(wb::data::isSafeSampleKey(key.toStdString()), ok);
  // Table rows are never paths: their keys are data.
  QVERIFY(Manifest::fromJson(manifestJson("tabular", key.toStdString(), kGoodHash)).ok());
}

// A crafted version in a shared workspace: its sample "hash" points at a file outside the
// store. Loading it must fail; checkout and verify must not read the file.
void TestUntrusted::craftedVersionNeverReadsOutsideTheStore() {
  QTemporaryDir dir;
  const fs::path root(dir.path().toStdString());
  auto ws = wb::Workspace::create(root / "ws");
  WB_VERIFY_OK(ws);
  const fs::path secret = root / "secret.txt";
  std::ofstream(secret) << "private";
  const std::string manifest = manifestJson("images", "cat/a.png", "ab" + secret.string());
  auto manifest_id = ObjectStore(ws->objectsDir()).put(manifest);
  WB_VERIFY_OK(manifest_id);
  auto db = ws->connect();
  WB_VERIFY_OK(db);
  wb::data::NewDatasetVersion v;
  v.dataset = "crafted";
  v.kind = wb::data::DatasetKind::Images;
  v.manifest_id = *manifest_id;
  auto version = wb::data::DatasetRepository(**db).addVersion(v);
  WB_VERIFY_OK(version);

  auto loaded = wb::data::loadManifest(*ws, *version);
  QVERIFY(!loaded);
  QVERIFY2(contains(loaded.error().text(), "SHA-256"), loaded.error().text().c_str());
  auto checkout = wb::data::checkoutVersion(*ws, *version, root / "out", {});
  QVERIFY(!checkout);
  QVERIFY(!fs::exists(root / "out"));
  auto verify = wb::data::verifyVersion(*ws, *version, 1, {});
  WB_VERIFY_OK(verify);
  QCOMPARE(verify->problems.size(), std::size_t(1));  // the manifest, named as unreadable
}

// Finding: ObjectStore turned any string into a path; only 64 lowercase hex may pass.
void TestUntrusted::objectStoreRefusesNonIds() {
  QTemporaryDir dir;
  ObjectStore store(fs::path(dir.path().toStdString()) / "objects");
  const fs::path outside = fs::path(dir.path().toStdString()) / "outside";
  std::ofstream(outside) << "x";
  for (const std::string& id : {std::string("../../etc/passwd"), "ab" + outside.string(),
                               std::string(64, 'A'), std::string()}) {
    QVERIFY2(store.pathOf(id).empty(), id.c_str());
    QVERIFY(!store.exists(id));
    QVERIFY(!store.read(id));
    QVERIFY(!store.size(id));
    QVERIFY(!store.verify(id));
    QVERIFY(!store.putHashed(id, "x", 1));
  }
  QVERIFY(fs::exists(outside));
}

// Finding: databases were opened without SQLite's defensive settings, so a crafted schema
// (triggers, views calling functions) ran with full trust and writable_schema could corrupt.
void TestUntrusted::databaseIsDefensive() {
  QTemporaryDir dir;
  auto db = wb::store::Database::open(fs::path(dir.path().toStdString()) / "x.db",
                                      wb::store::OpenMode::ReadWriteCreate);
  WB_VERIFY_OK(db);
  int defensive = -1, trusted = -1;
  sqlite3_db_config((*db)->handle(), SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
  sqlite3_db_config((*db)->handle(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, -1, &trusted);
  QCOMPARE(defensive, 1);
  QCOMPARE(trusted, 0);
  auto pragma = (*db)->prepare("PRAGMA trusted_schema");
  WB_VERIFY_OK(pragma);
  QVERIFY(pragma->step());
  QCOMPARE(pragma->columnInt(0), std::int64_t(0));
  WB_VERIFY_OK((*db)->exec("CREATE TABLE t(x)"));
  WB_VERIFY_OK((*db)->exec("PRAGMA writable_schema=ON"));
  QVERIFY(!(*db)->exec("UPDATE sqlite_master SET sql='CREATE TABLE t(y)' WHERE name='t'"));
}

// Finding: the MNIST .gz path inflated without bound: a 100 KB file filled memory.
void TestUntrusted::gzipBombRefused() {
  QTemporaryDir dir;
  const fs::path root(dir.path().toStdString());
  auto ws = wb::Workspace::create(root / "ws");
  WB_VERIFY_OK(ws);
  const fs::path bomb = root / "train-images-idx3-ubyte.gz";
  {
    gzFile f = gzopen(bomb.c_str(), "wb9");
    QVERIFY(f != nullptr);
    const std::string zeros(1 << 20, '\0');
    for (int i = 0; i < 96; ++i)
      QCOMPARE(gzwrite(f, zeros.data(), static_cast<unsigned>(zeros.size())), int(zeros.size()));
    gzclose(f);
  }
  QVERIFY(fs::file_size(bomb) < 1'000'000);
  wb::data::ImportOptions o;
  o.dataset = "bomb";
  o.format = wb::data::SourceFormat::Mnist;
  o.source = bomb;
  o.labels = bomb;
  auto r = wb::data::importDataset(*ws, o, {});
  QVERIFY(!r);
  QVERIFY2(contains(r.error().text(), "gzip bomb"), r.error().text().c_str());
  QVERIFY2(contains(r.error().text(), bomb.string()), r.error().text().c_str());
}

// Finding: CSV and JSON Lines files were read whole whatever their size.
void TestUntrusted::oversizedTableRefused() {
  QTemporaryDir dir;
  const fs::path root(dir.path().toStdString());
  for (const char* name : {"huge.csv", "huge.jsonl"}) {
    const fs::path file = root / name;
    std::ofstream(file) << "a,b\n1,2\n";
    fs::resize_file(file, (std::uintmax_t(1) << 30) + 1);  // sparse: no disk used
    auto t = std::string(name).ends_with(".csv") ? wb::data::readDelimitedFile(file, {})
                                                 : wb::data::readJsonLinesFile(file);
    QVERIFY(!t);
    QVERIFY2(contains(t.error().text(), file.string()), t.error().text().c_str());
    QVERIFY2(contains(t.error().text(), "1 GiB"), t.error().text().c_str());
  }
}

QTEST_GUILESS_MAIN(TestUntrusted)
#include "tst_untrusted.moc"
