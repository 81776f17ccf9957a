// The wb command line's usage side, by running the real binary: --help for every command, and
// bad input failing with an exit code != 0 and one line on stderr, without touching the
// workspace. The calls of both tables run side by side in initTestCase; the rows check the
// results.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QTemporaryDir>
#include <QTest>

#include "cli_fixture.h"

using namespace wbtest;

namespace {

QList<QStringList> helpCases() {
  auto L = [](const char* words) {
    return QString::fromUtf8(words).split(QLatin1Char(' '), Qt::SkipEmptyParts);
  };
  return {L(""),           L("init"),           L("version"),      L("demo"),      L("runs"),
          L("runs list"),  L("runs show"),      L("runs rm"),      L("runs tag"),  L("runs note"),
          L("metrics"),    L("metrics export"), L("log"),          L("log start"), L("log param"),
          L("log metric"), L("log stream"),     L("log artifact"), L("log end")};
}

struct ErrorCase {
  const char* name;
  const char* args;      // split at spaces; {ws}, {plain} and {tmp} are replaced
  const char* expect;    // a part of the one-line message on stderr
  const char* cwd = "";  // "" or a placeholder
};

// r1 is a running run, done a finished one with a "loss" series (see initTestCase).
const std::vector<ErrorCase>& errorCases() {
  static const std::vector<ErrorCase> cases = {
      {"unknown subcommand", "-w {ws} bogus", "bogus"},
      {"unknown subcommand first", "frobnicate --json", "frobnicate"},
      {"unknown runs subcommand", "-w {ws} runs bogus", "bogus"},
      {"unknown option", "-w {ws} runs list --bogus", "--bogus"},
      {"no subcommand", "", "subcommand"},
      {"missing subcommand", "log", "subcommand"},
      {"missing DIR: init", "init", "DIR"},
      {"missing DIR: demo", "demo", "DIR"},
      {"missing RUN: runs show", "-w {ws} runs show", "RUN"},
      {"missing TEXT: runs note", "-w {ws} runs note r1", "TEXT"},
      {"missing PARAMS: log param", "-w {ws} log param r1", "PARAMS"},
      {"missing VALUES: log metric", "-w {ws} log metric r1", "VALUES"},
      {"missing FILE: log artifact", "-w {ws} log artifact r1", "FILE"},
      {"not a workspace: --workspace", "-w {plain} runs list", "not a Workbench workspace"},
      {"not a workspace: cwd", "runs list", "not inside a Workbench workspace", "{plain}"},
      {"not a workspace: log start", "log start", "not inside a Workbench workspace", "{plain}"},
      {"workspace folder missing", "-w {plain}/missing runs list", "no such folder"},
      {"unknown run: runs show", "-w {ws} runs show nope", "no such run"},
      {"unknown run: runs show --json", "-w {ws} --json runs show nope", "no such run"},
      {"unknown run: runs rm", "-w {ws} runs rm done nope", "no such run"},
      {"unknown run: runs tag", "-w {ws} runs tag nope a", "no such run"},
      {"unknown run: runs note", "-w {ws} runs note nope x", "no such run"},
      {"unknown run: metrics export", "-w {ws} metrics export nope", "no such run"},
      {"unknown run: log param", "-w {ws} log param nope a=1", "no such run"},
      {"unknown run: log metric", "-w {ws} log metric nope loss=1", "no such run"},
      {"unknown run: log artifact", "-w {ws} log artifact nope {tmp}/file.txt", "no such run"},
      {"unknown run: log end", "-w {ws} log end nope", "no such run"},
      {"unknown run: log stream --run", "-w {ws} log stream --run nope", "no such run"},
      {"id prefix too short", "-w {ws} runs show abc", "no such run"},
      {"bad KEY=VALUE: log param", "-w {ws} log param r1 a=1 lr", "expected KEY=VALUE, got 'lr'"},
      {"bad KEY=VALUE: empty key", "-w {ws} log param r1 =0.1", "empty key"},
      {"bad KEY=VALUE: log start -p", "-w {ws} log start -n x -p lr", "expected KEY=VALUE"},
      {"bad KEY=VALUE: log metric", "-w {ws} log metric r1 loss", "expected KEY=VALUE"},
      {"non-numeric metric", "-w {ws} log metric r1 loss=abc", "not a number: 'abc'"},
      {"partly numeric metric", "-w {ws} log metric r1 acc=0.5 loss=1.5x", "not a number: '1.5x'"},
      {"empty metric value", "-w {ws} log metric r1 loss=", "not a number"},
      {"non-numeric epoch", "-w {ws} log metric r1 loss=1 --epoch x", "--epoch"},
      {"negative step", "-w {ws} log metric r1 loss=1 --step -1", "--step"},
      {"bad --status: log end", "-w {ws} log end r1 --status bogus",
       "--status must be finished, failed or killed"},
      {"non-final --status: log end", "-w {ws} log end r1 -s running",
       "--status must be finished, failed or killed"},
      {"bad --status: runs list", "-w {ws} runs list --status bogus", "unknown status 'bogus'"},
      {"non-numeric --limit", "-w {ws} runs list -n many", "--limit"},
      {"init on an existing workspace", "init {ws}", "already a workspace"},
      {"init on a file", "init {tmp}/file.txt", "not a folder"},
      {"nothing to tag", "-w {ws} runs tag r1", "nothing to do"},
      {"rm a running run", "-w {ws} runs rm r1", "still running"},
      {"export an unknown key", "-w {ws} metrics export done -k nokey", "no metric 'nokey'"},
      {"export --csv with --json-series", "-w {ws} metrics export done --csv --json-series",
       "--csv"},
      {"artifact file missing", "-w {ws} log artifact r1 {tmp}/nofile.bin", "no such file"},
      {"config file missing", "-w {ws} log start -c {tmp}/nofile.yaml", "nofile.yaml"},
      {"demo epochs out of range", "demo {tmp}/demo --epochs 0", "--epochs"},
  };
  return cases;
}

}  // namespace

class TestCliErrors : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void helpWorksForEveryCommand_data();
  void helpWorksForEveryCommand();
  void badInputFailsWithOneLine_data();
  void badInputFailsWithOneLine();
  void badInputChangesNothing();
  void demoWithoutWbMlFailsWithOneLine();

 private:
  QString expand(QString text) const;

  std::unique_ptr<Fixture> m_shared;  // the workspace the error cases run against
  QTemporaryDir m_plain;              // a folder that is not a workspace
  std::string m_r1, m_done;
  QHash<QString, WbResult> m_help;
  QHash<QString, WbResult> m_errors;
};

QString TestCliErrors::expand(QString text) const {
  text.replace(QStringLiteral("{ws}"), m_shared->root());
  text.replace(QStringLiteral("{plain}"), m_plain.path());
  text.replace(QStringLiteral("{tmp}"), m_shared->tmp.path());
  return text;
}

void TestCliErrors::initTestCase() {
  QVERIFY2(QFileInfo(wbPath()).isExecutable(), qPrintable(wbPath()));
  QVERIFY(m_plain.isValid());
  m_shared = makeFixture();
  QVERIFY(m_shared);
  m_r1 = m_shared->run("r1", "Default", RunStatus::Running, QCoreApplication::applicationPid());
  m_done = m_shared->run("done", "Default", RunStatus::Finished, 0, {{"lr", "0.1"}});
  QVERIFY(!m_r1.empty() && !m_done.empty());
  QVERIFY(m_shared->log(m_done, "loss", {{0, kNaN, 1000, 1.0}, {1, kNaN, 1001, 0.5}}));
  {
    QFile file(m_shared->tmp.path() + QStringLiteral("/file.txt"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("some bytes\n");
  }

  std::vector<WbCall> calls;
  QStringList keys;
  for (const auto& cmd : helpCases()) {
    calls.push_back({cmd + QStringList{QStringLiteral("--help")}, {}, {}, {}});
    keys << QStringLiteral("help:") + cmd.join(QLatin1Char(' '));
  }
  for (const auto& c : errorCases()) {
    QStringList args;
    for (const auto& a : QString::fromUtf8(c.args).split(QLatin1Char(' '), Qt::SkipEmptyParts))
      args << expand(a);
    calls.push_back({args, expand(QString::fromUtf8(c.cwd)), {}, {}});
    keys << QStringLiteral("error:") + QString::fromUtf8(c.name);
  }
  const auto results = runWbAll(calls);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const QString& key = keys[qsizetype(i)];
    if (key.startsWith(QStringLiteral("help:")))
      m_help.insert(key.mid(5), results[i]);
    else
      m_errors.insert(key.mid(6), results[i]);
  }
}

void TestCliErrors::helpWorksForEveryCommand_data() {
  QTest::addColumn<QString>("command");
  for (const auto& cmd : helpCases()) {
    const QString name = cmd.join(QLatin1Char(' '));
    QTest::newRow(name.isEmpty() ? "wb" : qPrintable(name)) << name;
  }
}

void TestCliErrors::helpWorksForEveryCommand() {
  QFETCH(QString, command);
  QVERIFY(m_help.contains(command));
  const auto& r = m_help[command];
  WB_VERIFY_RUN(r);
  const QByteArray usage =
      "Usage: wb " + (command.isEmpty() ? QByteArray() : QByteArray(command.toUtf8() + ' '));
  QVERIFY2(r.out.contains(usage), r.describe().constData());
  QVERIFY2(r.out.contains("--help"), r.describe().constData());
  QVERIFY2(r.err.isEmpty(), r.describe().constData());
}

void TestCliErrors::badInputFailsWithOneLine_data() {
  QTest::addColumn<QString>("expect");
  for (const auto& c : errorCases()) QTest::newRow(c.name) << QString::fromUtf8(c.expect);
}

void TestCliErrors::badInputFailsWithOneLine() {
  QFETCH(QString, expect);
  const QString name = QString::fromUtf8(QTest::currentDataTag());
  QVERIFY(m_errors.contains(name));
  const auto& r = m_errors[name];
  QVERIFY2(r.finished, r.describe().constData());
  QVERIFY2(r.exit_status == QProcess::NormalExit, r.describe().constData());  // no crash
  QVERIFY2(r.exit_code != 0, r.describe().constData());
  QVERIFY2(isOneLine(r.err), r.describe().constData());
  QVERIFY2(r.err.startsWith("wb: "), r.describe().constData());
  QVERIFY2(r.err.contains(expect.toUtf8()), r.describe().constData());
  QVERIFY2(r.out.isEmpty(), r.describe().constData());
}

void TestCliErrors::badInputChangesNothing() {
  // The failed commands above ran against m_shared: none of them may have written anything.
  RunRepository repo(*m_shared->db);
  auto runs = repo.list();
  WB_VERIFY_OK(runs);
  QCOMPARE(runs->size(), std::size_t(2));  // no run from a failed `log start`
  const auto r1 = m_shared->find("r1");
  QCOMPARE(statusName(r1.status), std::string("running"));
  auto params = repo.params(m_r1);
  WB_VERIFY_OK(params);
  QVERIFY2(params->empty(), "a failed `log param` wrote some of its pairs");
  auto tags = repo.tags(m_r1);
  WB_VERIFY_OK(tags);
  QVERIFY(tags->empty());
  QVERIFY2(m_shared->series(m_r1, "acc").empty(), "a failed `log metric` logged some values");
  QVERIFY(m_shared->series(m_r1, "loss").empty());
  QCOMPARE(m_shared->series(m_done, "loss").size(), std::size_t(2));
  QCOMPARE(m_shared->count("SELECT count(*) FROM artifacts"), std::int64_t(0));
  QCOMPARE(statusName(m_shared->find("done").status), std::string("finished"));
  QVERIFY(QDir(m_plain.path()).isEmpty());
  QVERIFY(!QFileInfo::exists(m_shared->tmp.path() + QStringLiteral("/demo")));
}

void TestCliErrors::demoWithoutWbMlFailsWithOneLine() {
  // `wb demo` execs wb-ml next to wb (LibTorch lives there); a wb installed alone says so.
  QTemporaryDir bin;
  QVERIFY(bin.isValid());
  const QString lone = bin.path() + QStringLiteral("/wb");
  QVERIFY(QFile::copy(wbPath(), lone));
  QProcess p;
  p.setProcessEnvironment(wbEnvironment());
  p.start(lone, {QStringLiteral("demo"), bin.path() + QStringLiteral("/demo"),
                 QStringLiteral("--epochs"), QStringLiteral("1")});
  QVERIFY(p.waitForFinished(30'000));
  const QByteArray err = p.readAllStandardError();
  QCOMPARE(p.exitStatus(), QProcess::NormalExit);
  QVERIFY(p.exitCode() != 0);
  QVERIFY2(isOneLine(err), err.constData());
  QVERIFY2(err.startsWith("wb: ") && err.contains("wb-ml"), err.constData());
  QVERIFY(p.readAllStandardOutput().isEmpty());
  QVERIFY(!QFileInfo::exists(bin.path() + QStringLiteral("/demo")));
}

QTEST_GUILESS_MAIN(TestCliErrors)
#include "tst_cli_errors.moc"
