// Unit tests of the store: schema and migrations, the workspace folder, and RunRepository.
#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "core/common/clock.h"
#include "core/common/process_info.h"
#include "core/store/database.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/store/schema.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using wb::store::Database;
using wb::store::NewRun;
using wb::store::RunFilter;
using wb::store::RunRepository;
using wb::store::RunStatus;

// RunStatus has its own toString() (found by lookup before QTest's): compare the names.
#define WB_COMPARE_STATUS(actual, expected) \
  QCOMPARE(std::string(wb::store::toString(actual)), std::string(wb::store::toString(expected)))

namespace {

fs::path toPath(const QString& dir) { return fs::path(dir.toStdString()); }

// One integer (or -1 when the query fails or returns no row).
std::int64_t scalarInt(Database& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  if (!stmt || !stmt->step()) return -1;
  return stmt->columnInt(0);
}

std::string scalarText(Database& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  if (!stmt || !stmt->step()) return "<no row>";
  return stmt->columnText(0);
}

std::int64_t countRows(Database& db, const std::string& table, const std::string& run_id) {
  auto stmt = db.prepare("SELECT count(*) FROM " + table + " WHERE run_id = ?");
  if (!stmt) return -1;
  stmt->bind(1, run_id);
  if (!stmt->step()) return -1;
  return stmt->columnInt(0);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A pid that certainly belonged to a process which has exited and been reaped.
pid_t deadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

std::string sha256(const std::string& text) {
  return QCryptographicHash::hash(QByteArray::fromStdString(text), QCryptographicHash::Sha256)
      .toHex()
      .toStdString();
}

}  // namespace

class TestStore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void schemaCreation();
  void schemaMigrationsAreOrdered();
  void migrationFromOlderVersion_data();
  void migrationFromOlderVersion();
  void newerSchemaIsRefused();

  void workspaceCreateOpenFindRoot();
  void workspaceErrors();
  void malformedSettingsNamesTheLine_data();
  void malformedSettingsNamesTheLine();
  void workspaceNameRoundTrips_data();
  void workspaceNameRoundTrips();

  void experiments();
  void runCreateAndFind();
  void findByAmbiguousPrefix();
  void findByNameNewestWins();
  void listWithFilters();
  void setStatus();
  void paramsTagsAndNotes();
  void artifacts();
  void removeCascades();
  void removeUnknownRunChangesNothing();
  void reapDeadRuns();

 private:
  // A fresh workspace in its own temporary folder, plus a connection to it.
  struct Fixture {
    QTemporaryDir dir;
    wb::Workspace ws;
    std::unique_ptr<Database> db;
  };
  static std::unique_ptr<Fixture> makeWorkspace();
};

std::unique_ptr<TestStore::Fixture> TestStore::makeWorkspace() {
  auto f = std::make_unique<Fixture>();
  if (!f->dir.isValid()) return nullptr;
  auto ws = wb::Workspace::create(toPath(f->dir.path()));
  if (!ws) return nullptr;
  f->ws = *ws;
  auto db = f->ws.connect();
  if (!db) return nullptr;
  f->db = std::move(*db);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Schema

void TestStore::schemaCreation() {
  auto f = makeWorkspace();
  QVERIFY(f);
  Database& db = *f->db;
  for (const char* table : {"experiments", "runs", "params", "tags", "metric_keys", "metric_chunks",
                            "metric_summaries", "artifacts", "schema_migrations"}) {
    const auto n = scalarInt(db, std::string("SELECT count(*) FROM sqlite_master WHERE "
                                             "type='table' AND name='") +
                                     table + "'");
    QVERIFY2(n == 1, table);
  }
  QCOMPARE(scalarText(db, "PRAGMA journal_mode"), std::string("wal"));
  QCOMPARE(scalarInt(db, "PRAGMA foreign_keys"), std::int64_t(1));
  auto version = wb::store::schemaVersion(db);
  WB_VERIFY_OK(version);
  QCOMPARE(*version, wb::store::latestSchemaVersion());
  QCOMPARE(scalarInt(db, "SELECT max(version) FROM schema_migrations"),
           std::int64_t(wb::store::latestSchemaVersion()));
  QCOMPARE(scalarInt(db, "SELECT count(*) FROM schema_migrations"),
           std::int64_t(wb::store::migrations().size()));

  // Foreign keys are enforced, not just switched on: a run needs its experiment.
  QVERIFY(
      !db.exec("INSERT INTO runs(id, experiment_id, name, status, created_at) "
               "VALUES('x', 12345, 'orphan', 'running', 0)"));
  // The status CHECK constraint holds too.
  QVERIFY(
      !db.exec("INSERT INTO experiments(name, created_at) VALUES('E', 0); "
               "INSERT INTO runs(id, experiment_id, name, status, created_at) "
               "VALUES('y', last_insert_rowid(), 'bad', 'exploded', 0)"));

  // The folder layout, and no leftovers of the create-then-rename of the database.
  QVERIFY(fs::is_directory(f->ws.configsDir()));
  QVERIFY(fs::is_directory(f->ws.objectsDir()));
  QVERIFY(fs::is_directory(f->ws.runsDir()));
  QVERIFY(fs::is_regular_file(f->ws.settingsPath()));
  QVERIFY(fs::is_regular_file(f->ws.dbPath()));
  QVERIFY(!fs::exists(f->ws.dataDir() / "workbench.db.init"));
}

void TestStore::schemaMigrationsAreOrdered() {
  const auto& ms = wb::store::migrations();
  QVERIFY(!ms.empty());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    QCOMPARE(ms[i].version, int(i + 1));
    QVERIFY(!ms[i].description.empty());
  }
  QCOMPARE(wb::store::latestSchemaVersion(), ms.back().version);
}

void TestStore::migrationFromOlderVersion_data() {
  QTest::addColumn<int>("from_version");
  for (int v = 1; v < wb::store::latestSchemaVersion(); ++v) QTest::addRow("from v%d", v) << v;
}

void TestStore::migrationFromOlderVersion() {
  QFETCH(int, from_version);
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path root = toPath(dir.path());
  fs::create_directories(root / ".workbench");
  const fs::path db_path = root / ".workbench" / "workbench.db";
  {
    auto db = Database::open(db_path, wb::store::OpenMode::ReadWriteCreate);
    WB_VERIFY_OK(db);
    WB_VERIFY_OK(wb::store::migrate(**db, from_version));
    auto version = wb::store::schemaVersion(**db);
    WB_VERIFY_OK(version);
    QCOMPARE(*version, from_version);
    if (from_version < 2) {
      // Not yet there: the migration really starts from an old schema.
      QCOMPARE(scalarInt(**db, "SELECT count(*) FROM sqlite_master WHERE name='metric_chunks'"),
               std::int64_t(0));
    }
    WB_VERIFY_OK((*db)->exec(
        "INSERT INTO experiments(id, name, created_at) VALUES(7, 'old-exp', 1000.5);"
        "INSERT INTO runs(id, experiment_id, name, status, created_at, started_at, ended_at, "
        "  host, notes) VALUES('0123456789abcdef0123456789abcdef', 7, 'old-run', 'finished', "
        "  1000.5, 1001, 1002, 'oldhost', 'kept notes');"
        "INSERT INTO params(run_id, key, value) VALUES"
        "  ('0123456789abcdef0123456789abcdef', 'lr', '0.01'),"
        "  ('0123456789abcdef0123456789abcdef', 'model.hidden', '64');"
        "INSERT INTO tags(run_id, key, value) VALUES"
        "  ('0123456789abcdef0123456789abcdef', 'baseline', '');"));
  }

  auto ws = wb::Workspace::open(root);
  WB_VERIFY_OK(ws);
  auto db = ws->connect();
  WB_VERIFY_OK(db);
  auto version = wb::store::schemaVersion(**db);
  WB_VERIFY_OK(version);
  QCOMPARE(*version, wb::store::latestSchemaVersion());
  QCOMPARE(scalarInt(**db, "SELECT count(*) FROM schema_migrations"),
           std::int64_t(wb::store::latestSchemaVersion()));
  QCOMPARE(scalarInt(**db,
                     "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                     "name IN ('metric_chunks','metric_summaries','artifacts')"),
           std::int64_t(3));

  RunRepository repo(**db);
  auto run = repo.find("old-run");
  WB_VERIFY_OK(run);
  QCOMPARE(run->id, std::string("0123456789abcdef0123456789abcdef"));
  QCOMPARE(run->experiment, std::string("old-exp"));
  WB_COMPARE_STATUS(run->status, RunStatus::Finished);
  QCOMPARE(run->created_at, 1000.5);
  QCOMPARE(run->ended_at.value_or(-1), 1002.0);
  QCOMPARE(run->notes, std::string("kept notes"));
  auto params = repo.params(run->id);
  WB_VERIFY_OK(params);
  QCOMPARE(params->size(), std::size_t(2));
  QCOMPARE(params->at("lr"), std::string("0.01"));
  QCOMPARE(params->at("model.hidden"), std::string("64"));
  auto tags = repo.tags(run->id);
  WB_VERIFY_OK(tags);
  QCOMPARE(tags->count("baseline"), std::size_t(1));

  // The tables added by the migrations are usable by the old run.
  {
    auto writer = wb::store::MetricsWriter::open(ws->dbPath());
    WB_VERIFY_OK(writer);
    (*writer)->log(run->id, "loss", 0, 0.5);
    WB_VERIFY_OK((*writer)->close());
  }
  QCOMPARE(countRows(**db, "metric_summaries", run->id), std::int64_t(1));
  WB_VERIFY_OK(repo.addArtifact({run->id, "model.pt", std::string(64, 'a'), 3, 0}));

  // Opening again is a no-op: nothing is re-applied.
  auto again = wb::Workspace::open(root);
  WB_VERIFY_OK(again);
  QCOMPARE(scalarInt(**db, "SELECT count(*) FROM schema_migrations"),
           std::int64_t(wb::store::latestSchemaVersion()));
}

void TestStore::newerSchemaIsRefused() {
  auto f = makeWorkspace();
  QVERIFY(f);
  const int newer = wb::store::latestSchemaVersion() + 1;
  WB_VERIFY_OK(
      f->db->exec("INSERT INTO schema_migrations(version, description, applied_at) "
                  "VALUES(" +
                  std::to_string(newer) + ", 'from the future', 0)"));

  auto ws = wb::Workspace::open(f->ws.root());
  QVERIFY(!ws);
  const std::string text = ws.error().text();
  QVERIFY2(contains(text, "newer Workbench"), text.c_str());
  QVERIFY2(contains(text, "schema version " + std::to_string(newer)), text.c_str());
  QVERIFY2(contains(text, "workbench.db"), text.c_str());  // says which database

  auto direct = wb::store::migrate(*f->db);
  QVERIFY(!direct);
  QVERIFY2(contains(direct.error().text(), "newer"), direct.error().text().c_str());
  // The refusal changed nothing.
  auto version = wb::store::schemaVersion(*f->db);
  WB_VERIFY_OK(version);
  QCOMPARE(*version, newer);
}

// ---------------------------------------------------------------------------------------------
// Workspace

void TestStore::workspaceCreateOpenFindRoot() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path root = fs::canonical(toPath(dir.path())) / "proj";
  QVERIFY(!wb::Workspace::isWorkspace(root));
  QVERIFY(!wb::Workspace::findRoot(toPath(dir.path())));

  auto ws = wb::Workspace::create(root, "My Project");
  WB_VERIFY_OK(ws);
  QCOMPARE(ws->root(), root);
  QCOMPARE(ws->name(), std::string("My Project"));
  QVERIFY(wb::Workspace::isWorkspace(root));

  auto opened = wb::Workspace::open(root);
  WB_VERIFY_OK(opened);
  QCOMPARE(opened->name(), std::string("My Project"));  // read back from workbench.yaml
  QCOMPARE(opened->dbPath(), root / ".workbench" / "workbench.db");

  // Opening through a relative-looking path with dots resolves to the same root.
  auto dotted = wb::Workspace::open(root / "configs" / "..");
  WB_VERIFY_OK(dotted);
  QCOMPARE(dotted->root(), root);

  const fs::path deep = root / "src" / "a" / "b";
  fs::create_directories(deep);
  auto found = wb::Workspace::findRoot(deep);
  QVERIFY(found);
  QCOMPARE(*found, root);
  QCOMPARE(wb::Workspace::findRoot(root).value_or(fs::path()), root);
  QVERIFY(!wb::Workspace::findRoot(root.parent_path()));

  // Without a name the folder's name is used; without workbench.yaml too.
  auto unnamed = wb::Workspace::create(root.parent_path() / "plain");
  WB_VERIFY_OK(unnamed);
  QCOMPARE(unnamed->name(), std::string("plain"));
  fs::remove(unnamed->settingsPath());
  auto reopened = wb::Workspace::open(unnamed->root());
  WB_VERIFY_OK(reopened);
  QCOMPARE(reopened->name(), std::string("plain"));
}

void TestStore::workspaceErrors() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path base = toPath(dir.path());

  auto missing = wb::Workspace::open(base / "does-not-exist");
  QVERIFY(!missing);
  QVERIFY2(contains(missing.error().text(), "no such folder"), missing.error().text().c_str());

  auto plain = wb::Workspace::open(base);
  QVERIFY(!plain);
  QVERIFY2(contains(plain.error().text(), "not a Workbench workspace"),
           plain.error().text().c_str());

  WB_VERIFY_OK(wb::Workspace::create(base / "ws"));
  auto twice = wb::Workspace::create(base / "ws");
  QVERIFY(!twice);
  QVERIFY2(contains(twice.error().text(), "already a workspace"), twice.error().text().c_str());

  { std::ofstream(base / "file.txt") << "x"; }
  auto on_file = wb::Workspace::create(base / "file.txt");
  QVERIFY(!on_file);
  QVERIFY2(contains(on_file.error().text(), "not a folder"), on_file.error().text().c_str());
}

void TestStore::malformedSettingsNamesTheLine_data() {
  QTest::addColumn<QByteArray>("yaml");
  QTest::addColumn<int>("line");
  QTest::newRow("bad indentation") << QByteArray("name: \"ok\"\nformat: 1\n  bad: indent\n") << 3;
  QTest::newRow("nested bad indentation")
      << QByteArray("name: ok\nformat: 1\ndefaults:\n  experiment: A\n   x: y\n") << 5;
  QTest::newRow("tab indentation") << QByteArray("name: ok\n\tformat: 1\n") << 2;
  QTest::newRow("name is not text") << QByteArray("# c\n\nname: {a: 1}\n") << 3;
}

void TestStore::malformedSettingsNamesTheLine() {
  QFETCH(QByteArray, yaml);
  QFETCH(int, line);
  auto f = makeWorkspace();
  QVERIFY(f);
  {
    std::ofstream out(f->ws.settingsPath(), std::ios::trunc);
    out << yaml.toStdString();
  }
  auto ws = wb::Workspace::open(f->ws.root());
  QVERIFY(!ws);
  const std::string text = ws.error().text();
  QVERIFY2(contains(text, "line " + std::to_string(line) + ","), text.c_str());
  QVERIFY2(contains(text, "workbench.yaml"), text.c_str());
}

void TestStore::workspaceNameRoundTrips_data() {
  QTest::addColumn<QString>("name");
  QTest::newRow("plain") << QStringLiteral("My Project");
  QTest::newRow("yaml punctuation") << QStringLiteral("a: b # not a comment, [x] {y}");
  QTest::newRow("unicode") << QStringLiteral("Über-Projekt ✓");
  QTest::newRow("double quote") << QStringLiteral("My \"quoted\" project");
  QTest::newRow("backslash") << QStringLiteral("C:\\files\\new");
}

void TestStore::workspaceNameRoundTrips() {
  QFETCH(QString, name);
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const fs::path root = toPath(dir.path()) / "ws";
  WB_VERIFY_OK(wb::Workspace::create(root, name.toStdString()));
  auto ws = wb::Workspace::open(root);
  const std::string read_back = ws ? ws->name() : "<cannot open: " + ws.error().text() + ">";
  QCOMPARE(read_back, name.toStdString());
}

// ---------------------------------------------------------------------------------------------
// RunRepository

void TestStore::experiments() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  auto a = repo.ensureExperiment("alpha");
  WB_VERIFY_OK(a);
  auto a2 = repo.ensureExperiment("alpha");
  WB_VERIFY_OK(a2);
  QCOMPARE(*a2, *a);
  auto b = repo.ensureExperiment("beta");
  WB_VERIFY_OK(b);
  QVERIFY(*b != *a);
  QVERIFY(!repo.ensureExperiment(""));
  auto all = repo.experiments();
  WB_VERIFY_OK(all);
  QCOMPARE(all->size(), std::size_t(2));
  QCOMPARE(all->at(0).name, std::string("alpha"));
  QCOMPARE(all->at(1).name, std::string("beta"));
}

void TestStore::runCreateAndFind() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  NewRun spec;
  spec.experiment = "mnist";
  spec.name = "first";
  spec.pid = ::getpid();
  spec.config_text = "model: mlp\n";
  spec.params = {{"lr", "0.1"}, {"batch", "32"}};
  spec.tags = {{"baseline", ""}, {"owner", "me"}};
  spec.notes = "hello";
  const double before = wb::unixNow();
  auto run = repo.create(spec);
  WB_VERIFY_OK(run);
  QCOMPARE(run->id.size(), std::size_t(32));
  QVERIFY(run->id.find_first_not_of("0123456789abcdef") == std::string::npos);
  QCOMPARE(run->name, std::string("first"));
  QCOMPARE(run->experiment, std::string("mnist"));
  WB_COMPARE_STATUS(run->status, RunStatus::Running);
  QVERIFY(run->created_at >= before - 1 && run->created_at <= wb::unixNow() + 1);
  QVERIFY(run->started_at.has_value());
  QVERIFY(!run->ended_at.has_value());
  QCOMPARE(run->pid, std::int64_t(::getpid()));
  QCOMPARE(run->pid_start_ticks, wb::processStartTicks(::getpid()));
  QVERIFY(run->pid_start_ticks > 0);
  QCOMPARE(run->host, wb::localHostName());
  QCOMPARE(run->config_text, spec.config_text);
  QCOMPARE(run->config_hash, sha256(spec.config_text));
  QCOMPARE(run->notes, std::string("hello"));
  QVERIFY(run->parent_run_id.empty());

  auto params = repo.params(run->id);
  WB_VERIFY_OK(params);
  QCOMPARE(*params, spec.params);
  auto tags = repo.tags(run->id);
  WB_VERIFY_OK(tags);
  QCOMPARE(*tags, spec.tags);

  // A queued run has not started; a run without a name gets a generated one.
  NewRun queued;
  queued.status = RunStatus::Queued;
  queued.parent_run_id = run->id;
  auto q = repo.create(queued);
  WB_VERIFY_OK(q);
  WB_COMPARE_STATUS(q->status, RunStatus::Queued);
  QVERIFY(!q->started_at.has_value());
  QVERIFY(!q->name.empty());
  QCOMPARE(q->experiment, std::string("Default"));
  QCOMPARE(q->parent_run_id, run->id);
  QCOMPARE(q->pid, std::int64_t(0));
  QVERIFY(q->config_hash.empty());

  // A parent that does not exist is refused (foreign key), and nothing is left behind.
  NewRun orphan;
  orphan.name = "orphan";
  orphan.parent_run_id = std::string(32, 'f');
  QVERIFY(!repo.create(orphan));
  QVERIFY(!repo.find("orphan"));

  // find: full id, a unique prefix (>= 4 characters), the name.
  auto by_id = repo.find(run->id);
  WB_VERIFY_OK(by_id);
  QCOMPARE(by_id->name, std::string("first"));
  auto by_prefix = repo.find(run->id.substr(0, 8));
  WB_VERIFY_OK(by_prefix);
  QCOMPARE(by_prefix->id, run->id);
  auto by_short_prefix = repo.find(run->id.substr(0, 4));
  if (run->id.substr(0, 4) != q->id.substr(0, 4)) {
    WB_VERIFY_OK(by_short_prefix);
    QCOMPARE(by_short_prefix->id, run->id);
  }
  QVERIFY(!repo.find(run->id.substr(0, 3)));  // too short to be a prefix
  auto by_name = repo.find("first");
  WB_VERIFY_OK(by_name);
  QCOMPARE(by_name->id, run->id);
  auto by_generated_name = repo.find(q->name);
  WB_VERIFY_OK(by_generated_name);
  QCOMPARE(by_generated_name->id, q->id);

  auto unknown = repo.find("no-such-run");
  QVERIFY(!unknown);
  QVERIFY2(contains(unknown.error().text(), "no such run"), unknown.error().text().c_str());
  QVERIFY(!repo.find(""));
}

void TestStore::findByAmbiguousPrefix() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  auto exp = repo.ensureExperiment("Default");
  WB_VERIFY_OK(exp);
  const std::string a = "abcd0000000000000000000000000000";
  const std::string b = "abcd1111111111111111111111111111";
  for (const auto& id : {a, b}) {
    auto ins = f->db->prepare(
        "INSERT INTO runs(id, experiment_id, name, status, created_at) VALUES(?, ?, ?, "
        "'finished', 1)");
    WB_VERIFY_OK(ins);
    WB_VERIFY_OK(ins->bind(1, id).bind(2, *exp).bind(3, "run-" + id.substr(4, 1)).run());
  }
  auto ambiguous = repo.find("abcd");
  QVERIFY(!ambiguous);
  QVERIFY2(contains(ambiguous.error().text(), "ambiguous"), ambiguous.error().text().c_str());
  auto first = repo.find("abcd0");
  WB_VERIFY_OK(first);
  QCOMPARE(first->id, a);
  auto second = repo.find("abcd1");
  WB_VERIFY_OK(second);
  QCOMPARE(second->id, b);
  QVERIFY(!repo.find("abcd2"));
  QVERIFY(!repo.find("abce"));
}

void TestStore::findByNameNewestWins() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  NewRun spec;
  spec.name = "same";
  auto older = repo.create(spec);
  WB_VERIFY_OK(older);
  auto newer = repo.create(spec);
  WB_VERIFY_OK(newer);
  // Make the order unmistakable whatever the clock resolution.
  WB_VERIFY_OK(f->db->exec("UPDATE runs SET created_at = 100 WHERE id = '" + older->id + "'"));
  WB_VERIFY_OK(f->db->exec("UPDATE runs SET created_at = 200 WHERE id = '" + newer->id + "'"));
  auto found = repo.find("same");
  WB_VERIFY_OK(found);
  QCOMPARE(found->id, newer->id);
  WB_VERIFY_OK(f->db->exec("UPDATE runs SET created_at = 300 WHERE id = '" + older->id + "'"));
  found = repo.find("same");
  WB_VERIFY_OK(found);
  QCOMPARE(found->id, older->id);
}

void TestStore::listWithFilters() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  std::vector<std::string> ids;
  auto make = [&](const std::string& exp, const std::string& name, RunStatus status,
                  const std::string& parent) -> std::string {
    NewRun spec;
    spec.experiment = exp;
    spec.name = name;
    spec.status = status;
    spec.parent_run_id = parent;
    auto r = repo.create(spec);
    return r ? r->id : std::string();
  };
  const auto a1 = make("A", "a1", RunStatus::Running, "");
  const auto a2 = make("A", "a2", RunStatus::Finished, a1);
  const auto a3 = make("A", "a3", RunStatus::Finished, a1);
  const auto b1 = make("B", "b1", RunStatus::Failed, "");
  const auto b2 = make("B", "b2", RunStatus::Queued, "");
  for (const auto& id : {a1, a2, a3, b1, b2}) QVERIFY(!id.empty());
  // Distinct creation times: newest first is then a strict order.
  int t = 1000;
  for (const auto& id : {a1, a2, a3, b1, b2})
    WB_VERIFY_OK(f->db->exec("UPDATE runs SET created_at = " + std::to_string(t++) +
                             " WHERE id = '" + id + "'"));

  auto idsOf = [](const std::vector<wb::store::Run>& runs) {
    std::vector<std::string> out;
    for (const auto& r : runs) out.push_back(r.id);
    return out;
  };
  auto all = repo.list();
  WB_VERIFY_OK(all);
  QCOMPARE(idsOf(*all), (std::vector<std::string>{b2, b1, a3, a2, a1}));

  RunFilter by_exp;
  by_exp.experiment = "A";
  auto a = repo.list(by_exp);
  WB_VERIFY_OK(a);
  QCOMPARE(idsOf(*a), (std::vector<std::string>{a3, a2, a1}));

  RunFilter by_status;
  by_status.status = RunStatus::Finished;
  auto fin = repo.list(by_status);
  WB_VERIFY_OK(fin);
  QCOMPARE(idsOf(*fin), (std::vector<std::string>{a3, a2}));

  RunFilter by_parent;
  by_parent.parent_run_id = a1;
  auto children = repo.list(by_parent);
  WB_VERIFY_OK(children);
  QCOMPARE(idsOf(*children), (std::vector<std::string>{a3, a2}));

  RunFilter combined;
  combined.experiment = "B";
  combined.status = RunStatus::Failed;
  auto bf = repo.list(combined);
  WB_VERIFY_OK(bf);
  QCOMPARE(idsOf(*bf), (std::vector<std::string>{b1}));

  RunFilter limited;
  limited.limit = 2;
  auto two = repo.list(limited);
  WB_VERIFY_OK(two);
  QCOMPARE(idsOf(*two), (std::vector<std::string>{b2, b1}));
  limited.limit = 0;
  auto none = repo.list(limited);
  WB_VERIFY_OK(none);
  QVERIFY(none->empty());

  RunFilter nothing;
  nothing.experiment = "no-such-experiment";
  auto empty = repo.list(nothing);
  WB_VERIFY_OK(empty);
  QVERIFY(empty->empty());
}

void TestStore::setStatus() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  NewRun spec;
  spec.status = RunStatus::Queued;
  auto run = repo.create(spec);
  WB_VERIFY_OK(run);
  QVERIFY(!run->started_at);

  WB_VERIFY_OK(repo.setStatus(run->id, RunStatus::Running));
  auto r = repo.find(run->id);
  WB_VERIFY_OK(r);
  WB_COMPARE_STATUS(r->status, RunStatus::Running);
  QVERIFY(r->started_at.has_value());
  QVERIFY(!r->ended_at.has_value());
  const double started = *r->started_at;

  WB_VERIFY_OK(repo.setStatus(run->id, RunStatus::Failed, "out of memory"));
  r = repo.find(run->id);
  WB_VERIFY_OK(r);
  WB_COMPARE_STATUS(r->status, RunStatus::Failed);
  QCOMPARE(r->status_message, std::string("out of memory"));
  QVERIFY(r->ended_at.has_value());
  QVERIFY(*r->ended_at >= started);
  QCOMPARE(r->started_at.value_or(-1), started);  // a later status keeps the start time
  QVERIFY(r->durationSeconds(wb::unixNow() + 1000).value_or(-1) < 100);

  // Running again (a resume) clears the end time and keeps the first start.
  WB_VERIFY_OK(repo.setStatus(run->id, RunStatus::Running));
  r = repo.find(run->id);
  WB_VERIFY_OK(r);
  QVERIFY(!r->ended_at.has_value());
  QCOMPARE(r->started_at.value_or(-1), started);
  QVERIFY(r->status_message.empty());

  for (auto s : {RunStatus::Finished, RunStatus::Killed}) {
    WB_VERIFY_OK(repo.setStatus(run->id, s));
    r = repo.find(run->id);
    WB_VERIFY_OK(r);
    WB_COMPARE_STATUS(r->status, s);
    QVERIFY(r->ended_at.has_value());
  }

  QVERIFY(!repo.setStatus(run->id, RunStatus::Unknown));
  auto unknown_run = repo.setStatus("no-such-run", RunStatus::Finished);
  QVERIFY(!unknown_run);
  QVERIFY2(contains(unknown_run.error().text(), "no such run"), unknown_run.error().text().c_str());
}

void TestStore::paramsTagsAndNotes() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  auto run = repo.create({});
  WB_VERIFY_OK(run);
  auto other = repo.create({});
  WB_VERIFY_OK(other);

  WB_VERIFY_OK(repo.setParams(run->id, {{"lr", "0.1"}, {"epochs", "10"}}));
  WB_VERIFY_OK(repo.setParams(run->id, {{"lr", "0.05"}, {"seed", "7"}}));  // upsert
  WB_VERIFY_OK(repo.setParams(other->id, {{"lr", "1"}}));
  auto params = repo.params(run->id);
  WB_VERIFY_OK(params);
  QCOMPARE(*params, (wb::store::ParamMap{{"epochs", "10"}, {"lr", "0.05"}, {"seed", "7"}}));
  QVERIFY(!repo.setParams(run->id, {{"", "x"}}));
  params = repo.params(run->id);
  WB_VERIFY_OK(params);
  QCOMPARE(params->size(), std::size_t(3));  // the failed call wrote nothing
  QVERIFY(!repo.setParams("no-such-run", {{"a", "b"}}));

  auto all_params = repo.allParams();
  WB_VERIFY_OK(all_params);
  QCOMPARE(all_params->size(), std::size_t(2));
  QCOMPARE(all_params->at(other->id), (wb::store::ParamMap{{"lr", "1"}}));
  QCOMPARE(all_params->at(run->id).at("seed"), std::string("7"));

  WB_VERIFY_OK(repo.setTags(run->id, {{"a", "1"}, {"b", ""}, {"c", "x"}}));
  WB_VERIFY_OK(repo.setTags(run->id, {{"a", "2"}}));
  WB_VERIFY_OK(repo.removeTags(run->id, {"b", "not-there"}));
  auto tags = repo.tags(run->id);
  WB_VERIFY_OK(tags);
  QCOMPARE(*tags, (wb::store::ParamMap{{"a", "2"}, {"c", "x"}}));
  QVERIFY(!repo.setTags("no-such-run", {{"a", ""}}));
  QVERIFY(!repo.removeTags("no-such-run", {"a"}));
  WB_VERIFY_OK(repo.setTags(other->id, {{"z", ""}}));
  auto all_tags = repo.allTags();
  WB_VERIFY_OK(all_tags);
  QCOMPARE(all_tags->at(run->id), *tags);
  QCOMPARE(all_tags->at(other->id), (wb::store::ParamMap{{"z", ""}}));

  WB_VERIFY_OK(repo.setNotes(run->id, "line one\nline two ✓"));
  auto r = repo.find(run->id);
  WB_VERIFY_OK(r);
  QCOMPARE(r->notes, std::string("line one\nline two ✓"));
  QVERIFY(!repo.setNotes("no-such-run", "x"));
}

void TestStore::artifacts() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  auto run = repo.create({});
  WB_VERIFY_OK(run);
  const std::string id1(64, '1'), id2(64, '2');
  WB_VERIFY_OK(repo.addArtifact({run->id, "model/last.pt", id1, 100, 0}));
  WB_VERIFY_OK(repo.addArtifact({run->id, "config.yaml", id2, 20, 1234.5}));
  WB_VERIFY_OK(repo.addArtifact({run->id, "model/last.pt", id2, 20, 0}));  // replaces
  auto arts = repo.artifacts(run->id);
  WB_VERIFY_OK(arts);
  QCOMPARE(arts->size(), std::size_t(2));
  QCOMPARE(arts->at(0).path, std::string("config.yaml"));
  QCOMPARE(arts->at(0).created_at, 1234.5);
  QCOMPARE(arts->at(1).path, std::string("model/last.pt"));
  QCOMPARE(arts->at(1).object_id, id2);
  QCOMPARE(arts->at(1).size_bytes, std::int64_t(20));
  QVERIFY(arts->at(1).created_at > 0);  // 0 means "now"
  QVERIFY(!repo.addArtifact({"no-such-run", "x", id1, 1, 0}));
}

void TestStore::removeCascades() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  NewRun spec;
  spec.params = {{"lr", "0.1"}};
  spec.tags = {{"t", "v"}};
  auto run = repo.create(spec);
  WB_VERIFY_OK(run);
  NewRun child_spec = spec;
  child_spec.parent_run_id = run->id;
  auto child = repo.create(child_spec);
  WB_VERIFY_OK(child);
  auto keep = repo.create(spec);
  WB_VERIFY_OK(keep);
  {
    auto writer = wb::store::MetricsWriter::open(f->ws.dbPath());
    WB_VERIFY_OK(writer);
    for (const auto* r : {&*run, &*child, &*keep})
      for (int i = 0; i < 1500; ++i) (*writer)->log(r->id, "loss", i, 1.0 / (i + 1));
    WB_VERIFY_OK((*writer)->close());
  }
  for (const auto* r : {&*run, &*child, &*keep})
    WB_VERIFY_OK(repo.addArtifact({r->id, "w.pt", std::string(64, 'a'), 1, 0}));

  const char* owned[] = {"params", "tags", "metric_chunks", "metric_summaries", "artifacts"};
  for (const char* table : owned) {
    QVERIFY2(countRows(*f->db, table, run->id) > 0, table);
    QVERIFY2(countRows(*f->db, table, child->id) > 0, table);
  }
  QCOMPARE(countRows(*f->db, "metric_chunks", run->id), std::int64_t(2));

  WB_VERIFY_OK(repo.remove({run->id}));
  QVERIFY(!repo.find(run->id));
  QVERIFY(!repo.find(child->id));  // children of a deleted run go with it
  for (const char* table : owned) {
    QVERIFY2(countRows(*f->db, table, run->id) == 0, table);
    QVERIFY2(countRows(*f->db, table, child->id) == 0, table);
  }
  // The other run keeps everything.
  WB_VERIFY_OK(repo.find(keep->id));
  for (const char* table : owned) QVERIFY2(countRows(*f->db, table, keep->id) > 0, table);
  QCOMPARE(scalarInt(*f->db, "PRAGMA foreign_key_check"), std::int64_t(-1));  // no violations
}

void TestStore::removeUnknownRunChangesNothing() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  auto a = repo.create({});
  WB_VERIFY_OK(a);
  auto st = repo.remove({a->id, "no-such-run"});
  QVERIFY(!st);
  QVERIFY2(contains(st.error().text(), "no-such-run"), st.error().text().c_str());
  WB_VERIFY_OK(repo.find(a->id));  // all or nothing
}

void TestStore::reapDeadRuns() {
  auto f = makeWorkspace();
  QVERIFY(f);
  RunRepository repo(*f->db);
  auto create = [&](const std::string& name, std::int64_t pid) {
    NewRun spec;
    spec.name = name;
    spec.pid = pid;
    auto r = repo.create(spec);
    return r ? r->id : std::string();
  };
  const pid_t dead = deadPid();
  QVERIFY(dead > 0);
  const auto dead_run = create("dead", dead);
  const auto live_run = create("live", ::getpid());
  const auto reused_run = create("reused", ::getpid());
  const auto remote_stale = create("remote-stale", 0);
  const auto remote_fresh = create("remote-fresh", 0);
  const auto no_pid_local = create("no-pid-local", 0);
  const auto finished_dead = create("finished-dead", dead);
  for (const auto& id :
       {dead_run, live_run, reused_run, remote_stale, remote_fresh, no_pid_local, finished_dead})
    QVERIFY(!id.empty());
  WB_VERIFY_OK(repo.setStatus(finished_dead, RunStatus::Finished));
  // Same pid as a live process but another start time: the pid was reused after the run died.
  WB_VERIFY_OK(f->db->exec("UPDATE runs SET pid_start_ticks = pid_start_ticks + 1 WHERE id = '" +
                           reused_run + "'"));
  // Whole seconds: std::to_string(double) writes a comma under LC_ALL=de_DE.UTF-8.
  const double now = wb::unixNow();
  WB_VERIFY_OK(f->db->exec("UPDATE runs SET host = 'elsewhere.invalid', heartbeat_at = " +
                           std::to_string(static_cast<long long>(now) - 1000) + " WHERE id = '" + remote_stale + "'"));
  WB_VERIFY_OK(f->db->exec("UPDATE runs SET host = 'elsewhere.invalid', heartbeat_at = " +
                           std::to_string(static_cast<long long>(now)) + " WHERE id = '" + remote_fresh + "'"));

  auto marked = repo.reapDeadRuns();
  WB_VERIFY_OK(marked);
  QCOMPARE(*marked, 3);

  auto statusOf = [&](const std::string& id) {
    auto r = repo.find(id);
    return r ? r->status : RunStatus::Unknown;
  };
  WB_COMPARE_STATUS(statusOf(dead_run), RunStatus::Killed);
  WB_COMPARE_STATUS(statusOf(reused_run), RunStatus::Killed);
  WB_COMPARE_STATUS(statusOf(remote_stale), RunStatus::Killed);
  WB_COMPARE_STATUS(statusOf(live_run), RunStatus::Running);
  WB_COMPARE_STATUS(statusOf(remote_fresh), RunStatus::Running);
  WB_COMPARE_STATUS(statusOf(no_pid_local),
                    RunStatus::Running);  // fresh heartbeat, no pid to check
  WB_COMPARE_STATUS(statusOf(finished_dead), RunStatus::Finished);

  auto d = repo.find(dead_run);
  WB_VERIFY_OK(d);
  QVERIFY2(contains(d->status_message, "process " + std::to_string(dead)),
           d->status_message.c_str());
  QVERIFY(d->ended_at.has_value());
  auto s = repo.find(remote_stale);
  WB_VERIFY_OK(s);
  QVERIFY2(contains(s->status_message, "no heartbeat from elsewhere.invalid"),
           s->status_message.c_str());
  QCOMPARE(s->ended_at.value_or(-1), s->heartbeat_at.value_or(-2));  // ends at the last sign

  // Idempotent: a second pass finds nothing new.
  auto again = repo.reapDeadRuns();
  WB_VERIFY_OK(again);
  QCOMPARE(*again, 0);
}

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
