// `wb models …` as processes over a real registry: two short Iris runs registered, listed,
// aliased, promoted through gates, deleted, exported (bundle, ONNX, safetensors) and imported
// (a bundle, a TorchScript file scripted by Debian's PyTorch). The slots share one workspace
// and run in order: each builds on what the previous ones registered.
#include <QtTest>

#include <QFile>
#include <QProcess>

#include <cstring>
#include <fstream>

#include "cli_fixture.h"
#include "core/data/importer.h"

using namespace wbtest;

namespace {

void writeFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

constexpr const char* kConfig = R"(experiment: iris
data:
  dataset: iris@latest
  transforms: [{name: standardize}]
  batch_size: 16
  workers: 0
model:
  type: mlp
  hidden: [8]
optim:
  name: adam
  lr: 0.02
trainer:
  epochs: 2
  seed: 5
)";

QStringList qargs(std::initializer_list<const char*> args) {
  QStringList out;
  for (const char* a : args) out << QString::fromUtf8(a);
  return out;
}

// The output of a process run outside wb (unzip, python3).
struct Tool {
  int code = -1;
  QByteArray out;
};

Tool runTool(const QString& program, const QStringList& args) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  Tool t;
  if (!p.waitForFinished(60'000)) return t;
  t.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  t.out = p.readAll();
  return t;
}

}  // namespace

class TestCliModels : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Fixture> m_f;
  std::string m_first, m_second;  // run ids

  WbResult wb(QStringList args) {
    args.prepend(m_f->root());
    args.prepend(QStringLiteral("-w"));
    return runWb(WbCall{args, {}, {}, {}}, 120'000);
  }

  // `wb --json models show REF` as an object (empty after a failed QVERIFY: check with QTest).
  QJsonObject show(const QString& ref) {
    auto r = wb({QStringLiteral("--json"), QStringLiteral("models"), QStringLiteral("show"), ref});
    if (!r.ok()) {
      qWarning() << r.describe();
      return {};
    }
    return QJsonDocument::fromJson(r.out).object();
  }

  int versionOf(const QString& ref) { return show(ref).value(QStringLiteral("version")).toInt(-1); }

 private Q_SLOTS:
  void initTestCase() {
    m_f = makeFixture();
    QVERIFY(m_f);
    wb::data::ImportOptions o;
    o.dataset = "iris";
    o.format = wb::data::SourceFormat::Table;
    o.source = fs::path(WB_SOURCE_DIR) / "resources" / "iris.csv";
    auto imported = wb::data::importDataset(m_f->ws, o);
    QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().text().c_str());
    writeFile(m_f->ws.configsDir() / "iris.yaml", kConfig);
    const QStringList ws = {QStringLiteral("-w"), m_f->root()};
    const auto results = runWbAll({WbCall{ws + qargs({"train", "iris", "--name", "first"}), {}, {}, {}},
                                   WbCall{ws + qargs({"train", "iris", "trainer.seed=9", "--name", "second"}), {}, {}, {}}});
    for (const auto& r : results) WB_VERIFY_RUN(r);
    m_first = m_f->find("first").id;
    m_second = m_f->find("second").id;
    QVERIFY(!m_first.empty() && !m_second.empty());
  }

  void typesKeepsTheModelCatalog() {
    // `wb models` used to list the model types; that is `wb models types` now (the config
    // editor reads it).
    auto r = runWb(qargs({"--json", "models", "types"}));
    WB_VERIFY_RUN(r);
    WB_PARSE_OBJECT(catalog, r.out);
    QStringList types;
    for (const auto& m : catalog.value(QStringLiteral("models")).toArray())
      types << m.toObject().value(QStringLiteral("type")).toString();
    QVERIFY2(types.contains(QStringLiteral("mlp")), r.out.constData());
  }

  void registerTwiceNumbersVersions() {
    auto r1 = wb({QStringLiteral("--json"), QStringLiteral("models"), QStringLiteral("register"), QStringLiteral("first"),
                  QStringLiteral("--name"), QStringLiteral("iris"), QStringLiteral("--alias"), QStringLiteral("staging"),
                  QStringLiteral("-d"), QStringLiteral("the first try"), QStringLiteral("--tag"), QStringLiteral("team=ml")});
    WB_VERIFY_RUN(r1);
    WB_PARSE_OBJECT(v1, r1.out);
    QCOMPARE(v1.value(QStringLiteral("version")).toInt(), 1);
    QCOMPARE(v1.value(QStringLiteral("ref")).toString(), QStringLiteral("iris/1"));
    QCOMPARE(v1.value(QStringLiteral("bundle_id")).toString().size(), 64);
    QVERIFY(v1.value(QStringLiteral("size_bytes")).toInteger() > 0);
    QCOMPARE(v1.value(QStringLiteral("tags")).toObject().value(QStringLiteral("team")).toString(), QStringLiteral("ml"));
    auto r2 = wb(qargs({"models", "register", "second", "--name", "iris", "--checkpoint", "last"}));
    WB_VERIFY_RUN(r2);
    QVERIFY2(r2.out.contains("registered iris/2"), r2.out.constData());
    QVERIFY2(r2.out.contains("sha256 ") && r2.out.contains("took"), r2.out.constData());
  }

  void listShowAndVersionsAsJson() {
    auto list = wb(qargs({"--json", "models", "list"}));
    WB_VERIFY_RUN(list);
    WB_PARSE_ARRAY(models, list.out);
    QCOMPARE(models.size(), 1);
    const auto iris = models[0].toObject();
    QCOMPARE(iris.value(QStringLiteral("name")).toString(), QStringLiteral("iris"));
    QCOMPARE(iris.value(QStringLiteral("latest_version")).toInt(), 2);
    QCOMPARE(iris.value(QStringLiteral("version_count")).toInt(), 2);
    QCOMPARE(iris.value(QStringLiteral("aliases")).toObject().value(QStringLiteral("staging")).toInt(), 1);

    const auto v1 = show(QStringLiteral("iris/1"));
    QCOMPARE(v1.value(QStringLiteral("run_id")).toString(), qs(m_first));
    QCOMPARE(v1.value(QStringLiteral("dataset")).toString(), QStringLiteral("iris@1"));
    QCOMPARE(v1.value(QStringLiteral("description")).toString(), QStringLiteral("the first try"));
    QCOMPARE(v1.value(QStringLiteral("type")).toString(), QStringLiteral("mlp"));
    QCOMPARE(v1.value(QStringLiteral("aliases")).toArray().first().toString(), QStringLiteral("staging"));
    const auto sig = v1.value(QStringLiteral("signature")).toObject();
    QCOMPARE(sig.value(QStringLiteral("kind")).toString(), QStringLiteral("table"));
    QCOMPARE(sig.value(QStringLiteral("classes")).toArray().size(), 3);
    QVERIFY(v1.value(QStringLiteral("metrics")).toObject().contains(QStringLiteral("test/accuracy")));
    QCOMPARE(v1.value(QStringLiteral("lineage")).toObject().value(QStringLiteral("run_id")).toString(), qs(m_first));
    QVERIFY2(v1.value(QStringLiteral("preprocessing")).isObject(), QJsonDocument(v1).toJson().left(800).constData());
    QVERIFY(!v1.contains(QStringLiteral("bundle_error")));
    QCOMPARE(show(QStringLiteral("iris/2")).value(QStringLiteral("checkpoint")).toString(),
             QStringLiteral("checkpoints/last.pt"));

    auto versions = wb(qargs({"--json", "models", "versions", "iris"}));
    WB_VERIFY_RUN(versions);
    WB_PARSE_ARRAY(vs, versions.out);
    QCOMPARE(vs.size(), 2);
    QCOMPARE(vs[0].toObject().value(QStringLiteral("version")).toInt(), 2);  // newest first
    QCOMPARE(vs[1].toObject().value(QStringLiteral("run_id")).toString(), qs(m_first));

    auto text = wb(qargs({"models", "show", "iris/1"}));
    WB_VERIFY_RUN(text);
    for (const char* part : {"Signature", "Preprocessing", "Metrics", "Lineage", "test/accuracy", "iris@1", "team=ml"})
      QVERIFY2(text.out.contains(part), QByteArray(QByteArray(part) + " missing in\n" + text.out).constData());
  }

  void everyReferenceFormResolves() {
    QCOMPARE(versionOf(QStringLiteral("iris")), 2);
    QCOMPARE(versionOf(QStringLiteral("iris@latest")), 2);
    QCOMPARE(versionOf(QStringLiteral("iris/1")), 1);
    QCOMPARE(versionOf(QStringLiteral("iris@staging")), 1);
  }

  void aliasSetMoveRemoveAndHistory() {
    auto set = wb(qargs({"models", "alias", "iris", "production", "1", "--reason", "first release"}));
    WB_VERIFY_RUN(set);
    QVERIFY2(set.out.contains("iris@production → v1"), set.out.constData());
    auto move = wb(qargs({"models", "alias", "iris", "production", "2", "--reason", "better"}));
    WB_VERIFY_RUN(move);
    QVERIFY2(move.out.contains("iris@production: v1 → v2"), move.out.constData());
    QCOMPARE(versionOf(QStringLiteral("iris@production")), 2);
    auto remove = wb(qargs({"models", "alias", "iris", "staging", "--remove"}));
    WB_VERIFY_RUN(remove);
    QVERIFY2(remove.out.contains("removed iris@staging (was v1)"), remove.out.constData());
    auto gone = wb(qargs({"models", "show", "iris@staging"}));
    QCOMPARE(gone.exit_code, 1);
    QVERIFY2(isOneLine(gone.err) && gone.err.contains("staging"), gone.err.constData());

    auto history = wb(qargs({"--json", "models", "history", "iris"}));
    WB_VERIFY_RUN(history);
    WB_PARSE_ARRAY(events, history.out);
    QCOMPARE(events.size(), 4);  // staging set at register, production set and moved, staging removed
    const auto moved = events[2].toObject();
    QCOMPARE(moved.value(QStringLiteral("alias")).toString(), QStringLiteral("production"));
    QCOMPARE(moved.value(QStringLiteral("from_version")).toInt(), 1);
    QCOMPARE(moved.value(QStringLiteral("to_version")).toInt(), 2);
    QCOMPARE(moved.value(QStringLiteral("reason")).toString(), QStringLiteral("better"));
    QVERIFY(moved.value(QStringLiteral("actor")).toString().contains(QStringLiteral("wb models alias")));
    QVERIFY(events[3].toObject().value(QStringLiteral("to_version")).isNull());
    auto text = wb(qargs({"models", "history", "iris"}));
    WB_VERIFY_RUN(text);
    QVERIFY2(text.out.contains("v1 → v2") && text.out.contains("first release"), text.out.constData());
  }

  void promoteFailingGateChangesNothing() {
    QVERIFY(wb(qargs({"models", "alias", "iris", "staging", "1"})).ok());
    const double accuracy = show(QStringLiteral("iris/1"))
                                .value(QStringLiteral("metrics")).toObject()
                                .value(QStringLiteral("test/accuracy")).toObject()
                                .value(QStringLiteral("last")).toDouble(-1);
    QVERIFY(accuracy >= 0);
    auto r = wb(qargs({"models", "promote", "iris", "--from", "staging", "--to", "production", "--require",
                       "test/accuracy >= 1.5", "--require", "test/accuracy >= 0"}));
    QCOMPARE(r.exit_code, 2);
    QVERIFY2(isOneLine(r.err) && r.err.contains("test/accuracy >= 1.5") && r.err.contains("unchanged"),
             r.describe().constData());
    QVERIFY2(r.out.contains("FAIL") && r.out.contains("PASS") && r.out.contains("1.5"), r.out.constData());
    // The value it failed with is printed (locale-free: a point, not a comma).
    QVERIFY2(r.out.contains(QByteArray::number(accuracy, 'g', 3).left(3)), r.out.constData());
    QCOMPARE(versionOf(QStringLiteral("iris@production")), 2);  // unchanged

    auto json_run = wb(qargs({"--json", "models", "promote", "iris", "--from", "staging", "--to", "production",
                              "--require", "test/accuracy >= 1.5"}));
    QCOMPARE(json_run.exit_code, 2);
    WB_PARSE_OBJECT(gate, json_run.out);
    QCOMPARE(gate.value(QStringLiteral("passed")).toBool(), false);
    QCOMPARE(gate.value(QStringLiteral("moved")).toBool(), false);
    QCOMPARE(gate.value(QStringLiteral("candidate")).toInt(), 1);
    QCOMPARE(gate.value(QStringLiteral("previous")).toInt(), 2);
  }

  void promotePassingGateMovesTheAlias() {
    auto dry = wb(qargs({"models", "promote", "iris", "--from", "staging", "--to", "production", "--require",
                         "test/accuracy >= 0", "--dry-run"}));
    WB_VERIFY_RUN(dry);
    QVERIFY2(dry.out.contains("PASS") && dry.out.contains("would move"), dry.out.constData());
    QCOMPARE(versionOf(QStringLiteral("iris@production")), 2);

    auto r = wb(qargs({"models", "promote", "iris", "--from", "staging", "--to", "production", "--require",
                       "test/accuracy >= 0", "--reason", "rollback drill"}));
    WB_VERIFY_RUN(r);
    QVERIFY2(r.out.contains("iris@production v2 → v1"), r.out.constData());
    QCOMPARE(versionOf(QStringLiteral("iris@production")), 1);

    // --better-than prints both values; its exit code follows its verdict.
    auto better = wb(qargs({"models", "promote", "iris", "--from", "2", "--to", "champion", "--better-than",
                            "production", "--metric", "test/accuracy"}));
    QVERIFY2(better.exit_code == 0 || better.exit_code == 2, better.describe().constData());
    QVERIFY2(better.out.contains("test/accuracy"), better.out.constData());
    QCOMPARE(better.exit_code == 0, !better.out.contains("FAIL"));
    auto no_metric = wb(qargs({"models", "promote", "iris", "--to", "champion", "--better-than", "production"}));
    QCOMPARE(no_metric.exit_code, 1);
    QVERIFY(isOneLine(no_metric.err));
  }

  void rmRefusedWhileAliasedThenFreesBytes() {
    // v1 is production now.
    auto refused = wb(qargs({"models", "rm", "iris/1", "--yes"}));
    QCOMPARE(refused.exit_code, 1);
    QVERIFY2(isOneLine(refused.err) && refused.err.contains("production"), refused.describe().constData());
    QCOMPARE(versionOf(QStringLiteral("iris/1")), 1);
    QVERIFY(wb(qargs({"models", "alias", "iris", "production", "2"})).ok());
    QVERIFY(wb(qargs({"models", "alias", "iris", "staging", "--remove"})).ok());

    auto dry = wb(qargs({"--json", "models", "rm", "iris/1", "--dry-run"}));
    WB_VERIFY_RUN(dry);
    WB_PARSE_OBJECT(plan, dry.out);
    const auto bytes = plan.value(QStringLiteral("reclaim_bytes")).toInteger();
    QVERIFY2(bytes > 0, dry.out.constData());
    QCOMPARE(versionOf(QStringLiteral("iris/1")), 1);
    auto unasked = wb(qargs({"models", "rm", "iris/1"}));  // stdin is no terminal: --yes needed
    QCOMPARE(unasked.exit_code, 1);
    QVERIFY2(unasked.err.contains("--yes"), unasked.err.constData());
    auto bad_ref = wb(qargs({"models", "rm", "iris@production", "--yes"}));
    QCOMPARE(bad_ref.exit_code, 1);

    auto r = wb(qargs({"models", "rm", "iris/1", "--yes"}));
    WB_VERIFY_RUN(r);
    QVERIFY2(r.out.contains("freed") && r.out.contains(QByteArray(QByteArray::number(bytes) + " bytes")), r.out.constData());
    auto gone = wb(qargs({"models", "show", "iris/1"}));
    QCOMPARE(gone.exit_code, 1);
    QVERIFY(isOneLine(gone.err));
  }

  void exportBundleAndImportItBack() {
    const QString file = m_f->path(QStringLiteral("iris.zip"));
    auto r = wb({QStringLiteral("models"), QStringLiteral("export"), QStringLiteral("iris@production"),
                 QStringLiteral("--format"), QStringLiteral("bundle"), QStringLiteral("-o"), file});
    WB_VERIFY_RUN(r);
    const auto production = show(QStringLiteral("iris@production"));
    QCOMPARE(QFileInfo(file).size(), production.value(QStringLiteral("size_bytes")).toInteger());
    const auto listing = runTool(QStringLiteral("unzip"), {QStringLiteral("-l"), file});
    QCOMPARE(listing.code, 0);
    for (const char* member : {"model.json", "weights.safetensors", "checksums.sha256", "README.md", "examples/"})
      QVERIFY2(listing.out.contains(member), listing.out.constData());

    auto imported = wb({QStringLiteral("--json"), QStringLiteral("models"), QStringLiteral("import"), file,
                        QStringLiteral("--name"), QStringLiteral("iris-copy"), QStringLiteral("--alias"),
                        QStringLiteral("production")});
    WB_VERIFY_RUN(imported);
    WB_PARSE_OBJECT(v, imported.out);
    QCOMPARE(v.value(QStringLiteral("ref")).toString(), QStringLiteral("iris-copy/1"));
    QCOMPARE(v.value(QStringLiteral("source")).toString(), QStringLiteral("import:bundle"));
    const auto copy = show(QStringLiteral("iris-copy@production"));
    QCOMPARE(copy.value(QStringLiteral("signature")), production.value(QStringLiteral("signature")));
    QCOMPARE(copy.value(QStringLiteral("type")).toString(), QStringLiteral("mlp"));
  }

  void exportOnnxRecordsParity() {
    const QString file = m_f->path(QStringLiteral("iris.onnx"));
    auto r = wb({QStringLiteral("models"), QStringLiteral("export"), QStringLiteral("iris@production"),
                 QStringLiteral("--format"), QStringLiteral("onnx"), QStringLiteral("-o"), file});
    WB_VERIFY_RUN(r);
    QVERIFY2(r.out.contains("parity") && r.out.contains("max |diff|"), r.out.constData());
    QVERIFY(QFileInfo(file).size() > 0);
    const auto onnx = show(QStringLiteral("iris@production"))
                          .value(QStringLiteral("exports")).toObject().value(QStringLiteral("onnx")).toObject();
    QVERIFY2(onnx.contains(QStringLiteral("max_abs_diff")), QJsonDocument(onnx).toJson().constData());
    QVERIFY(onnx.value(QStringLiteral("max_abs_diff")).toDouble(1) < 1e-4);
    QCOMPARE(onnx.value(QStringLiteral("opset")).toInt(), 13);
    QVERIFY(onnx.value(QStringLiteral("examples")).toInt() > 0);
    // The ONNX checker of Debian's python3-onnx accepts the file.
    const auto checked = runTool(QStringLiteral("/usr/bin/python3"),
                                 {QStringLiteral("-c"), QStringLiteral("import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]))"), file});
    QVERIFY2(checked.code == 0, checked.out.constData());
  }

  void exportSafetensorsWithItsSignature() {
    const QString file = m_f->path(QStringLiteral("iris.safetensors"));
    auto r = wb({QStringLiteral("models"), QStringLiteral("export"), QStringLiteral("iris/2"), QStringLiteral("--format"),
                 QStringLiteral("safetensors"), QStringLiteral("-o"), file});
    WB_VERIFY_RUN(r);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.size() > 8);
    quint64 header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
    QVERIFY(header_len > 0 && 8 + header_len <= quint64(bytes.size()));
    WB_PARSE_OBJECT(header, bytes.mid(8, static_cast<int>(header_len)));
    const auto meta = header.value(QStringLiteral("__metadata__")).toObject();
    WB_PARSE_OBJECT(model, meta.value(QStringLiteral("workbench.model")).toString().toUtf8());
    QCOMPARE(model.value(QStringLiteral("signature")).toObject().value(QStringLiteral("kind")).toString(),
             QStringLiteral("table"));
    int tensors = 0;
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == QStringLiteral("__metadata__")) continue;
      const auto t = it.value().toObject();
      QCOMPARE(t.value(QStringLiteral("dtype")).toString(), QStringLiteral("F32"));
      const auto off = t.value(QStringLiteral("data_offsets")).toArray();
      QVERIFY(off.size() == 2 && off[1].toInteger() <= bytes.size() - 8 - qint64(header_len));
      ++tensors;
    }
    QVERIFY(tensors >= 4);  // two Linear layers: weights and biases

    QFile side(file + QStringLiteral(".json"));
    QVERIFY2(side.open(QIODevice::ReadOnly), "FILE.json with the signature is missing");
    WB_PARSE_OBJECT(sig, side.readAll());
    QCOMPARE(sig.value(QStringLiteral("classes")).toArray().size(), 3);
    QVERIFY(sig.value(QStringLiteral("preprocessing")).isObject());
    QVERIFY(show(QStringLiteral("iris/2")).value(QStringLiteral("exports")).toObject().contains(QStringLiteral("safetensors")));
  }

  void importTorchScript() {
    const QString dir = m_f->path(QStringLiteral("scripted"));
    QVERIFY(QDir().mkpath(dir));
    const auto made = runTool(QStringLiteral("/usr/bin/python3"),
                              {QStringLiteral(WB_SOURCE_DIR "/tests/fixtures/make_torchscript.py"), dir});
    QVERIFY2(made.code == 0, made.out.constData());
    auto r = wb({QStringLiteral("--json"), QStringLiteral("models"), QStringLiteral("import"), dir + QStringLiteral("/mlp.pt"),
                 QStringLiteral("--name"), QStringLiteral("external"), QStringLiteral("--kind"), QStringLiteral("table"),
                 QStringLiteral("--input-shape"), QStringLiteral("4"), QStringLiteral("--classes"), QStringLiteral("a,b,c")});
    WB_VERIFY_RUN(r);
    WB_PARSE_OBJECT(v, r.out);
    QCOMPARE(v.value(QStringLiteral("ref")).toString(), QStringLiteral("external/1"));
    QCOMPARE(v.value(QStringLiteral("source")).toString(), QStringLiteral("import:torchscript"));
    QCOMPARE(v.value(QStringLiteral("type")).toString(), QStringLiteral("torchscript"));
    QCOMPARE(show(QStringLiteral("external")).value(QStringLiteral("signature")).toObject()
                 .value(QStringLiteral("classes")).toArray().size(), 3);

    // A state_dict saved with torch.save is no TorchScript: one clear line naming the file.
    auto bad = wb({QStringLiteral("models"), QStringLiteral("import"), dir + QStringLiteral("/state_dict.pt"),
                   QStringLiteral("--name"), QStringLiteral("external"), QStringLiteral("--kind"), QStringLiteral("table"),
                   QStringLiteral("--input-shape"), QStringLiteral("4"), QStringLiteral("--classes"), QStringLiteral("a,b,c")});
    QCOMPARE(bad.exit_code, 1);
    QVERIFY2(isOneLine(bad.err) && bad.err.contains("state_dict.pt"), bad.describe().constData());
    auto no_signature = wb({QStringLiteral("models"), QStringLiteral("import"), dir + QStringLiteral("/mlp.pt"),
                            QStringLiteral("--name"), QStringLiteral("external")});
    QCOMPARE(no_signature.exit_code, 1);
    QVERIFY2(isOneLine(no_signature.err) && no_signature.err.contains("--signature"), no_signature.describe().constData());
    QCOMPARE(versionOf(QStringLiteral("external@latest")), 1);  // nothing registered by the failures
  }

  void badInputsAreOneClearLine() {
    const QString notes = m_f->path(QStringLiteral("notes.txt"));
    writeFile(notes.toStdString(), "not a model\n");
    struct Case {
      QStringList args;
      QByteArray needle;
    };
    const std::vector<Case> cases = {
        {qargs({"models", "show", "nosuch"}), "nosuch"},
        {qargs({"models", "show", "iris@"}), "iris@"},
        {qargs({"models", "show", "iris/x"}), "iris/x"},
        {qargs({"models", "show", "iris/99"}), "99"},
        {qargs({"models", "versions", "nosuch"}), "nosuch"},
        {qargs({"models", "alias", "iris", "production", "three"}), "three"},
        {qargs({"models", "alias", "iris", "production", "7"}), "7"},
        {{QStringLiteral("models"), QStringLiteral("import"), notes, QStringLiteral("--name"), QStringLiteral("x")}, "notes.txt"},
        {{QStringLiteral("models"), QStringLiteral("import"), m_f->path(QStringLiteral("missing.zip")),
          QStringLiteral("--name"), QStringLiteral("x")}, "missing.zip"},
        {{QStringLiteral("models"), QStringLiteral("import"), m_f->path(QStringLiteral("scripted/plain.zip")),
          QStringLiteral("--name"), QStringLiteral("x")}, "plain.zip"},
        {qargs({"models", "frobnicate"}), "frobnicate"},
    };
    for (const auto& c : cases) {
      auto r = wb(c.args);
      QVERIFY2(r.exit_code == 1, r.describe().constData());
      QVERIFY2(isOneLine(r.err) && r.err.contains(c.needle), r.describe().constData());
    }
    auto list = wb(qargs({"--json", "models", "list"}));
    WB_PARSE_ARRAY(models, list.out);
    QCOMPARE(models.size(), 3);  // iris, iris-copy, external: the failures added nothing
  }
};

QTEST_GUILESS_MAIN(TestCliModels)
#include "tst_cli_models.moc"
