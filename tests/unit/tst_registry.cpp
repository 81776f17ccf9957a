// Unit tests of the model registry's database core (core/registry/registry.h, model_ref.h) on
// real workspaces: numbering, tags, aliases and their audit log, every reference form, quality
// gates, archive, delete with reclaim, and gc / checkpoint release keeping bundle objects.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/common/clock.h"
#include "core/objects/gc.h"
#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/train/checkpoint_store.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using wb::registry::AliasEvent;
using wb::registry::ModelRef;
using wb::registry::ModelVersion;
using wb::registry::NewVersion;
using wb::registry::PromoteRequest;

namespace {

std::string versionText(const std::optional<int>& v) { return v ? std::to_string(*v) : "-"; }

// "production: 1 -> 2 (reason; actor)": one line per event, compared exactly.
std::string eventText(const AliasEvent& e) {
  return e.alias + ": " + versionText(e.from_version) + " -> " + versionText(e.to_version) +
         " (" + e.reason + "; " + e.actor + ")";
}

std::string errorOf(const wb::Status& st) { return st ? std::string("(no error)") : st.error().text(); }
template <class T>
std::string errorOf(const wb::Result<T>& r) {
  return r ? std::string("(no error)") : r.error().text();
}

void ageAll(const fs::path& root, double seconds) {
  const double t = wb::unixNow() - seconds;
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(t);
  times[0].tv_nsec = times[1].tv_nsec = 0;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() != "gc.lock")
      QVERIFY(::utimensat(AT_FDCWD, e.path().c_str(), times, 0) == 0);
}

}  // namespace

class TestRegistry : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init();
  void cleanup();

  void referencesParse_data();
  void referencesParse();
  void badReferencesRefused_data();
  void badReferencesRefused();
  void numbersStartAtOneAndAreNeverReused();
  void registrationRecordsEverything();
  void failedBundleRegistersNothing();
  void tagsDescriptionAndExports();
  void aliasRoundTripsAndAudit();
  void everyReferenceFormResolves();
  void badReferencesExplainWhatIsMissing();
  void gatePasses();
  void gateFailsAndChangesNothing();
  void gateBetterThan();
  void gateBetterThanLossIsLowerBetter();
  void gateBetterThanWithoutTargetAlias();
  void gateDryRunMovesNothing();
  void gateReadsParamsTagsAndFields();
  void gateRefusesBadInput();
  void gateRefusesWhenTargetMovedMeanwhile();
  void archivedVersionsAreSkippedByLatest();
  void deleteRefusedWhileAliased();
  void deleteReclaimsOnlyUnsharedBundles();
  void gcKeepsBundleObjects();
  void checkpointReleaseKeepsBundleObjects();
  void thousandVersionsListInConstantQueries();
  void changeStampMovesWithEveryRegistryChange();

 private:
  wb::Result<ModelVersion> add(const std::string& name, double accuracy,
                               const std::string& alias = {}, const std::string& bytes = {});

  std::unique_ptr<QTemporaryDir> m_dir;
  std::optional<wb::Workspace> m_ws;
  std::unique_ptr<wb::store::Database> m_db;
  std::unique_ptr<wb::objects::ObjectStore> m_objects;
  std::unique_ptr<wb::registry::ModelRegistry> m_reg;
};

void TestRegistry::init() {
  m_dir = std::make_unique<QTemporaryDir>();
  QVERIFY(m_dir->isValid());
  auto ws = wb::Workspace::create(fs::path(m_dir->path().toStdString()) / "ws");
  WB_VERIFY_OK(ws);
  m_ws = *ws;
  auto db = m_ws->connect();
  WB_VERIFY_OK(db);
  m_db = std::move(*db);
  m_objects = std::make_unique<wb::objects::ObjectStore>(m_ws->objectsDir());
  m_reg = std::make_unique<wb::registry::ModelRegistry>(*m_db, *m_objects);
}

void TestRegistry::cleanup() {
  m_reg.reset();
  m_objects.reset();
  m_db.reset();
  m_ws.reset();
  m_dir.reset();
}

// Registers a version whose bundle is BYTES (default: distinct bytes naming the version).
wb::Result<ModelVersion> TestRegistry::add(const std::string& name, double accuracy,
                                           const std::string& alias, const std::string& bytes) {
  NewVersion nv;
  nv.name = name;
  nv.model_type = "mlp";
  nv.run_id = "run-" + name;
  nv.checkpoint = "checkpoints/best.pt";
  nv.dataset = "iris@1";
  nv.config_hash = "abc123";
  nv.metrics = {{"test/accuracy", {{"last", accuracy}}},
                {"val/loss", {{"last", 1 - accuracy}, {"min", 0.5 - accuracy / 2}, {"max", 2.0}}}};
  nv.lineage = {{"params", {{"model", {{"hidden", 64}}}, {"optim", {{"lr", 0.01}}}}}};
  nv.signature = {{"input", {{"kind", "tabular"}, {"shape", {4}}}}};
  nv.tags = {{"owner", "ana"}};
  nv.alias = alias;
  nv.actor = "test";
  return m_reg->registerVersion(nv, [bytes](const std::string& n, int v) -> wb::Result<std::string> {
    return bytes.empty() ? "bundle of " + n + "/" + std::to_string(v) : bytes;
  });
}

// The GUI's watcher skips allVersions() while this stays the same: every kind of registry
// change must move it, and other tables' commits must not.
void TestRegistry::changeStampMovesWithEveryRegistryChange() {
  std::set<std::string> seen;
  auto fresh = [&]() -> bool {
    auto stamp = m_reg->changeStamp();
    return stamp && seen.insert(*stamp).second;
  };
  QVERIFY(fresh());  // empty registry
  WB_VERIFY_OK(add("iris", 0.9));
  QVERIFY(fresh());
  WB_VERIFY_OK(add("iris", 0.95));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->setAlias("iris", "production", 1, "", "test"));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->setAlias("iris", "production", 2, "", "test"));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->setTag("iris", 1, "stage", "qa"));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->removeTag("iris", 1, "stage"));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->setDescription("iris", 1, "tuned"));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->recordExport("iris", 1, "onnx", {{"opset", 13}}));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->setArchived("iris", 1, true));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->removeAlias("iris", "production", "", "test"));
  QVERIFY(fresh());
  WB_VERIFY_OK(m_reg->deleteVersion("iris", 1, "test"));
  QVERIFY(fresh());
  // A run and its metrics: not the registry's business.
  const auto before = m_reg->changeStamp();
  WB_VERIFY_OK(before);
  WB_VERIFY_OK(m_db->exec("INSERT INTO experiments(name, created_at) VALUES('other', 0)"));
  const auto after = m_reg->changeStamp();
  WB_VERIFY_OK(after);
  QCOMPARE(*after, *before);
}

void TestRegistry::referencesParse_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<int>("kind");
  QTest::addColumn<QString>("name");
  QTest::addColumn<int>("version");
  QTest::addColumn<QString>("alias");
  QTest::addColumn<QString>("canonical");
  using K = ModelRef::Kind;
  QTest::newRow("bare") << QStringLiteral("iris") << int(K::Latest) << QStringLiteral("iris") << 0 << QString() << QStringLiteral("iris");
  QTest::newRow("latest") << QStringLiteral("iris@latest") << int(K::Latest) << QStringLiteral("iris") << 0 << QString()
                          << QStringLiteral("iris");
  QTest::newRow("alias") << QStringLiteral("iris@production") << int(K::Alias) << QStringLiteral("iris") << 0
                         << QStringLiteral("production") << QStringLiteral("iris@production");
  QTest::newRow("version") << QStringLiteral("digits-cnn.v2/12") << int(K::Version) << QStringLiteral("digits-cnn.v2") << 12
                           << QString() << QStringLiteral("digits-cnn.v2/12");
  QTest::newRow("alias chars") << QStringLiteral("3d_Model@stage-2_b") << int(K::Alias) << QStringLiteral("3d_Model") << 0
                               << QStringLiteral("stage-2_b") << QStringLiteral("3d_Model@stage-2_b");
}

void TestRegistry::referencesParse() {
  QFETCH(QString, text);
  QFETCH(int, kind);
  QFETCH(QString, name);
  QFETCH(int, version);
  QFETCH(QString, alias);
  QFETCH(QString, canonical);
  auto ref = ModelRef::parse(text.toStdString());
  WB_VERIFY_OK(ref);
  QCOMPARE(int(ref->kind), kind);
  QCOMPARE(ref->name, name.toStdString());
  QCOMPARE(ref->version, version);
  QCOMPARE(ref->alias, alias.toStdString());
  QCOMPARE(ref->text(), canonical.toStdString());
}

void TestRegistry::badReferencesRefused_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QString>("error");
  QTest::newRow("empty") << QString() << QStringLiteral("empty model reference");
  QTest::newRow("empty alias") << QStringLiteral("iris@") << QStringLiteral("'iris@': empty alias after '@'");
  QTest::newRow("empty version") << QStringLiteral("iris/") << QStringLiteral("'iris/': empty version after '/'");
  QTest::newRow("zero") << QStringLiteral("iris/0") << QStringLiteral("'iris/0': the version after '/' must be a whole number from 1, not '0'");
  QTest::newRow("word") << QStringLiteral("iris/x") << QStringLiteral("not 'x'");
  QTest::newRow("signed") << QStringLiteral("iris/+3") << QStringLiteral("not '+3'");
  QTest::newRow("no name") << QStringLiteral("@production") << QStringLiteral("'@production': empty model name before '@'");
  QTest::newRow("space") << QStringLiteral("ir is") << QStringLiteral("invalid model name 'ir is'");
  QTest::newRow("leading dot") << QStringLiteral(".iris") << QStringLiteral("invalid model name '.iris'");
  QTest::newRow("upper alias") << QStringLiteral("iris@Prod") << QStringLiteral("invalid alias 'Prod'");
  QTest::newRow("alias and version") << QStringLiteral("iris@prod/3") << QStringLiteral("invalid alias 'prod/3'");
  QTest::newRow("long name") << QString(101, u'a') << QStringLiteral("at most 100");
}

void TestRegistry::badReferencesRefused() {
  QFETCH(QString, text);
  QFETCH(QString, error);
  auto ref = ModelRef::parse(text.toStdString());
  QVERIFY(!ref);
  QVERIFY2(ref.error().text().find(error.toStdString()) != std::string::npos,
           ref.error().text().c_str());
  QVERIFY(!wb::registry::isValidAlias("latest"));
  QVERIFY(wb::registry::isValidAlias("champion"));
  QVERIFY(!wb::registry::isValidAlias(std::string(65, 'a')));
  QVERIFY(wb::registry::isValidModelName(std::string(100, 'a')));
}

void TestRegistry::numbersStartAtOneAndAreNeverReused() {
  auto a1 = add("iris", 0.9), a2 = add("iris", 0.91), b1 = add("digits", 0.97);
  WB_VERIFY_OK(a1);
  WB_VERIFY_OK(a2);
  WB_VERIFY_OK(b1);
  QCOMPARE(a1->version, 1);
  QCOMPARE(a2->version, 2);
  QCOMPARE(b1->version, 1);
  WB_VERIFY_OK(m_reg->deleteVersion("iris", 2, "test"));
  auto a3 = add("iris", 0.92);
  WB_VERIFY_OK(a3);
  QCOMPARE(a3->version, 3);  // 2 is never given out again
  WB_VERIFY_OK(m_reg->deleteVersion("iris", 3, "test"));
  WB_VERIFY_OK(m_reg->deleteVersion("iris", 1, "test"));
  auto model = m_reg->model("iris");
  WB_VERIFY_OK(model);
  QCOMPARE(model->version_count, 0);  // the name stays, with its sequence
  QCOMPARE(model->latest_version, 0);
  auto a4 = add("iris", 0.93);
  WB_VERIFY_OK(a4);
  QCOMPARE(a4->version, 4);
}

void TestRegistry::registrationRecordsEverything() {
  std::string seen_name;
  int seen_version = 0;
  NewVersion nv;
  nv.name = "iris";
  nv.model_type = "mlp";
  nv.run_id = "r1";
  nv.dataset = "iris@2";
  nv.description = "first try";
  nv.metrics = {{"test/accuracy", {{"last", 0.95}}}};
  nv.tags = {{"team", "ml"}, {"stage", "dev"}};
  auto v = m_reg->registerVersion(nv, [&](const std::string& n, int ver) -> wb::Result<std::string> {
    seen_name = n;
    seen_version = ver;
    return std::string("zip bytes");
  });
  WB_VERIFY_OK(v);
  QCOMPARE(seen_name, std::string("iris"));
  QCOMPARE(seen_version, 1);
  QCOMPARE(v->bundle_id, wb::objects::sha256Hex("zip bytes", 9));
  QCOMPARE(v->size_bytes, std::int64_t(9));
  QCOMPARE(v->source, std::string("run"));
  QCOMPARE(v->run_id, std::string("r1"));
  QCOMPARE(v->dataset, std::string("iris@2"));
  QCOMPARE(v->description, std::string("first try"));
  QCOMPARE(v->metrics["test/accuracy"]["last"].get<double>(), 0.95);
  QCOMPARE(v->tags.size(), std::size_t(2));
  QCOMPARE(v->tags.at("team"), std::string("ml"));
  QVERIFY(v->aliases.empty());
  QVERIFY(v->created_at > 0);
  auto bytes = m_reg->bundleBytes(*v);
  WB_VERIFY_OK(bytes);
  QCOMPARE(*bytes, std::string("zip bytes"));
  auto bad = nv;
  bad.name = "bad name";
  QVERIFY(errorOf(m_reg->registerVersion(bad, [](const std::string&, int) {
            return wb::Result<std::string>(std::string("x"));
          })).find("invalid model name 'bad name'") != std::string::npos);
}

void TestRegistry::failedBundleRegistersNothing() {
  NewVersion nv;
  nv.name = "iris";
  nv.alias = "production";
  auto failed = m_reg->registerVersion(nv, [](const std::string&, int) -> wb::Result<std::string> {
    return wb::makeError("the checkpoint cannot be read");
  });
  QCOMPARE(errorOf(failed), std::string("the checkpoint cannot be read"));
  QVERIFY(!m_reg->model("iris"));
  auto models = m_reg->models();
  WB_VERIFY_OK(models);
  QVERIFY(models->empty());
  auto v = add("iris", 0.9);
  WB_VERIFY_OK(v);
  QCOMPARE(v->version, 1);
}

void TestRegistry::tagsDescriptionAndExports() {
  WB_VERIFY_OK(add("iris", 0.9));
  WB_VERIFY_OK(m_reg->setTag("iris", 1, "stage", "qa"));
  WB_VERIFY_OK(m_reg->setTag("iris", 1, "owner", "bo"));  // replaces
  WB_VERIFY_OK(m_reg->removeTag("iris", 1, "stage"));
  QCOMPARE(errorOf(m_reg->removeTag("iris", 1, "stage")), std::string("iris/1 has no tag 'stage'"));
  QVERIFY(!m_reg->setTag("iris", 1, "", "x"));
  WB_VERIFY_OK(m_reg->setDescription("iris", 1, "tuned"));
  WB_VERIFY_OK(m_reg->recordExport("iris", 1, "onnx", {{"opset", 13}, {"max_abs_diff", 3e-7}}));
  WB_VERIFY_OK(m_reg->recordExport("iris", 1, "onnx", {{"checked_by", "opencv-dnn"}}));
  WB_VERIFY_OK(m_reg->recordExport("iris", 1, "safetensors", {{"bytes", 120}}));
  auto v = m_reg->resolve("iris/1");
  WB_VERIFY_OK(v);
  QCOMPARE(v->tags.size(), std::size_t(1));
  QCOMPARE(v->tags.at("owner"), std::string("bo"));
  QCOMPARE(v->description, std::string("tuned"));
  QCOMPARE(v->exports["onnx"]["opset"].get<int>(), 13);
  QCOMPARE(v->exports["onnx"]["max_abs_diff"].get<double>(), 3e-7);
  QCOMPARE(v->exports["onnx"]["checked_by"].get<std::string>(), std::string("opencv-dnn"));
  QCOMPARE(v->exports["safetensors"]["bytes"].get<int>(), 120);
  QCOMPARE(errorOf(m_reg->setDescription("iris", 5, "x")),
           std::string("iris has no version 5 (version 1)"));
}

void TestRegistry::aliasRoundTripsAndAudit() {
  WB_VERIFY_OK(add("iris", 0.9));
  WB_VERIFY_OK(add("iris", 0.92, "staging"));
  WB_VERIFY_OK(add("iris", 0.93));
  WB_VERIFY_OK(m_reg->setAlias("iris", "production", 1, "first release", "cli: wb models alias"));
  WB_VERIFY_OK(m_reg->setAlias("iris", "production", 2, "better", "gui"));
  WB_VERIFY_OK(m_reg->setAlias("iris", "production", 2, "again", "gui"));  // no-op: no event
  WB_VERIFY_OK(m_reg->setAlias("iris", "staging", 3, "", "gui"));
  WB_VERIFY_OK(m_reg->removeAlias("iris", "production", "rollback drill", "cli"));
  QCOMPARE(errorOf(m_reg->removeAlias("iris", "production", "", "cli")),
           std::string("iris has no alias 'production' (aliases: staging)"));
  QCOMPARE(errorOf(m_reg->setAlias("iris", "production", 9, "", "cli")),
           std::string("iris has no version 9 (versions 1\u20133)"));
  QVERIFY(errorOf(m_reg->setAlias("iris", "latest", 1, "", "cli")).find("reserved") != std::string::npos);
  QVERIFY(errorOf(m_reg->setAlias("iris", "Prod", 1, "", "cli")).find("invalid alias 'Prod'") !=
          std::string::npos);
  QCOMPARE(errorOf(m_reg->setAlias("nope", "production", 1, "", "cli")),
           std::string("no model named 'nope'"));

  auto events = m_reg->history("iris");
  WB_VERIFY_OK(events);
  QStringList lines;
  for (const auto& e : *events) {
    lines << QString::fromStdString(eventText(e));
    QCOMPARE(e.model, std::string("iris"));
    QVERIFY(e.at > 0);
  }
  const QStringList expected = {QStringLiteral("staging: - -> 2 (registered iris/2; test)"),
                                QStringLiteral("production: - -> 1 (first release; cli: wb models alias)"),
                                QStringLiteral("production: 1 -> 2 (better; gui)"),
                                QStringLiteral("staging: 2 -> 3 (; gui)"),
                                QStringLiteral("production: 2 -> - (rollback drill; cli)")};
  QCOMPARE(lines, expected);
  auto model = m_reg->model("iris");
  WB_VERIFY_OK(model);
  QCOMPARE(model->aliases.size(), std::size_t(1));
  QCOMPARE(model->aliases.at("staging"), 3);
  auto v3 = m_reg->resolve("iris/3");
  WB_VERIFY_OK(v3);
  QCOMPARE(v3->aliases, std::vector<std::string>{"staging"});
}

void TestRegistry::everyReferenceFormResolves() {
  WB_VERIFY_OK(add("iris", 0.9, "production"));
  WB_VERIFY_OK(add("iris", 0.92, "staging"));
  WB_VERIFY_OK(add("iris", 0.93));
  WB_VERIFY_OK(add("iris.v2", 0.5));
  const std::pair<const char*, int> cases[] = {{"iris", 3},           {"iris@latest", 3},
                                               {"iris/1", 1},         {"iris/2", 2},
                                               {"iris@production", 1}, {"iris@staging", 2},
                                               {"iris.v2", 1}};
  for (const auto& [text, version] : cases) {
    auto v = m_reg->resolve(text);
    QVERIFY2(v, text);
    QCOMPARE(v->model, std::string(text).substr(0, std::string(text).find_first_of("@/")));
    QCOMPARE(v->version, version);
  }
  auto prod = m_reg->resolve("iris@production");
  WB_VERIFY_OK(prod);
  QCOMPARE(prod->aliases, std::vector<std::string>{"production"});
}

void TestRegistry::badReferencesExplainWhatIsMissing() {
  WB_VERIFY_OK(add("iris", 0.9, "staging"));
  WB_VERIFY_OK(add("iris", 0.92, "production"));
  WB_VERIFY_OK(add("iris", 0.93));
  WB_VERIFY_OK(add("iris", 0.94));
  WB_VERIFY_OK(add("solo", 0.5));
  QCOMPARE(errorOf(m_reg->resolve("nope")), std::string("no model named 'nope'"));
  QCOMPARE(errorOf(m_reg->resolve("iris@champion")),
           std::string("iris has no alias 'champion' (aliases: production, staging)"));
  QCOMPARE(errorOf(m_reg->resolve("solo@champion")),
           std::string("solo has no alias 'champion' (no aliases)"));
  QCOMPARE(errorOf(m_reg->resolve("iris/7")), std::string("iris has no version 7 (versions 1\u20134)"));
  WB_VERIFY_OK(m_reg->deleteVersion("iris", 3, "test"));
  QCOMPARE(errorOf(m_reg->resolve("iris/3")), std::string("iris has no version 3 (versions 1, 2, 4)"));
  QCOMPARE(errorOf(m_reg->resolve("iris@")), std::string("'iris@': empty alias after '@'"));
}

void TestRegistry::gatePasses() {
  WB_VERIFY_OK(add("iris", 0.9, "production"));
  WB_VERIFY_OK(add("iris", 0.96, "staging"));
  PromoteRequest req;
  req.name = "iris";
  req.from = "staging";
  req.to = "production";
  req.require = {"test/accuracy >= 0.95", "val/loss.min < 0.5"};
  req.actor = "cli: wb models promote";
  auto r = m_reg->promote(req);
  WB_VERIFY_OK(r);
  QVERIFY(r->passed);
  QVERIFY(r->moved);
  QCOMPARE(r->candidate, 2);
  QCOMPARE(r->previous, std::optional<int>(1));
  QCOMPARE(r->checks.size(), std::size_t(2));
  QCOMPARE(r->checks[0].condition, std::string("test/accuracy >= 0.95"));
  QVERIFY(r->checks[0].passed);
  QCOMPARE(r->checks[0].detail, std::string("test/accuracy = 0.96 (needs >= 0.95)"));
  QCOMPARE(r->checks[1].detail, std::string("val/loss.min = 0.02 (needs < 0.5)"));
  auto prod = m_reg->resolve("iris@production");
  WB_VERIFY_OK(prod);
  QCOMPARE(prod->version, 2);
  auto events = m_reg->history("iris");
  WB_VERIFY_OK(events);
  QCOMPARE(eventText(events->back()),
           std::string("production: 1 -> 2 (promote: gate passed; cli: wb models promote)"));
  // Promoting again where it already points passes and writes nothing.
  auto again = m_reg->promote(req);
  WB_VERIFY_OK(again);
  QVERIFY(again->passed);
  QVERIFY(!again->moved);
  auto after = m_reg->history("iris");
  WB_VERIFY_OK(after);
  QCOMPARE(after->size(), events->size());
}

void TestRegistry::gateFailsAndChangesNothing() {
  WB_VERIFY_OK(add("iris", 0.9, "production"));
  WB_VERIFY_OK(add("iris", 0.9333, "staging"));
  auto before = m_reg->history("iris");
  WB_VERIFY_OK(before);
  PromoteRequest req;
  req.name = "iris";
  req.from = "staging";
  req.to = "production";
  req.require = {"test/accuracy >= 0.95", "test/f1 > 0.5", "val/loss < 0.05"};
  auto r = m_reg->promote(req);
  WB_VERIFY_OK(r);  // a failing gate is a result, not an error
  QVERIFY(!r->passed);
  QVERIFY(!r->moved);
  QCOMPARE(r->checks.size(), std::size_t(3));
  QVERIFY(!r->checks[0].passed);
  QCOMPARE(r->checks[0].detail, std::string("test/accuracy = 0.9333 (needs >= 0.95)"));
  QVERIFY(!r->checks[1].passed);
  QCOMPARE(r->checks[1].detail, std::string("test/f1 is missing (v2 has none) (needs > 0.5)"));
  QVERIFY(!r->checks[2].passed);
  QCOMPARE(r->checks[2].detail, std::string("val/loss = 0.0667 (needs < 0.05)"));
  auto prod = m_reg->resolve("iris@production");
  WB_VERIFY_OK(prod);
  QCOMPARE(prod->version, 1);
  auto after = m_reg->history("iris");
  WB_VERIFY_OK(after);
  QCOMPARE(after->size(), before->size());
}

void TestRegistry::gateBetterThan() {
  WB_VERIFY_OK(add("iris", 0.95, "production"));
  WB_VERIFY_OK(add("iris", 0.97, "staging"));
  WB_VERIFY_OK(add("iris", 0.93));
  PromoteRequest req;
  req.name = "iris";
  req.from = "3";  // worse than production
  req.to = "production";
  req.better_than = "production";
  req.metric = "test/accuracy";
  auto worse = m_reg->promote(req);
  WB_VERIFY_OK(worse);
  QVERIFY(!worse->passed);
  QVERIFY(!worse->moved);
  QCOMPARE(worse->checks.size(), std::size_t(1));
  QCOMPARE(worse->checks[0].condition, std::string("test/accuracy better than production (v1)"));
  QCOMPARE(worse->checks[0].detail,
           std::string("v3: 0.93, production v1: 0.95 (higher is better)"));
  req.from = "staging";
  auto better = m_reg->promote(req);
  WB_VERIFY_OK(better);
  QVERIFY(better->passed);
  QVERIFY(better->moved);
  QCOMPARE(better->checks[0].detail,
           std::string("v2: 0.97, production v1: 0.95 (higher is better)"));
  auto prod = m_reg->resolve("iris@production");
  WB_VERIFY_OK(prod);
  QCOMPARE(prod->version, 2);
  // Equal is not better: the candidate that is production already does not beat itself.
  auto same = m_reg->promote(req);
  WB_VERIFY_OK(same);
  QVERIFY(!same->passed);
}

void TestRegistry::gateBetterThanLossIsLowerBetter() {
  WB_VERIFY_OK(add("iris", 0.95, "production"));  // val/loss 0.05
  WB_VERIFY_OK(add("iris", 0.90, "staging"));     // val/loss 0.1
  WB_VERIFY_OK(add("iris", 0.97));                // val/loss 0.03
  QVERIFY(wb::registry::lowerIsBetter("val/loss"));
  QVERIFY(wb::registry::lowerIsBetter("test/rmse"));
  QVERIFY(!wb::registry::lowerIsBetter("test/accuracy"));
  PromoteRequest req;
  req.name = "iris";
  req.from = "staging";
  req.to = "production";
  req.better_than = "production";
  req.metric = "val/loss";
  auto worse = m_reg->promote(req);
  WB_VERIFY_OK(worse);
  QVERIFY(!worse->passed);
  QVERIFY(worse->checks[0].detail.find("(lower is better)") != std::string::npos);
  req.from = "";  // latest: v3
  auto better = m_reg->promote(req);
  WB_VERIFY_OK(better);
  QVERIFY2(better->passed, better->checks[0].detail.c_str());
  QCOMPARE(better->candidate, 3);
  QCOMPARE(better->checks[0].detail, std::string("v3: 0.03, production v1: 0.05 (lower is better)"));
}

void TestRegistry::gateBetterThanWithoutTargetAlias() {
  WB_VERIFY_OK(add("iris", 0.9, "staging"));
  PromoteRequest req;
  req.name = "iris";
  req.from = "staging";
  req.to = "production";
  req.better_than = "production";
  req.metric = "test/accuracy";
  req.reason = "first production model";
  req.actor = "gui";
  auto r = m_reg->promote(req);
  WB_VERIFY_OK(r);
  QVERIFY(r->passed);
  QVERIFY(r->moved);
  QVERIFY(!r->previous);
  QCOMPARE(r->checks[0].detail, std::string("iris has no production yet: nothing to beat"));
  auto events = m_reg->history("iris");
  WB_VERIFY_OK(events);
  QCOMPARE(eventText(events->back()), std::string("production: - -> 1 (first production model; gui)"));
}

void TestRegistry::gateDryRunMovesNothing() {
  WB_VERIFY_OK(add("iris", 0.9, "production"));
  WB_VERIFY_OK(add("iris", 0.99, "staging"));
  PromoteRequest req;
  req.name = "iris";
  req.from = "staging";
  req.to = "production";
  req.require = {"test/accuracy >= 0.95"};
  req.dry_run = true;
  auto r = m_reg->promote(req);
  WB_VERIFY_OK(r);
  QVERIFY(r->passed);
  QVERIFY(!r->moved);
  auto prod = m_reg->resolve("iris@production");
  WB_VERIFY_OK(prod);
  QCOMPARE(prod->version, 1);
  auto events = m_reg->history("iris");
  WB_VERIFY_OK(events);
  QCOMPARE(events->size(), std::size_t(2));
}

void TestRegistry::gateReadsParamsTagsAndFields() {
  WB_VERIFY_OK(add("iris", 0.9));
  WB_VERIFY_OK(add("iris", 0.95));
  PromoteRequest req;
  req.name = "iris";
  req.to = "staging";
  req.require = {"model.hidden >= 32",       "optim.lr < 0.1",    "tags.owner = ana",
                 "version >= 2",             "type = mlp",        "dataset = 'iris@1'",
                 "run.model = iris"};
  auto r = m_reg->promote(req);
  WB_VERIFY_OK(r);
  for (const auto& c : r->checks) QVERIFY2(c.passed, (c.condition + ": " + c.detail).c_str());
  QVERIFY(r->passed);
  QCOMPARE(r->checks[0].detail, std::string("model.hidden = 64 (needs >= 32)"));
  QCOMPARE(r->checks[3].detail, std::string("version = 2 (needs >= 2)"));
  // test/accuracy has only a last value: .max is missing, and the gate says so.
  req.require = {"test/accuracy.max >= 0"};
  auto missing = m_reg->promote(req);
  WB_VERIFY_OK(missing);
  QVERIFY(!missing->passed);
  QCOMPARE(missing->checks[0].detail,
           std::string("test/accuracy.max is missing (v2 has none) (needs >= 0)"));
  req.require = {"model.hidden > 64 or tags.owner = bo"};
  auto compound = m_reg->promote(req);
  WB_VERIFY_OK(compound);
  QVERIFY(!compound->passed);
  QCOMPARE(compound->checks[0].detail,
           std::string("model.hidden = 64, tags.owner = ana (needs (model.hidden > 64 or "
                       "tags.owner = bo))"));
}

void TestRegistry::gateRefusesBadInput() {
  WB_VERIFY_OK(add("iris", 0.9, "staging"));
  PromoteRequest req;
  req.name = "iris";
  req.from = "staging";
  req.to = "production";
  req.require = {"test/accuracy >="};
  QVERIFY(errorOf(m_reg->promote(req)).find("--require 'test/accuracy >=': column") !=
          std::string::npos);
  req.require = {};
  req.better_than = "production";
  QCOMPARE(errorOf(m_reg->promote(req)), std::string("--better-than production needs --metric KEY"));
  req.better_than = {};
  req.from = "champion";
  QCOMPARE(errorOf(m_reg->promote(req)), std::string("iris has no alias 'champion' (aliases: staging)"));
  req.from = "7";
  QCOMPARE(errorOf(m_reg->promote(req)), std::string("iris has no version 7 (version 1)"));
  req.from = "staging";
  req.to = "latest";
  QVERIFY(errorOf(m_reg->promote(req)).find("invalid alias 'latest'") != std::string::npos);
  req.to = "production";
  req.require = {"  "};
  QVERIFY(errorOf(m_reg->promote(req)).find("--require: empty condition") != std::string::npos);
  req.require = {};
  req.name = "nope";
  QCOMPARE(errorOf(m_reg->promote(req)), std::string("no model named 'nope'"));
}

namespace {
// Moves production on a second connection just as promote() begins its write transaction:
// after the gate was evaluated, before the alias move.
struct Interloper {
  wb::registry::ModelRegistry* other = nullptr;
  bool fired = false;
  wb::Status status;
};
int moveProductionOnBegin(unsigned, void* ctx, void*, void* sql) {
  auto* in = static_cast<Interloper*>(ctx);
  if (!in->fired && std::string_view(static_cast<const char*>(sql)) == "BEGIN IMMEDIATE") {
    in->fired = true;
    in->status = in->other->setAlias("iris", "production", 3, "hotfix", "other process");
  }
  return 0;
}
}  // namespace

void TestRegistry::gateRefusesWhenTargetMovedMeanwhile() {
  WB_VERIFY_OK(add("iris", 0.9, "production"));
  WB_VERIFY_OK(add("iris", 0.97, "staging"));
  WB_VERIFY_OK(add("iris", 0.91));
  auto other_db = m_ws->connect();
  WB_VERIFY_OK(other_db);
  wb::registry::ModelRegistry other(**other_db, *m_objects);
  Interloper in{&other, false, {}};
  PromoteRequest req;
  req.name = "iris";
  req.from = "staging";
  req.to = "production";
  req.better_than = "production";
  req.metric = "test/accuracy";
  sqlite3_trace_v2(m_db->handle(), SQLITE_TRACE_STMT, &moveProductionOnBegin, &in);
  auto r = m_reg->promote(req);
  sqlite3_trace_v2(m_db->handle(), 0, nullptr, nullptr);
  QVERIFY(in.fired);
  WB_VERIFY_OK(in.status);
  QCOMPARE(errorOf(r), std::string("production moved meanwhile; run again"));
  auto prod = m_reg->resolve("iris@production");
  WB_VERIFY_OK(prod);
  QCOMPARE(prod->version, 3);  // the interloper's move stands, the gate's did not happen
  auto events = m_reg->history("iris");
  WB_VERIFY_OK(events);
  QCOMPARE(eventText(events->back()), std::string("production: 1 -> 3 (hotfix; other process)"));
}

void TestRegistry::archivedVersionsAreSkippedByLatest() {
  WB_VERIFY_OK(add("iris", 0.9));
  WB_VERIFY_OK(add("iris", 0.91));
  WB_VERIFY_OK(m_reg->setArchived("iris", 2, true));
  auto latest = m_reg->resolve("iris");
  WB_VERIFY_OK(latest);
  QCOMPARE(latest->version, 1);
  auto archived = m_reg->resolve("iris/2");  // still reachable by number
  WB_VERIFY_OK(archived);
  QVERIFY(archived->archived);
  auto model = m_reg->model("iris");
  WB_VERIFY_OK(model);
  QCOMPARE(model->latest_version, 1);
  QCOMPARE(model->version_count, 2);
  WB_VERIFY_OK(m_reg->setArchived("iris", 1, true));
  QCOMPARE(errorOf(m_reg->resolve("iris@latest")),
           std::string("every version of iris is archived (versions 1\u20132); name one as iris/N"));
  WB_VERIFY_OK(m_reg->setArchived("iris", 2, false));
  auto back = m_reg->resolve("iris");
  WB_VERIFY_OK(back);
  QCOMPARE(back->version, 2);
}

void TestRegistry::deleteRefusedWhileAliased() {
  WB_VERIFY_OK(add("iris", 0.9, "production"));
  WB_VERIFY_OK(m_reg->setAlias("iris", "champion", 1, "", "test"));
  auto plan = m_reg->planDelete("iris", 1);
  WB_VERIFY_OK(plan);
  QCOMPARE(plan->blocking_aliases, (std::vector<std::string>{"champion", "production"}));
  QCOMPARE(errorOf(m_reg->deleteVersion("iris", 1, "test")),
           std::string("iris/1 is named by aliases champion, production; move or remove them first"));
  auto still = m_reg->resolve("iris/1");
  WB_VERIFY_OK(still);
  QVERIFY(m_objects->exists(still->bundle_id));
  WB_VERIFY_OK(m_reg->removeAlias("iris", "champion", "", "test"));
  QCOMPARE(errorOf(m_reg->deleteVersion("iris", 1, "test")),
           std::string("iris/1 is named by alias production; move or remove it first"));
  WB_VERIFY_OK(m_reg->removeAlias("iris", "production", "", "test"));
  WB_VERIFY_OK(m_reg->deleteVersion("iris", 1, "test"));
  QVERIFY(!m_objects->exists(still->bundle_id));
  // The history survives the version.
  auto events = m_reg->history("iris");
  WB_VERIFY_OK(events);
  QCOMPARE(events->size(), std::size_t(4));
}

void TestRegistry::deleteReclaimsOnlyUnsharedBundles() {
  auto own = add("iris", 0.9);
  auto shared_a = add("iris", 0.91, {}, "same bytes in two versions");
  auto shared_b = add("other", 0.92, {}, "same bytes in two versions");
  WB_VERIFY_OK(own);
  WB_VERIFY_OK(shared_a);
  WB_VERIFY_OK(shared_b);
  QCOMPARE(shared_a->bundle_id, shared_b->bundle_id);
  // A run artifact holding the same bytes as a bundle.
  auto run_bytes = add("iris", 0.93, {}, "checkpoint bytes of a run");
  WB_VERIFY_OK(run_bytes);
  wb::store::RunRepository runs(*m_db);
  auto run = runs.create({});
  WB_VERIFY_OK(run);
  WB_VERIFY_OK(runs.addArtifact({run->id, "best.pt", run_bytes->bundle_id, 25, wb::unixNow()}));

  auto plan = m_reg->planDelete("iris", 1);
  WB_VERIFY_OK(plan);
  QCOMPARE(plan->reclaim_bytes, own->size_bytes);
  QVERIFY(plan->blocking_aliases.empty());
  QVERIFY(m_objects->exists(own->bundle_id));  // planning changes nothing
  auto done = m_reg->deleteVersion("iris", 1, "test");
  WB_VERIFY_OK(done);
  QCOMPARE(done->reclaim_bytes, own->size_bytes);
  QVERIFY(!m_objects->exists(own->bundle_id));

  auto shared_plan = m_reg->planDelete("iris", 2);
  WB_VERIFY_OK(shared_plan);
  QCOMPARE(shared_plan->reclaim_bytes, std::int64_t(0));
  WB_VERIFY_OK(m_reg->deleteVersion("iris", 2, "test"));
  QVERIFY(m_objects->exists(shared_b->bundle_id));
  auto other = m_reg->resolve("other/1");
  WB_VERIFY_OK(other);
  WB_VERIFY_OK(m_reg->bundleBytes(*other));
  // Now the last user: its delete frees the object.
  auto last = m_reg->deleteVersion("other", 1, "test");
  WB_VERIFY_OK(last);
  QCOMPARE(last->reclaim_bytes, shared_b->size_bytes);
  QVERIFY(!m_objects->exists(shared_b->bundle_id));

  auto run_plan = m_reg->deleteVersion("iris", 3, "test");
  WB_VERIFY_OK(run_plan);
  QCOMPARE(run_plan->reclaim_bytes, std::int64_t(0));
  QVERIFY(m_objects->exists(run_bytes->bundle_id));
}

// Bug pinned: gc knew only artifacts and dataset manifests, so it would have deleted every
// registered model's bundle (and refused to run once the schema had model_versions).
void TestRegistry::gcKeepsBundleObjects() {
  auto v = add("iris", 0.9, "production");
  WB_VERIFY_OK(v);
  auto orphan = m_objects->put(std::string("nobody refers to this"));
  WB_VERIFY_OK(orphan);
  ageAll(m_ws->objectsDir(), 86400);
  auto refs = wb::objects::referencedObjects(*m_ws, *m_db);
  WB_VERIFY_OK(refs);
  QVERIFY(refs->count(v->bundle_id));
  wb::objects::GcOptions o;
  o.mode = wb::objects::GcMode::Delete;
  auto r = wb::objects::collectGarbage(*m_ws, o);
  WB_VERIFY_OK(r);
  QCOMPARE(r->unreferenced, std::size_t(1));
  QVERIFY(!m_objects->exists(*orphan));
  QVERIFY(m_objects->exists(v->bundle_id));
  auto again = m_reg->resolve("iris@production");
  WB_VERIFY_OK(again);
  WB_VERIFY_OK(m_reg->bundleBytes(*again));
}

// Bug pinned: a run's next checkpoint released the previous object when no artifact referred
// to it, even when a registered version's bundle was those very bytes.
void TestRegistry::checkpointReleaseKeepsBundleObjects() {
  wb::store::RunRepository runs(*m_db);
  auto run = runs.create({});
  WB_VERIFY_OK(run);
  wb::train::CheckpointStore checkpoints(*m_db, *m_objects, run->id);
  const std::string first = "epoch 1 weights";
  WB_VERIFY_OK(checkpoints.save("checkpoints/best.pt", first));
  auto v = add("iris", 0.9, {}, first);  // a bundle that happens to be the same bytes
  WB_VERIFY_OK(v);
  WB_VERIFY_OK(checkpoints.save("checkpoints/best.pt", "epoch 2 weights"));
  QVERIFY(m_objects->exists(v->bundle_id));
  WB_VERIFY_OK(m_reg->bundleBytes(*v));
}

namespace {
int countStatements(unsigned, void* ctx, void*, void*) {
  ++*static_cast<int*>(ctx);
  return 0;
}
}  // namespace

void TestRegistry::thousandVersionsListInConstantQueries() {
  constexpr int kModels = 10, kPerModel = 100;
  WB_VERIFY_OK(m_db->writeTransaction([&]() -> wb::Status {
    auto model = m_db->prepare(
        "INSERT INTO registered_models(name, next_version, created_at, updated_at) VALUES(?,?,0,0)");
    auto version = m_db->prepare(
        "INSERT INTO model_versions(model_id, version, bundle_id, size_bytes, metrics_json, "
        "created_at) VALUES(?,?,?,10,'{\"test/accuracy\":{\"last\":0.9}}',0)");
    auto tag = m_db->prepare("INSERT INTO model_version_tags(version_id, key, value) VALUES(?,'k','v')");
    auto alias = m_db->prepare(
        "INSERT INTO model_aliases(model_id, alias, version_id, updated_at) VALUES(?,?,?,0)");
    if (!model || !version || !tag || !alias) return wb::makeError("prepare failed");
    for (int m = 0; m < kModels; ++m) {
      if (auto st = model->bind(1, "model" + std::to_string(m)).bind(2, kPerModel + 1).run(); !st) return st;
      const std::int64_t model_id = m_db->lastInsertRowId();
      for (int v = 1; v <= kPerModel; ++v) {
        const std::string id = wb::objects::sha256Hex(&v, sizeof v);
        if (auto st = version->bind(1, model_id).bind(2, v).bind(3, id).run(); !st) return st;
        const std::int64_t version_id = m_db->lastInsertRowId();
        if (auto st = tag->bind(1, version_id).run(); !st) return st;
        if (v == kPerModel)
          if (auto st = alias->bind(1, model_id).bind(2, "production").bind(3, version_id).run(); !st)
            return st;
      }
    }
    return {};
  }));
  int statements = 0;
  sqlite3_trace_v2(m_db->handle(), SQLITE_TRACE_STMT, &countStatements, &statements);
  QElapsedTimer timer;
  timer.start();
  auto all = m_reg->allVersions();
  const qint64 ms = timer.elapsed();
  sqlite3_trace_v2(m_db->handle(), 0, nullptr, nullptr);
  WB_VERIFY_OK(all);
  qInfo("allVersions: %d versions in %lld ms, %d statements", int(all->size()), ms, statements);
  QCOMPARE(all->size(), std::size_t(kModels * kPerModel));
  // Three queries plus the read snapshot's SAVEPOINT/RELEASE, whatever the row count.
  QVERIFY2(statements <= 5, QByteArray::number(statements).constData());
  QCOMPARE(all->front().model, std::string("model0"));
  QCOMPARE(all->front().version, kPerModel);  // newest first
  QCOMPARE(all->front().aliases, std::vector<std::string>{"production"});
  QCOMPARE(all->back().tags.at("k"), std::string("v"));
  QCOMPARE(all->back().metrics["test/accuracy"]["last"].get<double>(), 0.9);
  QVERIFY2(ms < 500, QByteArray::number(ms).constData());  // "instantly", on a loaded machine

  statements = 0;
  sqlite3_trace_v2(m_db->handle(), SQLITE_TRACE_STMT, &countStatements, &statements);
  auto one = m_reg->versions("model3");
  sqlite3_trace_v2(m_db->handle(), 0, nullptr, nullptr);
  WB_VERIFY_OK(one);
  QCOMPARE(one->size(), std::size_t(kPerModel));
  QVERIFY2(statements <= 6, QByteArray::number(statements).constData());
}

QTEST_GUILESS_MAIN(TestRegistry)
#include "tst_registry.moc"
