// The wb command line, tested by running the real binary: exit codes, output, JSON, and what
// ends up in the workspace (read back through core).
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "cli_fixture.h"
#include "core/common/numbers.h"
#include "core/objects/object_store.h"
#include "core/store/schema.h"

using namespace wbtest;

class TestCli : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void version();
  void initCreatesWorkspace();

  void logStartParamMetricArtifactEnd();
  void logStream();
  void runsList();
  void runsShow();
  void runsTagAndNote();
  void runsRm();
  void runsCompare();
  void metricsExport();
  void demo();
  void workspaceDiscovery();

 private:
  QTemporaryDir m_plain;  // a folder that is not a workspace
};

void TestCli::initTestCase() {
  QVERIFY2(QFileInfo(wbPath()).isExecutable(), qPrintable(wbPath()));
  QVERIFY(m_plain.isValid());
}

// ---------------------------------------------------------------------------------------------

void TestCli::version() {
  const auto results =
      runWbAll({{{QStringLiteral("version")}, {}, {}, {}},
                {{QStringLiteral("--json"), QStringLiteral("version")}, {}, {}, {}}});
  const auto& text = results[0];
  WB_VERIFY_RUN(text);
  QVERIFY2(QRegularExpression(QStringLiteral("^wb \\d+\\.\\d+\\.\\d+ \\(workspace schema %1\\)\\n$")
                                  .arg(wb::store::latestSchemaVersion()))
               .match(QString::fromUtf8(text.out))
               .hasMatch(),
           text.out.constData());
  QVERIFY(text.err.isEmpty());

  const auto& json = results[1];
  WB_VERIFY_RUN(json);
  WB_PARSE_OBJECT(obj, json.out);
  QVERIFY(!obj.value(QStringLiteral("version")).toString().isEmpty());
  QVERIFY(text.out.contains(obj.value(QStringLiteral("version")).toString().toUtf8()));
  QCOMPARE(obj.value(QStringLiteral("schema_version")).toInt(-1), wb::store::latestSchemaVersion());
}

void TestCli::initCreatesWorkspace() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const QString a = tmp.path() + QStringLiteral("/alpha");
  const QString b = tmp.path() + QStringLiteral("/nested/beta");  // parents are created
  const auto results = runWbAll({{{QStringLiteral("init"), a}, {}, {}, {}},
                                 {{QStringLiteral("--json"), QStringLiteral("init"), b,
                                   QStringLiteral("--name"), QStringLiteral("Beta Project")},
                                  {},
                                  {},
                                  {}}});
  WB_VERIFY_RUN(results[0]);
  QVERIFY2(results[0].out.startsWith("Created workspace alpha in "), results[0].out.constData());
  QVERIFY(results[0].out.contains(QFileInfo(a).canonicalFilePath().toUtf8()));
  QVERIFY(results[0].err.isEmpty());
  auto ws_a = wb::Workspace::open(a.toStdString());
  WB_VERIFY_OK(ws_a);
  QCOMPARE(ws_a->name(), std::string("alpha"));

  WB_VERIFY_RUN(results[1]);
  WB_PARSE_OBJECT(obj, results[1].out);
  QCOMPARE(obj.value(QStringLiteral("name")).toString(), QStringLiteral("Beta Project"));
  QCOMPARE(obj.value(QStringLiteral("workspace")).toString(), QFileInfo(b).canonicalFilePath());
  QCOMPARE(obj.value(QStringLiteral("schema_version")).toInt(-1), wb::store::latestSchemaVersion());
  auto ws_b = wb::Workspace::open(b.toStdString());
  WB_VERIFY_OK(ws_b);
  QCOMPARE(ws_b->name(), std::string("Beta Project"));
  auto db = ws_b->connect();
  WB_VERIFY_OK(db);
  auto version = wb::store::schemaVersion(**db);
  WB_VERIFY_OK(version);
  QCOMPARE(*version, wb::store::latestSchemaVersion());
}

// ---------------------------------------------------------------------------------------------

void TestCli::logStartParamMetricArtifactEnd() {
  auto f = makeFixture();
  QVERIFY(f);
  const QString ws = f->root();
  const QString config = f->path(QStringLiteral("config.yaml"));
  const QByteArray config_text = "model: mlp\nlr: 0.1\n";
  const QString artifact = f->path(QStringLiteral("weights.bin"));
  const QByteArray artifact_bytes = QByteArray("\x00\x01weights\xff", 10).repeated(1000);
  {
    QFile c(config);
    QVERIFY(c.open(QIODevice::WriteOnly));
    c.write(config_text);
    QFile a(artifact);
    QVERIFY(a.open(QIODevice::WriteOnly));
    a.write(artifact_bytes);
  }
  const pid_t dead = deadPid();
  auto W = [&](QStringList args) {
    return WbCall{QStringList{QStringLiteral("-w"), ws} + args, {}, {}, {}};
  };
  auto S = [](const char* words) { return QString::fromUtf8(words).split(QLatin1Char(' ')); };

  // 1. Start three runs.
  auto started = runWbAll({
      W(S("log start -e exp1 -n first -p lr=0.1 -p layers=2 -t baseline -t owner=me --notes hi") +
        QStringList{QStringLiteral("-c"), config}),
      W(S("--json log start -n second")),
      W(S("log start -n orphan --pid") + QStringList{QString::number(dead)}),
  });
  for (const auto& r : started) WB_VERIFY_RUN(r);
  QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{32}\\n$"))
               .match(QString::fromUtf8(started[0].out))
               .hasMatch(),
           started[0].describe().constData());
  const std::string first_id = started[0].out.trimmed().toStdString();
  WB_PARSE_OBJECT(second_json, started[1].out);
  const std::string second_id = second_json.value(QStringLiteral("id")).toString().toStdString();
  QCOMPARE(second_json.value(QStringLiteral("name")).toString(), QStringLiteral("second"));
  QCOMPARE(second_json.value(QStringLiteral("experiment")).toString(), QStringLiteral("Default"));
  QCOMPARE(second_id.size(), std::size_t(32));

  RunRepository repo(*f->db);
  auto first = f->find(first_id);
  QCOMPARE(first.name, std::string("first"));
  QCOMPARE(first.experiment, std::string("exp1"));
  QCOMPARE(statusName(first.status), std::string("running"));
  QCOMPARE(first.notes, std::string("hi"));
  QCOMPARE(first.config_text, config_text.toStdString());
  QCOMPARE(first.config_hash,
           QCryptographicHash::hash(config_text, QCryptographicHash::Sha256).toHex().toStdString());
  // Owned by the calling process (here: this test), so it is not reaped while we live.
  QCOMPARE(first.pid, std::int64_t(QCoreApplication::applicationPid()));
  QCOMPARE(*repo.tags(first_id), (wb::store::ParamMap{{"baseline", ""}, {"owner", "me"}}));
  QCOMPARE(f->find("orphan").pid, std::int64_t(dead));

  // 2. Params, metrics, artifacts, and the end of the second run.
  const QString first_prefix = QString::fromStdString(first_id.substr(0, 8));
  auto second_step = runWbAll({
      W(S("log param first lr=0.2 seed=7")), W(S("log metric first loss=0.5 acc=0.25")),
      W(S("log artifact first") + QStringList{artifact}),
      W(S("--json log artifact second") +
        QStringList{artifact, QStringLiteral("--path"), QStringLiteral("model/w.bin")}),
      W(S("log end second --status failed -m") + QStringList{QStringLiteral("out of memory")}),
      W(S("--json runs show orphan")),  // reads reap runs whose process is gone
  });
  for (const auto& r : second_step) WB_VERIFY_RUN(r);
  const QByteArray artifact_sha =
      QCryptographicHash::hash(artifact_bytes, QCryptographicHash::Sha256).toHex();
  QCOMPARE(second_step[2].out, QByteArray(artifact_sha + '\n'));
  WB_PARSE_OBJECT(art_json, second_step[3].out);
  QCOMPARE(art_json.value(QStringLiteral("path")).toString(), QStringLiteral("model/w.bin"));
  QCOMPARE(art_json.value(QStringLiteral("object_id")).toString().toUtf8(), artifact_sha);
  QCOMPARE(art_json.value(QStringLiteral("size_bytes")).toInteger(), qint64(artifact_bytes.size()));
  QVERIFY(second_step[4].out.isEmpty());
  WB_PARSE_OBJECT(orphan, second_step[5].out);
  QCOMPARE(orphan.value(QStringLiteral("status")).toString(), QStringLiteral("killed"));
  QVERIFY2(
      orphan.value(QStringLiteral("status_message")).toString().contains(QString::number(dead)),
      second_step[5].out.constData());

  // 3. The next metric call continues the steps.
  auto third = runWb(W(S("log metric first loss=0.25 acc=nan --epoch 1.5")));
  WB_VERIFY_RUN(third);
  // 4. An explicit step (by id prefix), and the end of the first run.
  auto fourth = runWbAll({
      W(QStringList{QStringLiteral("log"), QStringLiteral("metric"), first_prefix,
                    QStringLiteral("loss=0.125"), QStringLiteral("--step"), QStringLiteral("10")}),
      W(S("log end first")),
  });
  for (const auto& r : fourth) WB_VERIFY_RUN(r);

  QCOMPARE(*repo.params(first_id),
           (wb::store::ParamMap{{"layers", "2"}, {"lr", "0.2"}, {"seed", "7"}}));
  const auto loss = f->series(first_id, "loss");
  QCOMPARE(loss.size(), std::size_t(3));
  QCOMPARE(loss[0].step, std::int64_t(0));
  QCOMPARE(loss[1].step, std::int64_t(1));
  QCOMPARE(loss[2].step, std::int64_t(10));
  QVERIFY(same(loss[0].value, 0.5) && same(loss[1].value, 0.25) && same(loss[2].value, 0.125));
  QVERIFY(std::isnan(loss[0].epoch) && same(loss[1].epoch, 1.5) && std::isnan(loss[2].epoch));
  const auto acc = f->series(first_id, "acc");
  QCOMPARE(acc.size(), std::size_t(2));
  QVERIFY(same(acc[0].value, 0.25) && std::isnan(acc[1].value));
  QCOMPARE(acc[1].step, std::int64_t(1));

  auto arts = repo.artifacts(first_id);
  WB_VERIFY_OK(arts);
  QCOMPARE(arts->size(), std::size_t(1));
  QCOMPARE(arts->at(0).path, std::string("weights.bin"));
  QCOMPARE(arts->at(0).object_id, artifact_sha.toStdString());
  QCOMPARE(arts->at(0).size_bytes, std::int64_t(artifact_bytes.size()));
  wb::objects::ObjectStore objects(f->ws.objectsDir());
  WB_VERIFY_OK(objects.verify(artifact_sha.toStdString()));
  auto second_arts = repo.artifacts(second_id);
  WB_VERIFY_OK(second_arts);
  QCOMPARE(second_arts->size(), std::size_t(1));
  QCOMPARE(second_arts->at(0).path, std::string("model/w.bin"));

  first = f->find(first_id);
  QCOMPARE(statusName(first.status), std::string("finished"));
  QVERIFY(first.ended_at.has_value());
  const auto second = f->find(second_id);
  QCOMPARE(statusName(second.status), std::string("failed"));
  QCOMPARE(second.status_message, std::string("out of memory"));
}

void TestCli::logStream() {
  auto f = makeFixture();
  QVERIFY(f);
  const std::string existing =
      f->run("existing", "Default", RunStatus::Running, QCoreApplication::applicationPid());
  QVERIFY(!existing.empty());
  QVERIFY(f->log(existing, "loss", {{0, kNaN, 1, 3.0}, {1, kNaN, 2, 2.0}, {2, kNaN, 3, 1.0}}));

  const QByteArray input =
      "# a comment\n"                                                                 // 1
      "loss=1.5 acc=0.5 step=0\n"                                                     // 2
      "\n"                                                                            // 3
      "loss=1.25, acc=0.625, step=1, epoch=0.5\n"                                     // 4
      "{\"step\": 2, \"loss\": 1.0, \"acc\": 0.75, \"note\": \"text is ignored\"}\n"  // 5
      "loss=oops acc=0.9\n"  // 6: skipped whole
      "loss=0.75\n"          // 7: step 3
      "{\"loss\": 0.5}\n"    // 8: step 4
      "{bad json\n"          // 9: skipped
      "loss=0.25 step=9";    // 10: no final newline
  const QStringList ws{QStringLiteral("-w"), f->root()};
  auto results = runWbAll({
      {ws + QStringList{QStringLiteral("log"), QStringLiteral("stream"), QStringLiteral("-n"),
                        QStringLiteral("streamed"), QStringLiteral("-e"), QStringLiteral("s"),
                        QStringLiteral("-p"), QStringLiteral("bs=32")},
       {},
       input,
       {}},
      {ws + QStringList{QStringLiteral("--json"), QStringLiteral("log"), QStringLiteral("stream"),
                        QStringLiteral("-n"), QStringLiteral("js")},
       {},
       "a=1\na=2 step=5\n",
       {}},
      {ws + QStringList{QStringLiteral("log"), QStringLiteral("stream"), QStringLiteral("--run"),
                        QStringLiteral("existing")},
       {},
       "loss=9\nloss=8\n",
       {}},
  });
  for (const auto& r : results) WB_VERIFY_RUN(r);

  // Text mode: progress and warnings on stderr, nothing on stdout.
  const auto& text = results[0];
  QVERIFY2(text.out.isEmpty(), text.describe().constData());
  QVERIFY2(text.err.contains("stdin:6: skipped"), text.describe().constData());
  QVERIFY2(text.err.contains("stdin:9: skipped"), text.describe().constData());
  QVERIFY2(text.err.contains("logged 9 points"), text.describe().constData());
  QVERIFY2(text.err.contains("skipped 2 bad lines"), text.describe().constData());
  const auto run = f->find("streamed");
  QCOMPARE(statusName(run.status), std::string("finished"));
  QCOMPARE(run.experiment, std::string("s"));
  QCOMPARE(*RunRepository(*f->db).params(run.id), (wb::store::ParamMap{{"bs", "32"}}));
  const auto loss = f->series(run.id, "loss");
  const std::vector<std::int64_t> loss_steps = {0, 1, 2, 3, 4, 9};
  const std::vector<double> loss_values = {1.5, 1.25, 1.0, 0.75, 0.5, 0.25};
  QCOMPARE(loss.size(), loss_steps.size());
  for (std::size_t i = 0; i < loss.size(); ++i) {
    QCOMPARE(loss[i].step, loss_steps[i]);
    QVERIFY(same(loss[i].value, loss_values[i]));
  }
  QVERIFY(same(loss[1].epoch, 0.5));
  QVERIFY(std::isnan(loss[0].epoch));
  const auto acc = f->series(run.id, "acc");
  QCOMPARE(acc.size(), std::size_t(3));
  QVERIFY(same(acc[2].value, 0.75) && acc[2].step == 2);
  QVERIFY(f->series(run.id, "note").empty());
  QVERIFY(f->series(run.id, "step").empty());

  // JSON mode: one event per line on stdout.
  const auto lines = results[1].out.trimmed().split('\n');
  QCOMPARE(lines.size(), qsizetype(2));
  WB_PARSE_OBJECT(start, lines[0]);
  WB_PARSE_OBJECT(end, lines[1]);
  QCOMPARE(start.value(QStringLiteral("event")).toString(), QStringLiteral("run"));
  QCOMPARE(start.value(QStringLiteral("name")).toString(), QStringLiteral("js"));
  QCOMPARE(end.value(QStringLiteral("event")).toString(), QStringLiteral("end"));
  QCOMPARE(end.value(QStringLiteral("id")), start.value(QStringLiteral("id")));
  QCOMPARE(end.value(QStringLiteral("points")).toInt(), 2);
  QCOMPARE(end.value(QStringLiteral("skipped_lines")).toInt(), 0);
  const auto js = f->find("js");
  QCOMPARE(qs(js.id), start.value(QStringLiteral("id")).toString());
  QCOMPARE(statusName(js.status), std::string("finished"));
  const auto a = f->series(js.id, "a");
  QCOMPARE(a.size(), std::size_t(2));
  QCOMPARE(a[1].step, std::int64_t(5));

  // --run: appends after the run's last step and leaves its status alone.
  const auto ex = f->series(existing, "loss");
  QCOMPARE(ex.size(), std::size_t(5));
  QCOMPARE(ex[3].step, std::int64_t(3));
  QCOMPARE(ex[4].step, std::int64_t(4));
  QVERIFY(same(ex[4].value, 8.0));
  QCOMPARE(statusName(f->find(existing).status), std::string("running"));
}

void TestCli::runsList() {
  auto f = makeFixture();
  QVERIFY(f);
  const auto a = f->run("a", "A", RunStatus::Finished, 0, {{"lr", "0.1"}}, {{"best", ""}});
  const auto b = f->run("b", "B", RunStatus::Failed);
  const auto c = f->run("c", "A", RunStatus::Running, QCoreApplication::applicationPid());
  const auto d = f->run("d", "B", RunStatus::Running, deadPid());
  for (const auto& id : {a, b, c, d}) QVERIFY(!id.empty());
  int t = 1000;
  for (const auto& id : {a, b, c, d})
    WB_VERIFY_OK(f->db->exec("UPDATE runs SET created_at = " + std::to_string(t++) +
                             " WHERE id = '" + id + "'"));
  QVERIFY(f->log(a, "val/accuracy", {{0, kNaN, 1, 0.5}, {1, kNaN, 2, 0.9}}));
  QVERIFY(f->log(a, "train/loss", {{0, kNaN, 1, 0.3}, {1, kNaN, 2, 0.1}}));
  auto empty = makeFixture(QStringLiteral("empty"));
  QVERIFY(empty);

  const QStringList ws{QStringLiteral("-w"), f->root()};
  auto L = [&](const char* words) {
    return WbCall{ws + QString::fromUtf8(words).split(QLatin1Char(' ')), {}, {}, {}};
  };
  const auto results = runWbAll({
      L("runs list"),
      L("--json runs list"),
      L("--json runs list -e A"),
      L("--json runs list --status finished"),
      L("--json runs list -n 2"),
      WbCall{{QStringLiteral("-w"), empty->root(), QStringLiteral("runs"), QStringLiteral("list")},
             {},
             {},
             {}},
      L("--json runs list -s killed -e B"),
      WbCall{{QStringLiteral("-w"), empty->root(), QStringLiteral("--json"), QStringLiteral("runs"),
              QStringLiteral("list")},
             {},
             {},
             {}},
  });
  for (const auto& r : results) WB_VERIFY_RUN(r);

  // Text: a header and one line per run, newest first; the dead run was reaped.
  const auto lines = results[0].out.trimmed().split('\n');
  QCOMPARE(lines.size(), qsizetype(5));
  QVERIFY(lines[0].startsWith("ID"));
  QVERIFY(lines[0].contains("STATUS"));
  const char* order[] = {"d", "c", "b", "a"};
  const std::string ids[] = {d, c, b, a};
  const char* statuses[] = {"killed", "running", "failed", "finished"};
  for (int i = 0; i < 4; ++i) {
    const QByteArray& line = lines[i + 1];
    QVERIFY2(line.startsWith(QByteArray(QByteArray::fromStdString(ids[i].substr(0, 8)) + ' ')),
             line.constData());
    QVERIFY2(line.contains(QByteArray(QByteArray("  ") + order[i] + ' ')), line.constData());
    QVERIFY2(line.contains(statuses[i]), line.constData());
  }
  QVERIFY2(lines[4].contains("val/accuracy=0.9"), lines[4].constData());

  WB_PARSE_ARRAY(all, results[1].out);
  QCOMPARE(namesOf(all), (QStringList{QStringLiteral("d"), QStringLiteral("c"), QStringLiteral("b"),
                                      QStringLiteral("a")}));
  const auto jd = all[0].toObject();
  QCOMPARE(jd.value(QStringLiteral("status")).toString(), QStringLiteral("killed"));
  QVERIFY(
      jd.value(QStringLiteral("status_message")).toString().contains(QStringLiteral("process")));
  QVERIFY(!jd.value(QStringLiteral("ended_at")).isNull());
  const auto ja = all[3].toObject();
  QCOMPARE(ja.value(QStringLiteral("id")).toString(), qs(a));
  QCOMPARE(ja.value(QStringLiteral("experiment")).toString(), QStringLiteral("A"));
  QCOMPARE(ja.value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
  QCOMPARE(ja.value(QStringLiteral("params")).toObject().value(QStringLiteral("lr")).toString(),
           QStringLiteral("0.1"));
  QVERIFY(ja.value(QStringLiteral("tags")).toObject().contains(QStringLiteral("best")));
  const auto acc = ja.value(QStringLiteral("metrics"))
                       .toObject()
                       .value(QStringLiteral("val/accuracy"))
                       .toObject();
  QCOMPARE(acc.value(QStringLiteral("last")).toDouble(), 0.9);
  QCOMPARE(acc.value(QStringLiteral("best")).toDouble(), 0.9);
  QCOMPARE(acc.value(QStringLiteral("count")).toInt(), 2);
  const auto tl =
      ja.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("train/loss")).toObject();
  QCOMPARE(tl.value(QStringLiteral("best")).toDouble(), 0.1);
  QVERIFY(all[2].toObject().value(QStringLiteral("metrics")).toObject().isEmpty());

  WB_PARSE_ARRAY(exp_a, results[2].out);
  QCOMPARE(namesOf(exp_a), (QStringList{QStringLiteral("c"), QStringLiteral("a")}));
  WB_PARSE_ARRAY(finished, results[3].out);
  QCOMPARE(namesOf(finished), QStringList{QStringLiteral("a")});
  WB_PARSE_ARRAY(limited, results[4].out);
  QCOMPARE(namesOf(limited), (QStringList{QStringLiteral("d"), QStringLiteral("c")}));

  QVERIFY2(results[5].out.contains("(no runs)"), results[5].describe().constData());
  WB_PARSE_ARRAY(killed, results[6].out);
  QCOMPARE(namesOf(killed), QStringList{QStringLiteral("d")});
  WB_PARSE_ARRAY(none, results[7].out);
  QVERIFY(none.isEmpty());
}

void TestCli::runsShow() {
  auto f = makeFixture();
  QVERIFY(f);
  RunRepository repo(*f->db);
  wb::store::NewRun spec;
  spec.name = "shown";
  spec.experiment = "exp";
  spec.config_text = "model: mlp\n";
  spec.params = {{"lr", "0.01"}, {"optim", "adam"}};
  spec.tags = {{"baseline", ""}, {"owner", "me"}};
  spec.notes = "looks good";
  auto run = repo.create(spec);
  WB_VERIFY_OK(run);
  WB_VERIFY_OK(repo.setStatus(run->id, RunStatus::Finished));
  WB_VERIFY_OK(repo.addArtifact({run->id, "model/last.pt", std::string(64, 'c'), 1234, 0}));
  QVERIFY(f->log(run->id, "val/loss", {{0, kNaN, 1, 0.8}, {1, kNaN, 2, 0.3}, {2, kNaN, 3, 0.4}}));
  const QString prefix = qs(run->id.substr(0, 6));

  const QStringList ws{QStringLiteral("-w"), f->root()};
  const auto results = runWbAll({
      {ws + QStringList{QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("shown")},
       {},
       {},
       {}},
      {ws + QStringList{QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("show"),
                        prefix},
       {},
       {},
       {}},
  });
  for (const auto& r : results) WB_VERIFY_RUN(r);

  const QByteArray& text = results[0].out;
  for (const QByteArray& part :
       {QByteArray("shown"), QByteArray::fromStdString(run->id), QByteArray("Experiment exp"),
        QByteArray("finished"), QByteArray("Params"), QByteArray("optim"), QByteArray("adam"),
        QByteArray("Metrics"), QByteArray("val/loss"), QByteArray("Tags"), QByteArray("owner=me"),
        QByteArray("Artifacts"), QByteArray("model/last.pt"), QByteArray("Notes"),
        QByteArray("looks good")})
    QVERIFY2(text.contains(part), QByteArray(part + " missing in:\n" + text).constData());
  // The metrics row: LAST 0.4, BEST (min, a loss) 0.3, MIN 0.3, MAX 0.8, 3 steps.
  const QRegularExpression row(QStringLiteral("val/loss\\s+0\\.4\\s+0\\.3\\s+0\\.3\\s+0\\.8\\s+3"));
  QVERIFY2(row.match(QString::fromUtf8(text)).hasMatch(), text.constData());

  WB_PARSE_OBJECT(j, results[1].out);
  QCOMPARE(j.value(QStringLiteral("id")).toString(), qs(run->id));
  QCOMPARE(j.value(QStringLiteral("name")).toString(), QStringLiteral("shown"));
  QCOMPARE(j.value(QStringLiteral("experiment")).toString(), QStringLiteral("exp"));
  QCOMPARE(j.value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
  QCOMPARE(j.value(QStringLiteral("config")).toString(), QStringLiteral("model: mlp\n"));
  QCOMPARE(j.value(QStringLiteral("notes")).toString(), QStringLiteral("looks good"));
  QCOMPARE(j.value(QStringLiteral("params")).toObject().value(QStringLiteral("optim")).toString(),
           QStringLiteral("adam"));
  QCOMPARE(j.value(QStringLiteral("tags")).toObject().value(QStringLiteral("owner")).toString(),
           QStringLiteral("me"));
  const auto m =
      j.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("val/loss")).toObject();
  QCOMPARE(m.value(QStringLiteral("last")).toDouble(), 0.4);
  QCOMPARE(m.value(QStringLiteral("min")).toDouble(), 0.3);
  QCOMPARE(m.value(QStringLiteral("max")).toDouble(), 0.8);
  QCOMPARE(m.value(QStringLiteral("best")).toDouble(), 0.3);
  QCOMPARE(m.value(QStringLiteral("count")).toInt(), 3);
  QCOMPARE(m.value(QStringLiteral("last_step")).toInt(), 2);
  const auto arts = j.value(QStringLiteral("artifacts")).toArray();
  QCOMPARE(arts.size(), qsizetype(1));
  QCOMPARE(arts[0].toObject().value(QStringLiteral("path")).toString(),
           QStringLiteral("model/last.pt"));
  QCOMPARE(arts[0].toObject().value(QStringLiteral("size_bytes")).toInt(), 1234);
  QVERIFY(j.value(QStringLiteral("duration_s")).toDouble(-1) >= 0);
}

void TestCli::runsTagAndNote() {
  auto f = makeFixture();
  QVERIFY(f);
  const auto id = f->run("t");
  QVERIFY(!id.empty());
  const QStringList ws{QStringLiteral("-w"), f->root()};
  auto C = [&](const char* words) {
    return WbCall{ws + QString::fromUtf8(words).split(QLatin1Char(' ')), {}, {}, {}};
  };
  auto step1 = runWbAll({C("--json runs tag t a=1 b"), C("runs note t first")});
  for (const auto& r : step1) WB_VERIFY_RUN(r);
  WB_PARSE_OBJECT(tags1, step1[0].out);
  QCOMPARE(tags1.value(QStringLiteral("id")).toString(), qs(id));
  QCOMPARE(
      tags1.value(QStringLiteral("tags")).toObject(),
      (QJsonObject{{QStringLiteral("a"), QStringLiteral("1")}, {QStringLiteral("b"), QString()}}));
  QVERIFY(step1[1].out.isEmpty());

  auto step2 = runWbAll({C("runs tag t c=3 -r a"), C("--json runs note t second --append")});
  for (const auto& r : step2) WB_VERIFY_RUN(r);
  QVERIFY2(step2[0].out.startsWith("t:"), step2[0].out.constData());
  QVERIFY2(step2[0].out.contains(" b") && step2[0].out.contains(" c=3") &&
               !step2[0].out.contains(" a=1"),
           step2[0].out.constData());
  WB_PARSE_OBJECT(note, step2[1].out);
  QCOMPARE(note.value(QStringLiteral("notes")).toString(), QStringLiteral("first\nsecond"));

  QCOMPARE(*RunRepository(*f->db).tags(id), (wb::store::ParamMap{{"b", ""}, {"c", "3"}}));
  QCOMPARE(f->find(id).notes, std::string("first\nsecond"));

  // Without --append the note is replaced.
  const auto replaced = runWb(C("runs note t replaced"));
  WB_VERIFY_RUN(replaced);
  QCOMPARE(f->find(id).notes, std::string("replaced"));
}

void TestCli::runsCompare() {
  auto f = makeFixture();
  QVERIFY(f);
  const auto a = f->run("cmp-a", "Default", RunStatus::Finished, 0, {{"optim.lr", "0.1"}, {"seed", "1"}});
  const auto b = f->run("cmp-b", "Default", RunStatus::Finished, 0, {{"optim.lr", "0.01"}, {"seed", "1"}});
  QVERIFY(!a.empty() && !b.empty());
  // val/loss: a ends at 0.30 (best 0.25), b at 0.20 (best 0.20); lower is better.
  QVERIFY(f->log(a, "val/loss", {{1, 1, 1, 0.5}, {2, 2, 2, 0.25}, {3, 3, 3, 0.30}}));
  QVERIFY(f->log(b, "val/loss", {{1, 1, 1, 0.6}, {2, 2, 2, 0.20}}));
  const QStringList ws{QStringLiteral("-w"), f->root()};
  auto r = runWb(ws + QStringList{QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("compare"),
                                  QStringLiteral("cmp-a"), QStringLiteral("cmp-b"), QStringLiteral("--metric"),
                                  QStringLiteral("val/loss")});
  WB_VERIFY_RUN(r);
  WB_PARSE_OBJECT(j, r.out);
  const auto params = j.value(QStringLiteral("params")).toArray();
  QCOMPARE(params.size(), 1);  // only the differing one by default
  QCOMPARE(params[0].toObject().value(QStringLiteral("key")).toString(), QStringLiteral("optim.lr"));
  QCOMPARE(j.value(QStringLiteral("params_equal")).toInt(), 1);
  const auto summary = j.value(QStringLiteral("summary")).toObject();
  QCOMPARE(summary.value(QStringLiteral("goal")).toString(), QStringLiteral("min"));
  QCOMPARE(summary.value(QStringLiteral("best")).toObject().value(QStringLiteral("name")).toString(),
           QStringLiteral("cmp-b"));
  QCOMPARE(summary.value(QStringLiteral("delta")).toDouble(), 0.20 - 0.25);
  auto text = runWb(ws + QStringList{QStringLiteral("runs"), QStringLiteral("compare"), QStringLiteral("cmp-a"),
                                     QStringLiteral("cmp-b"), QStringLiteral("--metric"), QStringLiteral("val/loss")});
  WB_VERIFY_RUN(text);
  QVERIFY2(text.out.contains("Best on val/loss (min): cmp-b"), text.out.constData());
  auto one = runWb(ws + QStringList{QStringLiteral("runs"), QStringLiteral("compare"), QStringLiteral("cmp-a")});
  QVERIFY(!one.ok());
  QCOMPARE(one.err.count('\n'), 1);
  auto missing = runWb(ws + QStringList{QStringLiteral("runs"), QStringLiteral("compare"), QStringLiteral("cmp-a"),
                                        QStringLiteral("nope")});
  QVERIFY(!missing.ok());
  QVERIFY2(missing.err.contains("nope"), missing.describe().constData());
}

void TestCli::runsRm() {
  auto f = makeFixture();
  QVERIFY(f);
  const auto x =
      f->run("x", "Default", RunStatus::Running, QCoreApplication::applicationPid(), {{"p", "1"}});
  const auto y = f->run("y", "Default", RunStatus::Finished);
  const auto z = f->run("z", "Default", RunStatus::Killed);
  const auto keep = f->run("keep", "Default", RunStatus::Finished);
  const auto twice = f->run("twice", "Default", RunStatus::Finished);
  for (const auto& id : {x, y, z, keep, twice}) QVERIFY(!id.empty());
  for (const auto& id : {x, y, keep}) QVERIFY(f->log(id, "loss", {{0, kNaN, 1, 1.0}}));

  const QStringList ws{QStringLiteral("-w"), f->root()};
  const auto results = runWbAll({
      {ws + QStringList{QStringLiteral("runs"), QStringLiteral("rm"), QStringLiteral("--force"),
                        QStringLiteral("x")},
       {},
       {},
       {}},
      {ws + QStringList{QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("rm"),
                        QStringLiteral("y"), qs(z.substr(0, 8))},
       {},
       {},
       {}},
      // The same run by name and by id.
      {ws + QStringList{QStringLiteral("runs"), QStringLiteral("rm"), QStringLiteral("twice"),
                        qs(twice)},
       {},
       {},
       {}},
  });
  WB_VERIFY_RUN(results[0]);
  WB_VERIFY_RUN(results[1]);
  QCOMPARE(results[0].out, QByteArray("removed x (" + QByteArray::fromStdString(x) + ")\n"));
  WB_PARSE_OBJECT(j, results[1].out);
  const auto removed = j.value(QStringLiteral("removed")).toArray();
  QCOMPARE(removed.size(), qsizetype(2));
  QCOMPARE(removed[0].toObject().value(QStringLiteral("id")).toString(), qs(y));
  QCOMPARE(removed[1].toObject().value(QStringLiteral("id")).toString(), qs(z));
  QCOMPARE(removed[1].toObject().value(QStringLiteral("name")).toString(), QStringLiteral("z"));

  auto runs = RunRepository(*f->db).list();
  WB_VERIFY_OK(runs);
  QStringList left;
  for (const auto& r : *runs) left << qs(r.name);
  left.removeAll(QStringLiteral("twice"));  // checked below
  QCOMPARE(left, QStringList{QStringLiteral("keep")});
  for (const auto& id : {x, y, z}) {
    for (const char* table : {"params", "tags", "metric_chunks", "metric_summaries"})
      QCOMPARE(
          f->count(std::string("SELECT count(*) FROM ") + table + " WHERE run_id = '" + id + "'"),
          std::int64_t(0));
  }
  QCOMPARE(f->series(keep, "loss").size(), std::size_t(1));

  QVERIFY2(results[2].ok(), results[2].describe().constData());
  QVERIFY(f->find(twice).id.empty());
}

void TestCli::metricsExport() {
  auto f = makeFixture();
  QVERIFY(f);
  const auto id = f->run("m", "Default", RunStatus::Finished);
  QVERIFY(!id.empty());
  const std::vector<MetricPoint> loss = {
      {0, kNaN, 1700000000.5, 2.5}, {1, 0.5, 1700000001.25, 0.1}, {2, 1.0, 1700000002.125, kNaN}};
  const std::vector<MetricPoint> acc = {{0, kNaN, 1700000000.5, 1.0 / 3.0},
                                        {7, 2.0, 1700000003.0, 0.875}};
  QVERIFY(f->log(id, "loss", loss));
  QVERIFY(f->log(id, "acc", acc));
  const QString out_file = f->path(QStringLiteral("acc.csv"));

  const QStringList ws{QStringLiteral("-w"), f->root()};
  auto C = [&](const char* words) {
    return WbCall{ws + QString::fromUtf8(words).split(QLatin1Char(' ')), {}, {}, {}};
  };
  auto results = runWbAll({
      C("metrics export m --csv"),
      C("--json metrics export m"),
      C("metrics export m --json-series"),
      WbCall{ws + QStringList{QStringLiteral("metrics"), QStringLiteral("export"),
                              QStringLiteral("m"), QStringLiteral("-k"), QStringLiteral("acc"),
                              QStringLiteral("-o"), out_file},
             {},
             {},
             {}},
      C("--json metrics export m --csv"),
      C("metrics export m"),
  });
  for (const auto& r : results) WB_VERIFY_RUN(r);

  // CSV: sorted by key, every number reads back as the same double.
  auto checkCsv = [&](const QByteArray& csv, const std::vector<std::string>& keys) -> QByteArray {
    const auto lines = csv.split('\n');
    if (lines.isEmpty() || lines[0] != "key,step,epoch,wall_time,value") return "bad header";
    std::vector<std::pair<std::string, MetricPoint>> expected;
    for (const auto& k : keys)
      for (const auto& p : (k == "acc" ? acc : loss)) expected.emplace_back(k, p);
    if (lines.size() != qsizetype(expected.size()) + 2 || !lines.last().isEmpty())
      return "expected " + QByteArray::number(qsizetype(expected.size())) + " rows";
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const auto cells = lines[qsizetype(i) + 1].split(',');
      const auto& [key, p] = expected[i];
      auto num = [](const QByteArray& t) {
        // Not strtod: this process runs under LC_ALL=de_DE.UTF-8, where it stops at the '.'.
        return t.isEmpty() ? kNaN : wb::parseDouble(t.toStdString(), wb::NonFinite::Accept).value_or(-1.0);
      };
      if (cells.size() != 5 || cells[0].toStdString() != key || cells[1].toLongLong() != p.step ||
          !same(num(cells[2]), p.epoch) || (std::isnan(p.epoch) && !cells[2].isEmpty()) ||
          !same(num(cells[3]), p.wall_time) || !same(num(cells[4]), p.value))
        return "row " + QByteArray::number(qsizetype(i) + 1) + ": " + lines[qsizetype(i) + 1];
    }
    return {};
  };
  QByteArray problem = checkCsv(results[0].out, {"acc", "loss"});
  QVERIFY2(problem.isEmpty(), QByteArray(problem + "\n" + results[0].out).constData());
  problem = checkCsv(results[4].out, {"acc", "loss"});  // --csv wins over --json
  QVERIFY2(problem.isEmpty(), QByteArray(problem + "\n" + results[4].out).constData());
  problem = checkCsv(results[5].out, {"acc", "loss"});  // CSV is the default
  QVERIFY2(problem.isEmpty(), QByteArray(problem + "\n" + results[5].out).constData());
  QVERIFY(results[3].out.isEmpty());
  {
    QFile file(out_file);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray written = file.readAll();
    problem = checkCsv(written, {"acc"});
    QVERIFY2(problem.isEmpty(), QByteArray(problem + "\n" + written).constData());
    QVERIFY(!QFileInfo::exists(out_file + QStringLiteral(".tmp")));
  }

  // JSON: per key, parallel arrays; NaN becomes null.
  WB_PARSE_OBJECT(j, results[1].out);
  QCOMPARE(j.value(QStringLiteral("run_id")).toString(), qs(id));
  QCOMPARE(j.value(QStringLiteral("name")).toString(), QStringLiteral("m"));
  const auto metrics = j.value(QStringLiteral("metrics")).toObject();
  QCOMPARE(metrics.keys(), (QStringList{QStringLiteral("acc"), QStringLiteral("loss")}));
  const auto jl = metrics.value(QStringLiteral("loss")).toObject();
  const auto steps = jl.value(QStringLiteral("step")).toArray();
  const auto epochs = jl.value(QStringLiteral("epoch")).toArray();
  const auto walls = jl.value(QStringLiteral("wall_time")).toArray();
  const auto values = jl.value(QStringLiteral("value")).toArray();
  QCOMPARE(steps.size(), qsizetype(3));
  QCOMPARE(values.size(), qsizetype(3));
  for (qsizetype i = 0; i < 3; ++i) {
    QCOMPARE(steps[i].toInteger(), qint64(loss[std::size_t(i)].step));
    QVERIFY(same(walls[i].toDouble(), loss[std::size_t(i)].wall_time));
    if (std::isnan(loss[std::size_t(i)].epoch))
      QVERIFY(epochs[i].isNull());
    else
      QVERIFY(same(epochs[i].toDouble(), loss[std::size_t(i)].epoch));
    if (std::isnan(loss[std::size_t(i)].value))
      QVERIFY(values[i].isNull());
    else
      QVERIFY(same(values[i].toDouble(), loss[std::size_t(i)].value));
  }
  const auto ja = metrics.value(QStringLiteral("acc")).toObject();
  QVERIFY(same(ja.value(QStringLiteral("value")).toArray()[0].toDouble(), 1.0 / 3.0));
  QCOMPARE(ja.value(QStringLiteral("step")).toArray()[1].toInt(), 7);
  QCOMPARE(results[2].out, results[1].out);  // --json-series is the same document
}

void TestCli::demo() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const QString text_dir = tmp.path() + QStringLiteral("/demo-text");
  const QString json_dir = tmp.path() + QStringLiteral("/demo-json");
  const auto results = runWbAll({
      {{QStringLiteral("demo"), text_dir, QStringLiteral("--epochs"), QStringLiteral("3")},
       {},
       {},
       {}},
      {{QStringLiteral("--json"), QStringLiteral("demo"), json_dir, QStringLiteral("--epochs"),
        QStringLiteral("3")},
       {},
       {},
       {}},
  });
  for (const auto& r : results) WB_VERIFY_RUN(r);
  QVERIFY2(results[0].out.contains("Demo workspace ready"), results[0].describe().constData());
  // The iris-sweep grid (issue 11), then the digits CNN (issue 12).
  QCOMPARE(results[0].out.count("trained "), qsizetype(7));
  QVERIFY2(results[0].out.contains("model iris@staging (version 2)"), results[0].describe().constData());

  for (const QString& dir : {text_dir, json_dir}) {
    auto ws = wb::Workspace::open(dir.toStdString());
    WB_VERIFY_OK(ws);
    auto db = ws->connect();
    WB_VERIFY_OK(db);
    RunRepository repo(**db);
    auto runs = repo.list();
    WB_VERIFY_OK(runs);
    QCOMPARE(runs->size(), std::size_t(8));  // a sweep parent, its 6 children, the digits CNN
    wb::store::MetricsReader reader(**db);
    wb::objects::ObjectStore objects(ws->objectsDir());
    for (const auto& r : *runs) {
      QVERIFY2(r.status == RunStatus::Finished, r.name.c_str());
      if (r.experiment == "digits") continue;  // the digits CNN: tst_demo checks it
      QCOMPARE(r.experiment, std::string("iris"));
      if (r.parent_run_id.empty()) continue;  // the sweep's parent logs no metrics
      auto acc = reader.series(r.id, "val/accuracy");
      WB_VERIFY_OK(acc);
      QCOMPARE(acc->size(), std::size_t(3));
      for (const auto& p : *acc) QVERIFY(p.value >= 0.0 && p.value <= 1.0);
      QCOMPARE(acc->back().epoch, 3.0);
      auto loss = reader.series(r.id, "train/loss");
      WB_VERIFY_OK(loss);
      QCOMPARE(loss->size(), std::size_t(3));
      auto params = repo.params(r.id);
      WB_VERIFY_OK(params);
      QCOMPARE(params->at("trainer.epochs"), std::string("3"));
      auto arts = repo.artifacts(r.id);
      WB_VERIFY_OK(arts);
      QVERIFY(arts->size() >= 2);  // the trainer's checkpoints and evaluation artifacts
      for (const auto& a : *arts) WB_VERIFY_OK(objects.verify(a.object_id));
    }
  }

  // Every demo config composes and validates: runs plan (dry run), sweeps list their runs.
  const QDir configs(text_dir + QStringLiteral("/configs"));
  const QStringList names = configs.entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
  QVERIFY2(names.size() >= 6, qPrintable(names.join(QLatin1Char(' '))));
  for (const QString& file : names) {
    const QString name = QFileInfo(file).completeBaseName();
    const bool sweep = name.endsWith(QStringLiteral("-sweep")) || name.endsWith(QStringLiteral("-bayes"));
    const auto r = runWb({QStringLiteral("-w"), text_dir,
                          sweep ? QStringLiteral("sweep") : QStringLiteral("train"), name,
                          QStringLiteral("--dry-run")});
    QVERIFY2(r.ok(), (name.toStdString() + ": " + r.describe().toStdString()).c_str());
  }

  // JSON: a progress event per epoch and run, then one "done" event.
  // Dataset preparation events come first; then one per epoch and run of the sweep; then the
  // digits CNN's epochs and one event per registered version (issue 12).
  QList<QByteArray> lines;
  int dataset_events = 0, digits_events = 0, registering_events = 0;
  for (const auto& line : results[1].out.trimmed().split('\n')) {
    if (line.contains("\"phase\":\"datasets\"")) {
      ++dataset_events;
      QVERIFY2(lines.isEmpty(), "dataset events after training events");
      continue;
    }
    if (line.contains("\"phase\":\"training digits\"")) {
      QVERIFY2(registering_events == 0, "digits training after registering");
      ++digits_events;
      continue;
    }
    if (line.contains("\"phase\":\"registering\"")) {
      ++registering_events;
      continue;
    }
    if (line.contains("\"event\":\"progress\"")) QVERIFY2(digits_events == 0, "sweep events after the digits CNN");
    lines << line;
  }
  QCOMPARE(dataset_events, 5);  // generate + 4 imports
  QCOMPARE(digits_events, 2);   // DemoOptions::digits_epochs
  QCOMPARE(registering_events, 3);  // digits-cnn@production, iris@production, iris@staging
  QCOMPARE(lines.size(), qsizetype(6 * 3 + 1));
  for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
    WB_PARSE_OBJECT(p, lines[i]);
    QCOMPARE(p.value(QStringLiteral("event")).toString(), QStringLiteral("progress"));
    QCOMPARE(p.value(QStringLiteral("epochs")).toInt(), 3);
    QCOMPARE(p.value(QStringLiteral("epoch")).toInt(), int(i % 3) + 1);
    QCOMPARE(p.value(QStringLiteral("run_index")).toInt(), int(i / 3));
  }
  WB_PARSE_OBJECT(done, lines.last());
  QCOMPARE(done.value(QStringLiteral("event")).toString(), QStringLiteral("done"));
  QCOMPARE(done.value(QStringLiteral("workspace")).toString(),
           QFileInfo(json_dir).canonicalFilePath());
  const auto runs = done.value(QStringLiteral("runs")).toArray();
  QCOMPARE(runs.size(), qsizetype(6));
  QCOMPARE(done.value(QStringLiteral("datasets")).toArray().size(), qsizetype(4));
  QCOMPARE(done.value(QStringLiteral("models")).toArray().size(), qsizetype(3));
  for (const auto& r : runs) {
    QCOMPARE(r.toObject().value(QStringLiteral("id")).toString().size(), qsizetype(32));
    const double acc = r.toObject().value(QStringLiteral("val_accuracy")).toDouble(-1);
    QVERIFY(acc >= 0 && acc <= 1);
  }
}

void TestCli::workspaceDiscovery() {
  auto f = makeFixture(QStringLiteral("project"));
  QVERIFY(f);
  const QString deep = f->root() + QStringLiteral("/src/a/b");
  QVERIFY(QDir().mkpath(deep));

  // Without --workspace, wb finds the workspace above the current folder.
  auto start = runWb({QStringLiteral("log"), QStringLiteral("start"), QStringLiteral("-n"),
                      QStringLiteral("found-me")},
                     deep);
  WB_VERIFY_RUN(start);
  QCOMPARE(f->find("found-me").id, start.out.trimmed().toStdString());

  const QStringList list{QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("list")};
  const auto results = runWbAll({
      {list, deep, {}, {}},
      {list, m_plain.path(), {}, {QStringLiteral("WB_WORKSPACE=") + f->root()}},
      {QStringList{QStringLiteral("--workspace"), QStringLiteral("../../..")} + list, deep, {}, {}},
      {QStringList{QStringLiteral("-w"), QStringLiteral("project")} + list, f->tmp.path(), {}, {}},
  });
  for (const auto& r : results) {
    WB_VERIFY_RUN(r);
    WB_PARSE_ARRAY(runs, r.out);
    QCOMPARE(namesOf(runs), QStringList{QStringLiteral("found-me")});
  }
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
