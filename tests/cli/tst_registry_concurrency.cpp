// Two processes on one registry at once (tests/cli/registry_mover.cpp): alias moves stay one
// consistent audit chain (no lost or interleaved update), and concurrent registrations get
// distinct version numbers.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "../unit/test_support.h"
#include "core/common/clock.h"
#include "core/common/numbers.h"
#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace fs = std::filesystem;

namespace {

constexpr int kMoves = 300;
constexpr int kRegistrations = 40;

std::unique_ptr<QProcess> startMover(const QStringList& args) {
  auto p = std::make_unique<QProcess>();
  p->setProgram(QStringLiteral(WB_REGISTRY_MOVER));
  p->setArguments(args);
  p->start();
  return p;
}

// Waits for P; its stdout when it succeeded, else a failure with its stderr.
std::optional<QByteArray> finish(QProcess& p) {
  const bool done = p.waitForFinished(120'000);
  if (!done || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
    qWarning("registry_mover %s: exit %d\n%s", qPrintable(p.arguments().join(QLatin1Char(' '))),
             p.exitCode(), p.readAllStandardError().constData());
    return std::nullopt;
  }
  return p.readAllStandardOutput();
}

// Unix seconds a little ahead, as text: both processes start writing then.
QString startTime() { return QString::fromStdString(wb::formatDouble(wb::unixNow() + 1.0)); }

std::string versionText(const std::optional<int>& v) { return v ? std::to_string(*v) : "-"; }

}  // namespace

class TestRegistryConcurrency : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init();
  void cleanup();
  void concurrentAliasMovesKeepOneChain();
  void concurrentRegistrationsGetDistinctNumbers();

 private:
  std::unique_ptr<QTemporaryDir> m_dir;
  std::optional<wb::Workspace> m_ws;
};

void TestRegistryConcurrency::init() {
  m_dir = std::make_unique<QTemporaryDir>();
  QVERIFY(m_dir->isValid());
  auto ws = wb::Workspace::create(fs::path(m_dir->path().toStdString()) / "ws");
  WB_VERIFY_OK(ws);
  m_ws = *ws;
}

void TestRegistryConcurrency::cleanup() {
  m_ws.reset();
  m_dir.reset();
}

void TestRegistryConcurrency::concurrentAliasMovesKeepOneChain() {
  {
    auto db = m_ws->connect();
    WB_VERIFY_OK(db);
    wb::objects::ObjectStore objects(m_ws->objectsDir());
    wb::registry::ModelRegistry reg(**db, objects);
    for (int i = 1; i <= 3; ++i) {
      wb::registry::NewVersion nv;
      nv.name = "iris";
      nv.alias = i == 1 ? "production" : "";
      nv.actor = "setup";
      WB_VERIFY_OK(reg.registerVersion(nv, [](const std::string&, int v) {
        return wb::Result<std::string>("bundle " + std::to_string(v));
      }));
    }
  }
  const QString ws = QString::fromStdString(m_ws->root().string());
  const QString start = startTime(), count = QString::number(kMoves);
  auto a = startMover({ws, QStringLiteral("move"), QStringLiteral("iris"),
                       QStringLiteral("production"), count, QStringLiteral("2"),
                       QStringLiteral("1"), QStringLiteral("mover-a"), start});
  auto b = startMover({ws, QStringLiteral("move"), QStringLiteral("iris"),
                       QStringLiteral("production"), count, QStringLiteral("3"),
                       QStringLiteral("1"), QStringLiteral("mover-b"), start});
  const auto out_a = finish(*a), out_b = finish(*b);
  QVERIFY(out_a && out_b);
  QVERIFY2(out_a->startsWith("changed ") && out_b->startsWith("changed "), out_a->constData());
  const int changed = out_a->mid(8).trimmed().toInt() + out_b->mid(8).trimmed().toInt();

  auto db = m_ws->connect();
  WB_VERIFY_OK(db);
  wb::objects::ObjectStore objects(m_ws->objectsDir());
  wb::registry::ModelRegistry reg(**db, objects);
  auto events = reg.history("iris");
  WB_VERIFY_OK(events);
  QVERIFY(!events->empty());
  QCOMPARE(versionText(events->front().to_version), std::string("1"));  // the registration
  QCOMPARE(int(events->size()) - 1, changed);
  std::set<std::string> actors;
  int switches = 0;  // consecutive events by different processes
  for (std::size_t i = 1; i < events->size(); ++i) {
    const auto& e = (*events)[i];
    actors.insert(e.actor);
    switches += i > 1 && e.actor != (*events)[i - 1].actor;
    QVERIFY2(e.from_version == (*events)[i - 1].to_version,
             ("event " + std::to_string(i) + ": from " + versionText(e.from_version) +
              ", previous to " + versionText((*events)[i - 1].to_version))
                 .c_str());
    QVERIFY(e.to_version.has_value());
    QVERIFY(e.from_version != e.to_version);  // a no-op move writes no event
  }
  QCOMPARE(actors, (std::set<std::string>{"mover-a", "mover-b"}));
  qInfo("%d events, %d moves changed something, %d switches between processes",
        int(events->size()), changed, switches);
  // The two really ran at once (one after the other would switch once): else this test
  // would prove nothing about concurrent moves.
  QVERIFY2(switches >= 10, QByteArray::number(switches).constData());
  auto prod = reg.resolve("iris@production");
  WB_VERIFY_OK(prod);
  QCOMPARE(std::optional<int>(prod->version), events->back().to_version);
}

void TestRegistryConcurrency::concurrentRegistrationsGetDistinctNumbers() {
  const QString ws = QString::fromStdString(m_ws->root().string());
  const QString start = startTime(), count = QString::number(kRegistrations);
  auto a = startMover({ws, QStringLiteral("register"), QStringLiteral("digits"), count, start});
  auto b = startMover({ws, QStringLiteral("register"), QStringLiteral("digits"), count, start});
  const auto out_a = finish(*a), out_b = finish(*b);
  QVERIFY(out_a && out_b);
  std::vector<int> numbers;
  for (const auto* out : {&*out_a, &*out_b})
    for (const auto& line : out->split('\n'))
      if (!line.trimmed().isEmpty()) numbers.push_back(line.trimmed().toInt());
  QCOMPARE(int(numbers.size()), 2 * kRegistrations);
  std::sort(numbers.begin(), numbers.end());
  for (int i = 0; i < 2 * kRegistrations; ++i) QCOMPARE(numbers[std::size_t(i)], i + 1);

  auto db = m_ws->connect();
  WB_VERIFY_OK(db);
  wb::objects::ObjectStore objects(m_ws->objectsDir());
  wb::registry::ModelRegistry reg(**db, objects);
  auto versions = reg.versions("digits");
  WB_VERIFY_OK(versions);
  QCOMPARE(int(versions->size()), 2 * kRegistrations);
  for (const auto& v : *versions) {
    auto bytes = reg.bundleBytes(v);
    WB_VERIFY_OK(bytes);
    QCOMPARE(*bytes, "bundle of digits/" + std::to_string(v.version));
  }
}

QTEST_GUILESS_MAIN(TestRegistryConcurrency)
#include "tst_registry_concurrency.moc"
