// ONNX export (issue 12): every exportable zoo type gives a graph that Debian's ONNX checker
// (C++ and Python) accepts and that OpenCV's dnn runtime runs to the same numbers as LibTorch
// (max abs diff < 1e-4), with the preprocessing in its metadata; text models are refused with
// the reason.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <torch/torch.h>

#include <onnx/onnx_pb.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/models/model.h"
#include "core/models/model_factory.h"
#include "core/registry/onnx_export.h"
#include "core/registry/packaging.h"
#include "core/train/evaluation.h"
#include "test_support.h"

using nlohmann::json;
using namespace wb;
using namespace wb::registry;

namespace {

constexpr double kParityTolerance = 1e-4;
constexpr std::int64_t kExamples = 5;
constexpr double kLastLayerGain = 25;

struct Case {
  std::string type;
  json params;
  models::ModelInput input;
  double target_mean = 0, target_scale = 1;  // regression only
};

json signatureOf(const models::ModelInput& input) {
  const bool classification = input.classes > 0;
  json in_shape = json::array({-1});
  for (const auto d : input.shape) in_shape.push_back(d);
  json sig = {{"kind", input.shape.size() == 1 ? "table" : "image"},
              {"task", classification ? "classification" : "regression"},
              {"inputs", {{{"name", "input"}, {"datatype", "FP32"}, {"shape", in_shape}}}}};
  if (classification) {
    json classes = json::array();
    for (std::int64_t c = 0; c < input.classes; ++c) classes.push_back("class " + std::to_string(c));
    sig["classes"] = classes;
    sig["outputs"] = {{{"name", "probabilities"}, {"datatype", "FP32"}, {"shape", {-1, input.classes}}}};
  } else {
    sig["target"] = "y";
    sig["outputs"] = {{{"name", "value"}, {"datatype", "FP32"}, {"shape", {-1}}}};
  }
  return sig;
}

// A LoadedModel made by hand (what loadBundle gives) with seeded weights; BatchNorm running
// statistics moved away from 0/1 by a few training-mode forwards.
LoadedModel makeLoaded(const Case& c, std::uint64_t seed) {
  torch::manual_seed(seed);
  auto built = models::buildModel(c.type, c.params, c.input);
  if (!built) qFatal("buildModel(%s): %s", c.type.c_str(), built.error().text().c_str());
  LoadedModel loaded;
  loaded.model = std::move(built).value();
  if (!c.input.shape.empty()) {
    torch::NoGradGuard no_grad;
    loaded.model->train();
    std::vector<std::int64_t> shape{8};
    shape.insert(shape.end(), c.input.shape.begin(), c.input.shape.end());
    for (int i = 0; i < 3; ++i) loaded.model->forward(torch::randn(shape) * 1.5 + 0.3);
  }
  loaded.model->eval();
  {
    // A sharper last layer spreads the probabilities, so parity compares more than a near-
    // uniform softmax.
    torch::NoGradGuard no_grad;
    for (auto& [name, t] : loaded.model->namedParameters())
      if (name.rfind("head.", 0) == 0 || name.rfind("fc.", 0) == 0) t.mul_(kLastLayerGain);
  }
  loaded.task.classification = c.input.classes > 0;
  loaded.task.classes = static_cast<int>(c.input.classes);
  loaded.task.target_mean = c.target_mean;
  loaded.task.target_scale = c.target_scale;
  json preprocessing = {{"normalize", {{"mean", {0.5}}, {"std", {0.25}}}}};
  if (!loaded.task.classification) {
    preprocessing["target_mean"] = c.target_mean;
    preprocessing["target_scale"] = c.target_scale;
  }
  loaded.meta = {{"format", "workbench.bundle"}, {"name", "onnx-test"}, {"version", 3},
                 {"type", c.type}, {"params", loaded.model->params()},
                 {"input", c.input.toJson()}, {"signature", signatureOf(c.input)},
                 {"preprocessing", preprocessing}};
  return loaded;
}

// Seeded example inputs with the expected outputs from train::predict (LibTorch).
ExampleBatch makeExamples(LoadedModel& loaded, std::int64_t count, std::uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<std::int64_t> shape{count};
  const auto& in = loaded.model->input().shape;
  shape.insert(shape.end(), in.begin(), in.end());
  ExampleBatch batch;
  batch.inputs = torch::randn(shape);
  auto expected = train::predict(*loaded.model, batch.inputs, {}, loaded.task);
  if (!expected) qFatal("predict: %s", expected.error().text().c_str());
  batch.expected = *expected;
  return batch;
}

// How far the expected outputs spread (max − min): parity on near-constant outputs (a saturated
// softmax) would prove little.
double outputSpread(const at::Tensor& expected) {
  return (expected.max() - expected.min()).item<double>();
}

std::map<std::string, std::string> metadataOf(const onnx::ModelProto& proto) {
  std::map<std::string, std::string> out;
  for (const auto& p : proto.metadata_props()) out[p.key()] = p.value();
  return out;
}

// Python's onnx (Debian's python3-onnx) loads and checks the file; prints the opset.
QString pythonCheck(const std::string& bytes, QString* error) {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("model.onnx"));
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(bytes.data(), static_cast<qint64>(bytes.size())) != static_cast<qint64>(bytes.size()))
    return *error = QStringLiteral("cannot write ") + path, QString();
  file.close();
  QProcess python;
  python.start(QStringLiteral("/usr/bin/python3"),
               {QStringLiteral("-c"),
                QStringLiteral("import onnx,sys; m=onnx.load(sys.argv[1]); "
                               "onnx.checker.check_model(m); print(m.opset_import[0].version)"),
                path});
  if (!python.waitForFinished(60000) || python.exitCode() != 0) {
    *error = QString::fromUtf8(python.readAllStandardError());
    return {};
  }
  return QString::fromUtf8(python.readAllStandardOutput()).trimmed();
}

}  // namespace

class TestOnnx : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void exportsWithParity_data();
  void exportsWithParity();
  void parityNoticesADifference();
  void parityRejectsAFileOpenCvCannotRead();
  void textModelsAreRefusedWithTheReason_data();
  void textModelsAreRefusedWithTheReason();
  void otherOpsetsAreRefused();
};

void TestOnnx::exportsWithParity_data() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<QString>("params");
  QTest::addColumn<QString>("input");  // ModelInput JSON
  QTest::addColumn<double>("mean");
  QTest::addColumn<double>("scale");
  const auto row = [](const char* name, const char* type, const char* params, const char* input,
                      double mean = 0, double scale = 1) {
    QTest::newRow(name) << QString::fromLatin1(type) << QString::fromLatin1(params)
                        << QString::fromLatin1(input) << mean << scale;
  };
  row("mlp relu, classes", "mlp", R"({"hidden": [16, 8]})", R"({"shape": [4], "classes": 3})");
  row("mlp gelu (Erf), regression", "mlp", R"({"hidden": [12], "activation": "gelu"})",
      R"({"shape": [6], "classes": 0})", 3.5, 2.0);
  row("mlp silu on images", "mlp", R"({"hidden": [10], "activation": "silu"})",
      R"({"shape": [1, 8, 8], "classes": 4})");
  row("mlp tanh, no hidden, regression", "mlp", R"({"hidden": [], "activation": "tanh"})",
      R"({"shape": [5], "classes": 0})", -1.25, 0.5);
  // LeNet's adaptive 5×5 pooling: identity at 28 px, AveragePool k2/s1 at 32, k2/s2 at 48,
  // folded into the first Linear where its windows differ (22×18).
  row("lenet 28 px", "lenet", "{}", R"({"shape": [1, 28, 28], "classes": 10})");
  row("lenet 32 px gelu", "lenet", R"({"activation": "gelu"})", R"({"shape": [3, 32, 32], "classes": 10})");
  row("lenet 48 px silu", "lenet", R"({"activation": "silu"})", R"({"shape": [1, 48, 48], "classes": 3})");
  row("lenet 22x18 tanh regression, no hidden", "lenet", R"({"activation": "tanh", "hidden": []})",
      R"({"shape": [1, 22, 18], "classes": 0})", 10.0, 3.0);
  row("resnet_small", "resnet_small", "{}", R"({"shape": [3, 32, 32], "classes": 10})");
  row("resnet_small max pool regression", "resnet_small",
      R"({"channels": [8, 16], "blocks": 1, "pool": "max"})", R"({"shape": [3, 16, 16], "classes": 0})",
      1.5, 0.75);
  row("resnet18 32 px", "resnet18", "{}", R"({"shape": [3, 32, 32], "classes": 10})");
  row("resnet18 imagenet stem", "resnet18", R"({"width": 8, "stem": "imagenet"})",
      R"({"shape": [3, 40, 40], "classes": 5})");
}

void TestOnnx::exportsWithParity() {
  QFETCH(QString, type);
  QFETCH(QString, params);
  QFETCH(QString, input);
  QFETCH(double, mean);
  QFETCH(double, scale);
  auto model_input = models::ModelInput::fromJson(json::parse(input.toStdString()));
  WB_VERIFY_OK(model_input);
  const Case c{type.toStdString(), json::parse(params.toStdString()), *model_input, mean, scale};
  LoadedModel loaded = makeLoaded(c, 7);
  const ExampleBatch examples = makeExamples(loaded, kExamples, 11);

  const auto bytes = exportOnnx(loaded);  // runs the C++ checker and strict shape inference
  WB_VERIFY_OK(bytes);
  onnx::ModelProto proto;
  QVERIFY(proto.ParseFromString(*bytes));
  QCOMPARE(proto.opset_import(0).version(), std::int64_t{kOnnxOpset});
  QCOMPARE(proto.producer_name(), std::string("Workbench"));
  QCOMPARE(proto.graph().input(0).name(), std::string("input"));
  QCOMPARE(proto.graph().output(0).name(),
           std::string(c.input.classes > 0 ? "probabilities" : "value"));
  const auto meta = metadataOf(proto);
  QVERIFY(meta.count("workbench.preprocessing") && meta.count("workbench.signature"));
  // (json through QVERIFY: QCOMPARE's overloads trip over nlohmann's conversions)
  QVERIFY(json::parse(meta.at("workbench.preprocessing")) == loaded.meta["preprocessing"]);
  QVERIFY(json::parse(meta.at("workbench.signature")) == loaded.meta["signature"]);
  QCOMPARE(json::parse(meta.at("workbench.model")).at("type").get<std::string>(), c.type);

  const auto parity = checkOnnxParity(*bytes, examples);
  WB_VERIFY_OK(parity);
  QCOMPARE(parity->examples, int(kExamples));
  QVERIFY2(parity->max_abs_diff < kParityTolerance,
           qPrintable(QStringLiteral("max abs diff %1").arg(parity->max_abs_diff)));
  QVERIFY(parity->runtime.rfind("OpenCV dnn 4.", 0) == 0);
  qInfo("max abs diff %.3g over %d examples (%s); outputs span %.3g", parity->max_abs_diff,
        parity->examples, parity->runtime.c_str(), outputSpread(examples.expected));
  // The batch dimension is dynamic: one example runs too.
  const auto single = checkOnnxParity(*bytes, makeExamples(loaded, 1, 12));
  WB_VERIFY_OK(single);
  QVERIFY(single->max_abs_diff < kParityTolerance);

  QString error;
  QCOMPARE(pythonCheck(*bytes, &error), QStringLiteral("13"));
}

void TestOnnx::parityNoticesADifference() {
  const Case c{"mlp", {{"hidden", {8}}}, {{4}, 3, 0}};
  LoadedModel loaded = makeLoaded(c, 3);
  ExampleBatch examples = makeExamples(loaded, 4, 5);
  const auto bytes = exportOnnx(loaded);
  WB_VERIFY_OK(bytes);
  examples.expected = examples.expected.clone();
  examples.expected[2][1] += 0.01;
  const auto parity = checkOnnxParity(*bytes, examples);
  WB_VERIFY_OK(parity);
  QVERIFY2(parity->max_abs_diff > 0.009 && parity->max_abs_diff < 0.011,
           qPrintable(QString::number(parity->max_abs_diff)));
  // Too few expected values (another model's examples) is an error, not a number.
  examples.expected = examples.expected.narrow(1, 0, 2);
  QVERIFY(!checkOnnxParity(*bytes, examples).ok());
}

void TestOnnx::parityRejectsAFileOpenCvCannotRead() {
  const Case c{"mlp", {{"hidden", {8}}}, {{4}, 3, 0}};
  LoadedModel loaded = makeLoaded(c, 3);
  const auto parity = checkOnnxParity("not an onnx file", makeExamples(loaded, 2, 5));
  QVERIFY(!parity.ok());
  QVERIFY2(parity.error().text().find("OpenCV dnn") != std::string::npos, parity.error().text().c_str());
}

void TestOnnx::textModelsAreRefusedWithTheReason_data() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<QString>("why");
  QTest::newRow("text_bag") << QStringLiteral("text_bag") << QStringLiteral("EmbeddingBag");
  QTest::newRow("text_transformer") << QStringLiteral("text_transformer") << QStringLiteral("padding mask");
}

void TestOnnx::textModelsAreRefusedWithTheReason() {
  QFETCH(QString, type);
  QFETCH(QString, why);
  LoadedModel loaded = makeLoaded({type.toStdString(), json::object(), {{}, 4, 100}}, 1);
  const auto bytes = exportOnnx(loaded);
  QVERIFY(!bytes.ok());
  const std::string text = bytes.error().text();
  QVERIFY2(text.find(why.toStdString()) != std::string::npos, text.c_str());
  QVERIFY2(text.find("offsets") != std::string::npos, text.c_str());
  QVERIFY2(text.find("--format bundle") != std::string::npos, text.c_str());
  QVERIFY2(text.find("safetensors") != std::string::npos, text.c_str());
}

void TestOnnx::otherOpsetsAreRefused() {
  LoadedModel loaded = makeLoaded({"mlp", {{"hidden", {8}}}, {{4}, 3, 0}}, 1);
  const auto bytes = exportOnnx(loaded, 17);
  QVERIFY(!bytes.ok());
  QVERIFY2(bytes.error().text().find("opset 13") != std::string::npos, bytes.error().text().c_str());
}

QTEST_GUILESS_MAIN(TestOnnx)
#include "tst_onnx.moc"
