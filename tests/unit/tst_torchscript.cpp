// Importing a model trained elsewhere: TorchScript archives scripted at test time by Debian's
// PyTorch 1.13 (tests/fixtures/make_torchscript.py) load as "torchscript" models that compute
// what PyTorch computed, expose their parameters, and refuse foreign files with a clear reason;
// registry::packageTorchScript turns one plus its signature into bundle members whose examples
// reproduce.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/models/model.h"
#include "core/models/torchscript_model.h"
#include "core/objects/object_store.h"
#include "core/registry/bundle.h"
#include "core/registry/packaging.h"
#include "core/train/evaluation.h"
#include "test_support.h"

using nlohmann::json;
using namespace wb::models;
using wb::registry::packageTorchScript;
using wb::registry::TorchScriptSpec;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

std::string readBytes(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
  const QByteArray bytes = file.readAll();
  return std::string(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

// A nested JSON list of numbers as a float tensor of the same shape.
at::Tensor tensorFromJson(const json& value) {
  std::vector<std::int64_t> shape;
  for (const json* level = &value; level->is_array(); level = &(*level)[0])
    shape.push_back(static_cast<std::int64_t>(level->size()));
  std::vector<float> flat;
  const std::function<void(const json&)> collect = [&](const json& v) {
    if (v.is_array()) {
      for (const auto& item : v) collect(item);
    } else {
      flat.push_back(v.get<float>());
    }
  };
  collect(value);
  return torch::tensor(flat).reshape(shape);
}

std::unique_ptr<Model> load(const std::string& bytes, const ModelInput& input) {
  auto model = loadTorchScript(bytes, input);
  if (!model) qFatal("loadTorchScript: %s", model.error().text().c_str());
  return std::move(model).value();
}

ModelInput inputOf(const QString& name) {
  return name == QStringLiteral("mlp") ? ModelInput{{4}, 3, 0} : ModelInput{{1, 28, 28}, 10, 0};
}

std::vector<std::string> names(const std::vector<std::pair<std::string, at::Tensor>>& named) {
  std::vector<std::string> out;
  for (const auto& [name, tensor] : named) out.push_back(name);
  return out;
}

}  // namespace

// QCOMPARE cannot print nlohmann::json; this shows both values when they differ.
#define COMPARE_JSON(actual, expected)                            \
  do {                                                            \
    const json a_ = (actual), e_ = (expected);                    \
    QVERIFY2(a_ == e_, (a_.dump() + " != " + e_.dump()).c_str()); \
  } while (false)

class TstTorchScript : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_skip;  // why the fixtures could not be made (no torch for /usr/bin/python3)
  json m_expected;

  QString fixture(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QProcess probe;
    probe.start(QString::fromLatin1(kPython),
                {QStringLiteral("-c"), QStringLiteral("import torch")});
    if (!probe.waitForFinished(120'000) || probe.exitStatus() != QProcess::NormalExit ||
        probe.exitCode() != 0) {
      m_skip = QStringLiteral("/usr/bin/python3 cannot import torch (install python3-torch): ") +
               QString::fromLocal8Bit(probe.readAllStandardError()).trimmed();
      return;
    }
    QProcess make;
    make.start(QString::fromLatin1(kPython),
               {QStringLiteral(WB_SOURCE_DIR "/tests/fixtures/make_torchscript.py"), m_dir.path()});
    QVERIFY(make.waitForFinished(300'000));
    QVERIFY2(make.exitStatus() == QProcess::NormalExit && make.exitCode() == 0,
             make.readAllStandardError().constData());
    m_expected = json::parse(readBytes(fixture("expected.json")));
  }

  void reproducesPyTorch_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("mlp 4 -> 3") << QStringLiteral("mlp");
    QTest::newRow("cnn 1x28x28 -> 10") << QStringLiteral("cnn");
  }
  void reproducesPyTorch() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    QFETCH(QString, name);
    const auto model = load(readBytes(m_dir.filePath(name + QStringLiteral(".pt"))), inputOf(name));
    QCOMPARE(model->type(), std::string("torchscript"));
    QVERIFY(!model->isTraining());
    const auto& expected = m_expected[name.toStdString()];
    const auto inputs = tensorFromJson(expected["input"]);
    WB_VERIFY_OK(model->checkInput(inputs));
    torch::NoGradGuard no_grad;
    const auto logits = model->forward(inputs);
    const auto want = tensorFromJson(expected["logits"]);
    QCOMPARE(logits.sizes().vec(), want.sizes().vec());
    const double diff = (logits - want).abs().max().item<double>();
    QVERIFY2(diff < 1e-5, std::to_string(diff).c_str());
  }

  void parametersAreVisible() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    const auto mlp = load(readBytes(fixture("mlp.pt")), inputOf(QStringLiteral("mlp")));
    QCOMPARE(
        names(mlp->namedParameters()),
        (std::vector<std::string>{"hidden.weight", "hidden.bias", "head.weight", "head.bias"}));
    QCOMPARE(mlp->parameterCount(), std::int64_t{4 * 16 + 16 + 16 * 3 + 3});
    QVERIFY(mlp->summary().find("Linear") != std::string::npos);

    const auto cnn = load(readBytes(fixture("cnn.pt")), inputOf(QStringLiteral("cnn")));
    const auto buffers = names(cnn->namedBuffers());
    QVERIFY(std::find(buffers.begin(), buffers.end(), "norm.running_mean") != buffers.end());
    QVERIFY(std::find(buffers.begin(), buffers.end(), "norm.running_var") != buffers.end());
    // The running statistics PyTorch computed, not a fresh BatchNorm's zeros.
    for (const auto& [key, tensor] : cnn->namedBuffers())
      if (key == "norm.running_mean") QVERIFY(tensor.abs().sum().item<double>() > 0);
  }

  // The parameters Model hands out are the scripted module's own tensors: changing one
  // changes forward(), and saveState() carries the change.
  void parametersShareTheScriptsWeights() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    const auto model = load(readBytes(fixture("mlp.pt")), inputOf(QStringLiteral("mlp")));
    const auto inputs = tensorFromJson(m_expected["mlp"]["input"]);
    torch::NoGradGuard no_grad;
    const auto before = model->forward(inputs);
    for (auto& [key, tensor] : model->namedParameters())
      if (key == "head.bias") tensor.add_(1.0);
    const auto after = model->forward(inputs);
    QVERIFY(((after - before) - 1.0).abs().max().item<double>() < 1e-5);

    auto state = model->saveState();
    WB_VERIFY_OK(state);
    const auto reloaded = load(*state, inputOf(QStringLiteral("mlp")));
    QVERIFY((reloaded->forward(inputs) - after).abs().max().item<double>() < 1e-6);
  }

  // Model::loadState (all or nothing) works on the mirrored tensors: a saved archive loads
  // into a fresh import, another model's archive is refused and changes nothing.
  void loadStateRoundTrips() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    const auto inputs = tensorFromJson(m_expected["mlp"]["input"]);
    torch::NoGradGuard no_grad;
    const auto tuned = load(readBytes(fixture("mlp.pt")), inputOf(QStringLiteral("mlp")));
    for (auto& [key, tensor] : tuned->namedParameters())
      if (key == "hidden.weight") tensor.mul_(0.5);
    auto state = tuned->saveState();
    WB_VERIFY_OK(state);
    const auto fresh = load(readBytes(fixture("mlp.pt")), inputOf(QStringLiteral("mlp")));
    const auto before = fresh->forward(inputs);
    QVERIFY((before - tuned->forward(inputs)).abs().max().item<double>() > 1e-4);
    WB_VERIFY_OK(fresh->loadState(*state));
    QVERIFY((fresh->forward(inputs) - tuned->forward(inputs)).abs().max().item<double>() < 1e-6);

    const auto other = load(readBytes(fixture("regression.pt")), ModelInput{{3}, 0, 0});
    auto foreign = other->saveState();
    WB_VERIFY_OK(foreign);
    const auto kept = fresh->forward(inputs);
    QVERIFY(!fresh->loadState(*foreign).ok());
    QVERIFY((fresh->forward(inputs) - kept).abs().max().item<double>() < 1e-6);
  }

  // train()/eval() switch the script's dropout: random in training, fixed in evaluation.
  void trainModeReachesTheScript() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    const auto model = load(readBytes(fixture("cnn.pt")), inputOf(QStringLiteral("cnn")));
    const auto inputs = tensorFromJson(m_expected["cnn"]["input"]);
    torch::NoGradGuard no_grad;
    const auto forwardSeeded = [&](int seed) {
      torch::manual_seed(seed);
      return model->forward(inputs);
    };
    QVERIFY((forwardSeeded(1) - forwardSeeded(2)).abs().max().item<double>() < 1e-6);
    model->train();
    QVERIFY(model->isTraining());
    QVERIFY((forwardSeeded(1) - forwardSeeded(2)).abs().max().item<double>() > 1e-3);
    model->eval();
    QVERIFY(!model->isTraining());
    QVERIFY((forwardSeeded(1) - forwardSeeded(2)).abs().max().item<double>() < 1e-6);
  }

  void checkInputUsesTheSignature() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    const auto model = load(readBytes(fixture("mlp.pt")), inputOf(QStringLiteral("mlp")));
    const auto status = model->checkInput(torch::zeros({2, 5}));
    QVERIFY(!status.ok());
    QVERIFY2(status.error().text().find("expected shape [B, 4]") != std::string::npos,
             status.error().text().c_str());
  }

  void refusesForeignFiles_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("random bytes") << QStringLiteral("random.bin")
                                  << QStringLiteral("not a TorchScript archive: not a zip file");
    QTest::newRow("PNG image") << QStringLiteral("image.png")
                               << QStringLiteral("not a TorchScript archive: not a zip file");
    QTest::newRow("plain zip") << QStringLiteral("plain.zip")
                               << QStringLiteral("not a TorchScript archive");
    QTest::newRow("torch.save state_dict")
        << QStringLiteral("state_dict.pt")
        << QStringLiteral("not a TorchScript archive: a zip without constants.pkl");
    QTest::newRow("newer PyTorch")
        << QStringLiteral("newer.pt")
        << QStringLiteral(
               "a TorchScript archive saved by a newer PyTorch than LibTorch 1.13 "
               "reads; re-save it with torch 1.13");
    QTest::newRow("no forward") << QStringLiteral("no_forward.pt")
                                << QStringLiteral("has no forward method");
  }
  void refusesForeignFiles() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    QFETCH(QString, file);
    QFETCH(QString, message);
    std::string bytes;
    if (file == QStringLiteral("random.bin")) {
      torch::manual_seed(3);
      const auto noise = torch::randint(256, {4096}, torch::kUInt8);
      bytes.assign(reinterpret_cast<const char*>(noise.data_ptr<std::uint8_t>()), 4096);
    } else if (file == QStringLiteral("image.png")) {
      bytes = std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0", 29);
    } else {
      bytes = readBytes(m_dir.filePath(file));
    }
    const auto model = loadTorchScript(bytes, ModelInput{{4}, 3, 0});
    QVERIFY(!model);
    const auto text = model.error().text();
    qInfo("%s", text.c_str());
    QVERIFY2(text.find(message.toStdString()) != std::string::npos, text.c_str());
    QVERIFY2(text.find("TorchScript archive") != std::string::npos, text.c_str());
  }
  void packagesABundle_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("spec");
    QTest::newRow("mlp, table") << QStringLiteral("mlp.pt")
                                << QStringLiteral(R"({"kind": "table", "input_shape": [4],
      "classes": ["setosa", "versicolor", "virginica"], "features": ["a", "b", "c", "d"],
      "description": "iris from elsewhere"})");
    QTest::newRow("cnn, image") << QStringLiteral("cnn.pt")
                                << QStringLiteral(R"({"kind": "image", "input_shape": [1, 28, 28],
      "classes": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]})");
    // forward() returns [B]; the stored preprocessing's target scaling applies.
    QTest::newRow("regression [B]") << QStringLiteral("regression.pt")
                                    << QStringLiteral(R"({"kind": "table", "input_shape": [3],
      "target": "price", "preprocessing": {"target_mean": 10.0, "target_scale": 2.0}})");
    QTest::newRow("text with offsets")
        << QStringLiteral("text.pt") << QStringLiteral(R"({"kind": "text", "vocabulary": 50,
      "classes": ["neg", "pos"]})");
  }
  void packagesABundle() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    QFETCH(QString, file);
    QFETCH(QString, spec);
    const json signature = json::parse(spec.toStdString());
    const std::string path = m_dir.filePath(file).toStdString();
    auto packaged = packageTorchScript(path, TorchScriptSpec{signature});
    WB_VERIFY_OK(packaged);
    const auto& members = packaged->files.members;
    for (const char* member : {"model.json", "model.pt", "examples/inputs.safetensors",
                               "examples/examples.json", "README.md"})
      QVERIFY2(members.count(member), member);
    QVERIFY(!members.count("weights.safetensors"));
    const std::string archive = readBytes(m_dir.filePath(file));
    QVERIFY(members.at("model.pt") == archive);

    auto meta = packaged->files.modelJson();
    WB_VERIFY_OK(meta);
    QCOMPARE((*meta)["type"].get<std::string>(), std::string("torchscript"));
    QCOMPARE((*meta)["weights"].get<std::string>(), std::string("model.pt"));
    COMPARE_JSON((*meta)["preprocessing"], signature.value("preprocessing", json::object()));
    COMPARE_JSON((*meta)["signature"]["kind"], signature["kind"]);
    const bool classification = signature.contains("classes");
    QCOMPARE((*meta)["signature"]["task"].get<std::string>(),
             std::string(classification ? "classification" : "regression"));
    if (classification)
      COMPARE_JSON((*meta)["signature"]["classes"], signature["classes"]);
    else
      COMPARE_JSON((*meta)["signature"]["target"], signature["target"]);
    COMPARE_JSON((*meta)["description"], signature.value("description", json("")));
    auto input = ModelInput::fromJson((*meta)["input"]);
    WB_VERIFY_OK(input);
    QCOMPARE(input->classes, std::int64_t(classification ? signature["classes"].size() : 0));
    const json& lineage = (*meta)["lineage"];
    QCOMPARE(lineage["source"].get<std::string>(), file.toStdString());
    QCOMPARE(lineage["sha256"].get<std::string>(),
             wb::objects::sha256Hex(archive.data(), archive.size()));
    QVERIFY(lineage["imported_at"].is_number());
    QVERIFY(members.at("README.md").find("torchscript") != std::string::npos);

    const auto& version = packaged->version;
    QCOMPARE(version.model_type, std::string("torchscript"));
    QCOMPARE(version.source, std::string("import:torchscript"));
    COMPARE_JSON(version.signature, (*meta)["signature"]);
    COMPARE_JSON(version.metrics, json::object());
    COMPARE_JSON(version.lineage, lineage);

    // The examples reproduce through the archive alone, and survive the zip.
    auto bundle = wb::registry::writeBundle(packaged->files);
    WB_VERIFY_OK(bundle);
    auto files = wb::registry::readBundle(*bundle);
    WB_VERIFY_OK(files);
    auto batch = wb::registry::exampleBatch(*files);
    WB_VERIFY_OK(batch);
    QCOMPARE(batch->examples.size(), std::size_t{4});
    QCOMPARE(batch->offsets.defined(), file == QStringLiteral("text.pt"));
    const auto model = load(*files->find("model.pt"), *input);
    const auto task = wb::train::EvalTask::of((*meta)["preprocessing"], *input);
    auto out = wb::train::predict(*model, batch->inputs, batch->offsets, task);
    WB_VERIFY_OK(out);
    QCOMPARE(out->sizes().vec(), batch->expected.sizes().vec());
    const double diff = (*out - batch->expected).abs().max().item<double>();
    QVERIFY2(diff < 1e-5, std::to_string(diff).c_str());
    // The one loading path (server, prediction panel) reproduces them too.
    auto zipped = wb::registry::finishBundle(packaged->files, "imported", 1);
    WB_VERIFY_OK(zipped);
    auto loaded = wb::registry::loadBundle(*zipped);
    WB_VERIFY_OK(loaded);
    QCOMPARE(loaded->model->type(), std::string("torchscript"));
    auto check = wb::registry::checkExamples(*loaded);
    WB_VERIFY_OK(check);
    QCOMPARE(check->count, 4);
    QVERIFY2(check->passed, std::to_string(check->max_abs_diff).c_str());
    if (!classification) {  // target units: raw output × 2 + 10
      torch::NoGradGuard no_grad;
      const auto raw = model->forward(batch->inputs).squeeze(1);
      QVERIFY(((raw * 2.0 + 10.0) - *out).abs().max().item<double>() < 1e-5);
    }
  }

  // The signature must match what the model computes: refused before anything is packaged.
  void refusesAMismatchedSignature_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    QTest::newRow("5 classes for 3 outputs")
        << QStringLiteral(
               R"({"kind": "table", "input_shape": [4], "classes": ["a", "b", "c", "d", "e"]})")
        << QStringLiteral("outputs of shape [2, 3] for 2 inputs; the signature needs [B, 5]");
    QTest::newRow("regression of a classifier")
        << QStringLiteral(R"({"kind": "table", "input_shape": [4], "target": "y"})")
        << QStringLiteral(
               "outputs of shape [2, 3] for 2 inputs; the signature needs [B, 1] or [B]");
    QTest::newRow("5 features for 4")
        << QStringLiteral(R"({"kind": "table", "input_shape": [5], "classes": ["a", "b", "c"]})")
        << QStringLiteral(
               "the model does not run on an input of the signature's shape (5 features");
  }
  void refusesAMismatchedSignature() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    QFETCH(QString, spec);
    QFETCH(QString, message);
    const std::string path = fixture("mlp.pt").toStdString();
    auto packaged = packageTorchScript(path, TorchScriptSpec{json::parse(spec.toStdString())});
    QVERIFY(!packaged);
    const auto text = packaged.error().text();
    qInfo("%s", text.c_str());
    QVERIFY2(text.rfind(path + ": ", 0) == 0, text.c_str());
    QVERIFY2(text.find(message.toStdString()) != std::string::npos, text.c_str());
  }

  void refusesABadSpec_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    QTest::newRow("not an object")
        << QStringLiteral("[4]") << QStringLiteral("signature: expected a JSON object");
    QTest::newRow("no kind") << QStringLiteral(R"({"input_shape": [4], "classes": ["a", "b"]})")
                             << QStringLiteral(
                                    "signature.kind: expected \"table\", \"image\" or \"text\"");
    QTest::newRow("unknown key")
        << QStringLiteral(R"({"kind": "table", "input_shape": [4], "clases": ["a", "b"]})")
        << QStringLiteral("signature.clases: unknown key");
    QTest::newRow("shape not a list")
        << QStringLiteral(R"({"kind": "table", "input_shape": 4, "classes": ["a", "b"]})")
        << QStringLiteral("signature.input_shape: expected a list of positive sizes");
    QTest::newRow("image of 2 dims")
        << QStringLiteral(R"({"kind": "image", "input_shape": [28, 28], "classes": ["a", "b"]})")
        << QStringLiteral("signature.input_shape: an image model takes [channels, height, width]");
    QTest::newRow("neither classes nor target")
        << QStringLiteral(R"({"kind": "table", "input_shape": [4]})")
        << QStringLiteral("signature.classes: give either classes");
    QTest::newRow("both")
        << QStringLiteral(
               R"({"kind": "table", "input_shape": [4], "classes": ["a", "b"], "target": "y"})")
        << QStringLiteral("signature.target: give either classes");
    QTest::newRow("one class")
        << QStringLiteral(R"({"kind": "table", "input_shape": [4], "classes": ["a"]})")
        << QStringLiteral("signature.classes: expected a list of at least 2 class names");
    QTest::newRow("features count")
        << QStringLiteral(
               R"({"kind": "table", "input_shape": [4], "classes": ["a", "b"], "features": ["x"]})")
        << QStringLiteral("signature.features: expected a list of 4 names");
    QTest::newRow("preprocessing")
        << QStringLiteral(
               R"({"kind": "table", "input_shape": [4], "classes": ["a", "b"], "preprocessing": 3})")
        << QStringLiteral("signature.preprocessing: expected an object");
    QTest::newRow("text without vocabulary")
        << QStringLiteral(R"({"kind": "text", "classes": ["a", "b"]})")
        << QStringLiteral("signature.vocabulary: a text model needs");
  }
  void refusesABadSpec() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    QFETCH(QString, spec);
    QFETCH(QString, message);
    auto packaged = packageTorchScript(fixture("mlp.pt").toStdString(),
                                       TorchScriptSpec{json::parse(spec.toStdString())});
    QVERIFY(!packaged);
    const auto text = packaged.error().text();
    QVERIFY2(text.find(message.toStdString()) != std::string::npos, text.c_str());
  }

  void refusesAFileThatIsNotAModel() {
    if (!m_skip.isEmpty()) QSKIP(qPrintable(m_skip));
    const json spec = {{"kind", "table"}, {"input_shape", {4}}, {"classes", {"a", "b", "c"}}};
    const std::string path = fixture("state_dict.pt").toStdString();
    auto packaged = packageTorchScript(path, TorchScriptSpec{spec});
    QVERIFY(!packaged);
    QVERIFY2(packaged.error().text().rfind(path + ": not a TorchScript archive", 0) == 0,
             packaged.error().text().c_str());
    auto missing = packageTorchScript(fixture("absent.pt").toStdString(), TorchScriptSpec{spec});
    QVERIFY(!missing);
    QVERIFY2(missing.error().text().find("absent.pt") != std::string::npos,
             missing.error().text().c_str());
  }
};

QTEST_GUILESS_MAIN(TstTorchScript)
#include "tst_torchscript.moc"
