// Several real `wb log stream` processes on one workspace, and streams that are killed: no
// lost points, no "database is locked", an intact database, and runs that end up "killed".
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTest>

#include <csignal>

#include "cli_fixture.h"
#include "core/common/numbers.h"

using namespace wbtest;

namespace {

// The values stream process `p` logs at step i, as text and as the double wb must store.
QByteArray valueText(int p, int i, int which) {
  // Awkward doubles on purpose: they only survive if the text round-trips exactly.
  const double v = which == 0 ? p * 1000.0 + 1.0 / (i + 3) : std::sqrt(double(i) + p) * 1e-3;
  return QByteArray::number(v, 'g', 17);
}

// Read back locale-free: the suite runs under LC_ALL=de_DE.UTF-8, where strtod stops at '.'.
double valueOf(int p, int i, int which) {
  return wb::parseDouble(valueText(p, i, which).toStdString()).value_or(-1.0);
}

QByteArray lines(int p, int from, int to) {
  QByteArray out;
  out.reserve((to - from) * 64);
  for (int i = from; i < to; ++i)
    out += "loss=" + valueText(p, i, 0) + " acc=" + valueText(p, i, 1) +
           " step=" + QByteArray::number(i) + '\n';
  return out;
}

// `wb log stream` as a long-lived process we feed by hand.
std::unique_ptr<QProcess> startStream(const QString& ws, const QString& name) {
  auto p = std::make_unique<QProcess>();
  p->setProgram(wbPath());
  p->setArguments({QStringLiteral("-w"), ws, QStringLiteral("log"), QStringLiteral("stream"),
                   QStringLiteral("-n"), name});
  p->setProcessEnvironment(wbEnvironment());
  p->start();
  return p;
}

bool feed(QProcess& p, const QByteArray& data) {
  if (p.write(data) != data.size()) return false;
  while (p.bytesToWrite() > 0)
    if (!p.waitForBytesWritten(10'000)) return false;
  return true;
}

// Points of a run's series, through a connection of our own (-1 while the run is unknown).
std::int64_t loggedCount(Database& db, const std::string& run_name, const std::string& key) {
  RunRepository repo(db);
  auto run = repo.find(run_name);
  if (!run) return -1;
  wb::store::MetricsReader reader(db);
  auto sums = reader.summaries({run->id}, {key});
  if (!sums || sums->empty()) return 0;
  return sums->front().count;
}

// Empty when the series is exactly steps 0..n-1 with the values process p wrote.
QByteArray checkPrefix(const std::vector<MetricPoint>& s, int p, int which) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i].step != std::int64_t(i) || !same(s[i].value, valueOf(p, int(i), which)))
      return "point " + QByteArray::number(qsizetype(i)) + ": step " +
             QByteArray::number(s[i].step) + " value " + QByteArray::number(s[i].value, 'g', 17);
  }
  return {};
}

}  // namespace

class TestConcurrency : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void twoStreamsLoseNothing();
  void sigkillLeavesAnIntactDatabase();
  void stopSignalMarksRunKilled_data();
  void stopSignalMarksRunKilled();
};

void TestConcurrency::initTestCase() {
  QVERIFY2(QFileInfo(wbPath()).isExecutable(), qPrintable(wbPath()));
}

void TestConcurrency::twoStreamsLoseNothing() {
  auto f = makeFixture();
  QVERIFY(f);
  constexpr int kLines = 20'000;
  constexpr int kChunks = 10;
  std::unique_ptr<QProcess> procs[2] = {startStream(f->root(), QStringLiteral("s0")),
                                        startStream(f->root(), QStringLiteral("s1"))};
  for (auto& p : procs) QVERIFY2(p->waitForStarted(10'000), qPrintable(p->errorString()));

  // Fed in chunks over ~2.5 s, so both processes flush (every second, and at the end) while
  // the other one is writing too.
  for (int c = 0; c < kChunks; ++c) {
    for (int p = 0; p < 2; ++p)
      QVERIFY(feed(*procs[p], lines(p, c * kLines / kChunks, (c + 1) * kLines / kChunks)));
    QTest::qWait(250);
  }
  for (auto& p : procs) p->closeWriteChannel();
  for (int p = 0; p < 2; ++p) {
    QVERIFY(procs[p]->waitForFinished(60'000));
    const QByteArray err = procs[p]->readAllStandardError();
    QVERIFY2(procs[p]->exitStatus() == QProcess::NormalExit && procs[p]->exitCode() == 0,
             err.constData());
    QVERIFY2(!err.toLower().contains("locked") && !err.toLower().contains("busy"), err.constData());
    QVERIFY2(err.contains(QByteArray("logged " + QByteArray::number(2 * kLines) + " points")),
             err.constData());
    QVERIFY2(!err.contains("skipped"), err.constData());
  }

  wb::store::MetricsReader reader(*f->db);
  for (int p = 0; p < 2; ++p) {
    const auto run = f->find("s" + std::to_string(p));
    QVERIFY(!run.id.empty());
    QCOMPARE(statusName(run.status), std::string("finished"));
    for (int which = 0; which < 2; ++which) {
      const auto s = f->series(run.id, which == 0 ? "loss" : "acc");
      QCOMPARE(s.size(), std::size_t(kLines));
      const QByteArray problem = checkPrefix(s, p, which);
      QVERIFY2(problem.isEmpty(), problem.constData());
    }
    auto sums = reader.summaries({run.id});
    WB_VERIFY_OK(sums);
    QCOMPARE(sums->size(), std::size_t(2));
    for (const auto& sum : *sums) {
      QCOMPARE(sum.count, std::int64_t(kLines));
      QCOMPARE(sum.last_step, std::int64_t(kLines - 1));
    }
  }
  QCOMPARE(f->count("SELECT count(*) FROM runs"), std::int64_t(2));
}

void TestConcurrency::sigkillLeavesAnIntactDatabase() {
  auto f = makeFixture();
  QVERIFY(f);
  auto proc = startStream(f->root(), QStringLiteral("victim"));
  QVERIFY2(proc->waitForStarted(10'000), qPrintable(proc->errorString()));

  // Keep writing until a flush (every second) has made points visible to other connections.
  constexpr int kBatch = 500;
  int written = 0;
  std::int64_t visible = 0, visible_acc = 0;
  QElapsedTimer timer;
  timer.start();
  while (visible <= 0 && timer.elapsed() < 20'000) {
    QVERIFY2(feed(*proc, lines(0, written, written + kBatch)),
             proc->readAllStandardError().constData());
    written += kBatch;
    QTest::qWait(50);
    visible = loggedCount(*f->db, "victim", "loss");
    visible_acc = loggedCount(*f->db, "victim", "acc");
  }
  QVERIFY2(visible > 0, "no points became visible within 20 s");
  // More lines that are read but not yet flushed when the process dies.
  QVERIFY(feed(*proc, lines(0, written, written + kBatch)));
  written += kBatch;
  QTest::qWait(50);

  const auto pid = proc->processId();
  proc->kill();  // SIGKILL: no chance to clean up
  QVERIFY(proc->waitForFinished(10'000));
  QCOMPARE(proc->exitStatus(), QProcess::CrashExit);

  // A fresh connection, as the next program to open the workspace would have.
  auto db = f->ws.connect();
  WB_VERIFY_OK(db);
  {
    auto check = (*db)->prepare("PRAGMA integrity_check");
    WB_VERIFY_OK(check);
    QVERIFY(check->step());
    QCOMPARE(check->columnText(0), std::string("ok"));
  }
  RunRepository repo(**db);
  auto run = repo.find("victim");
  WB_VERIFY_OK(run);
  QCOMPARE(statusName(run->status), std::string("running"));  // nobody has looked yet

  wb::store::MetricsReader reader(**db);
  for (int which = 0; which < 2; ++which) {
    const std::string key = which == 0 ? "loss" : "acc";
    auto s = reader.series(run->id, key);
    WB_VERIFY_OK(s);
    auto sums = reader.summaries({run->id}, {key});
    WB_VERIFY_OK(sums);
    QCOMPARE(sums->size(), std::size_t(1));
    QCOMPARE(std::int64_t(s->size()), sums->front().count);  // chunks and summary agree
    // A flush may commit one key's points before the other's: compare each with itself.
    QVERIFY(std::int64_t(s->size()) >= (which == 0 ? visible : visible_acc));
    QVERIFY(std::int64_t(s->size()) <= written);
    const QByteArray problem = checkPrefix(*s, 0, which);
    QVERIFY2(problem.isEmpty(), problem.constData());
  }

  auto reaped = repo.reapDeadRuns();
  WB_VERIFY_OK(reaped);
  QCOMPARE(*reaped, 1);
  run = repo.find("victim");
  WB_VERIFY_OK(run);
  QCOMPARE(statusName(run->status), std::string("killed"));
  QVERIFY2(run->status_message.find(std::to_string(pid)) != std::string::npos,
           run->status_message.c_str());
  QVERIFY(run->ended_at.has_value());
}

void TestConcurrency::stopSignalMarksRunKilled_data() {
  QTest::addColumn<int>("signal");
  QTest::addColumn<bool>("while_writing");
  QTest::newRow("SIGTERM while waiting for input") << int(SIGTERM) << false;
  QTest::newRow("SIGINT while waiting for input") << int(SIGINT) << false;
  QTest::newRow("SIGTERM while lines arrive") << int(SIGTERM) << true;
}

void TestConcurrency::stopSignalMarksRunKilled() {
  QFETCH(int, signal);
  QFETCH(bool, while_writing);
  auto f = makeFixture();
  QVERIFY(f);
  auto proc = startStream(f->root(), QStringLiteral("stopped"));
  QVERIFY2(proc->waitForStarted(10'000), qPrintable(proc->errorString()));

  constexpr int kFirst = 1000;
  QVERIFY(feed(*proc, lines(0, 0, kFirst)));
  // Everything written so far is flushed (within the 1 s interval): the process now waits.
  QTRY_COMPARE_WITH_TIMEOUT(loggedCount(*f->db, "stopped", "loss"), std::int64_t(kFirst), 10'000);
  int written = kFirst;
  if (while_writing) {
    for (int i = 0; i < 4; ++i) {
      QVERIFY(feed(*proc, lines(0, written, written + 2000)));
      written += 2000;
    }
  }
  QCOMPARE(::kill(pid_t(proc->processId()), signal), 0);
  QVERIFY(proc->waitForFinished(10'000));
  const QByteArray err = proc->readAllStandardError();
  QVERIFY2(proc->exitStatus() == QProcess::NormalExit, err.constData());  // it handled it
  QCOMPARE(proc->exitCode(), 128 + signal);

  const auto run = f->find("stopped");
  QCOMPARE(statusName(run.status), std::string("killed"));
  QCOMPARE(run.status_message, std::string("stopped by signal"));
  QVERIFY(run.ended_at.has_value());
  // What it had read is flushed before it exits, and it says how much.
  const auto loss = f->series(run.id, "loss");
  const auto acc = f->series(run.id, "acc");
  QVERIFY(loss.size() >= std::size_t(kFirst) && loss.size() <= std::size_t(written));
  QCOMPARE(acc.size(), loss.size());
  if (!while_writing) QCOMPARE(loss.size(), std::size_t(kFirst));
  QByteArray problem = checkPrefix(loss, 0, 0);
  QVERIFY2(problem.isEmpty(), problem.constData());
  problem = checkPrefix(acc, 0, 1);
  QVERIFY2(problem.isEmpty(), problem.constData());
  QVERIFY2(err.contains(
               QByteArray("logged " + QByteArray::number(qsizetype(2 * loss.size())) + " points")),
           err.constData());
}

QTEST_GUILESS_MAIN(TestConcurrency)
#include "tst_concurrency.moc"
