// Model zoo: every type builds from config, gives the right output shape, counts its
// parameters, learns a small synthetic problem; errors name the key; state round trips;
// the same seed gives the same weights.
#include <QElapsedTimer>
#include <QTest>

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/models/model.h"
#include "core/models/model_factory.h"
#include "test_support.h"

using nlohmann::json;
using namespace wb::models;

namespace {

ModelInput image(std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t classes) {
  return ModelInput{{c, h, w}, classes, 0};
}
ModelInput table(std::int64_t features, std::int64_t classes) {
  return ModelInput{{features}, classes, 0};
}
ModelInput text(std::int64_t vocabulary, std::int64_t classes) {
  return ModelInput{{}, classes, vocabulary};
}

std::unique_ptr<Model> build(const std::string& type, const json& params, const ModelInput& input) {
  auto model = buildModel(type, params, input);
  if (!model) qFatal("buildModel(%s): %s", type.c_str(), model.error().text().c_str());
  return std::move(model).value();
}

// A small batch the model takes: random images/features, or 2 texts of 3 and 4 ids.
struct Inputs {
  at::Tensor inputs;
  at::Tensor offsets;
};
Inputs sampleBatch(const ModelInput& input, std::int64_t batch) {
  if (input.shape.empty()) {
    const auto ids = torch::randint(input.vocabulary, {batch * 3 + 1}, torch::kLong);
    auto offsets = torch::arange(batch, torch::kLong) * 3;
    return {ids, offsets};
  }
  std::vector<std::int64_t> sizes{batch};
  sizes.insert(sizes.end(), input.shape.begin(), input.shape.end());
  return {torch::randn(sizes), {}};
}

// Adam on a fixed batch; returns the loss before the first and after the last step.
struct LossCurve {
  double first = 0;
  double last = 0;
  std::string text() const { return std::to_string(first) + " -> " + std::to_string(last); }
};
LossCurve fit(Model& model, const Inputs& batch, const at::Tensor& targets, int steps, double lr) {
  torch::optim::Adam optimiser(model.parameters(), torch::optim::AdamOptions(lr));
  model.train();
  const bool regression = model.input().classes == 0;
  const auto lossOf = [&] {
    const auto out = model.forward(batch.inputs, batch.offsets);
    return regression ? torch::mse_loss(out.squeeze(1), targets)
                      : torch::nn::functional::cross_entropy(out, targets);
  };
  LossCurve curve;
  for (int step = 0; step < steps; ++step) {
    optimiser.zero_grad();
    auto loss = lossOf();
    if (step == 0) curve.first = loss.item<double>();
    loss.backward();
    optimiser.step();
  }
  // Measured as the first was (training mode): BatchNorm's running statistics lag after a
  // few steps, and the point here is that optimisation works.
  torch::NoGradGuard no_grad;
  curve.last = lossOf().item<double>();
  model.eval();
  qInfo("%s: loss %s over %d Adam steps", model.type().c_str(), curve.text().c_str(), steps);
  return curve;
}

std::int64_t numelSum(const Model& model) {
  std::int64_t n = 0;
  for (const auto& p : model.parameters()) n += p.numel();
  return n;
}

bool sameWeights(const Model& a, const Model& b) {
  const auto pa = a.namedParameters();
  const auto pb = b.namedParameters();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i)
    if (pa[i].first != pb[i].first || !torch::equal(pa[i].second, pb[i].second)) return false;
  return true;
}

QString errorText(const wb::Error& e) { return QString::fromStdString(e.text()); }

}  // namespace

class TestModels : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void typesAndDefaults();
  void buildsAndForwards_data();
  void buildsAndForwards();
  void mlpParameterCountByHand();
  void lenetParameterCountByHand();
  void mlpLearnsBlobs();
  void mlpRegressionLearns();
  void lenetLearnsSquarePosition();
  void resnetSmallLearnsColours();
  void resnet18TakesAStep();
  void textBagLearnsMarkerTokens();
  void textTransformerLearnsWordOrder();
  void badParams_data();
  void badParams();
  void checkInputExplains();
  void stateRoundTrip_data();
  void stateRoundTrip();
  void loadStateRejectsOtherModels();
  void sameSeedSameWeights_data();
  void sameSeedSameWeights();
  void countParametersKeepsRandomStream();
  void summaryAndModes();
  void figures();

 private:
  QElapsedTimer m_timer;
};

void TestModels::initTestCase() {
  torch::set_num_threads(1);  // shared 2-core machine: predictable timings
  m_timer.start();
}

void TestModels::typesAndDefaults() {
  const auto types = modelTypes();
  QCOMPARE(types, (std::vector<std::string>{"mlp", "lenet", "resnet_small", "resnet18", "text_bag",
                                            "text_transformer"}));
  for (const auto& type : types) {
    QVERIFY(!modelDescription(type).empty());
    auto defaults = defaultParams(type);
    WB_VERIFY_OK(defaults);
    QVERIFY(defaults->is_object() && !defaults->empty());
  }
  QVERIFY(modelDescription("nope").empty());
  QVERIFY(!defaultParams("nope").ok());
  QVERIFY(defaultParams("mlp")->at("hidden") == json({64, 64}));
  QVERIFY(defaultParams("text_bag")->at("embed_dim") == json(64));
}

void TestModels::buildsAndForwards_data() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<QString>("params");
  QTest::addColumn<QList<qint64>>("shape");
  QTest::addColumn<qint64>("classes");
  QTest::addColumn<qint64>("vocabulary");
  QTest::newRow("mlp table") << "mlp"
                             << "{}" << QList<qint64>{4} << qint64(3) << qint64(0);
  QTest::newRow("mlp regression") << "mlp"
                                  << R"({"hidden": [16], "activation": "gelu"})" << QList<qint64>{5}
                                  << qint64(0) << qint64(0);
  QTest::newRow("mlp image, no hidden")
      << "mlp"
      << R"({"hidden": []})" << QList<qint64>{1, 28, 28} << qint64(10) << qint64(0);
  QTest::newRow("mlp whole model block")
      << "mlp"
      << R"({"type": "mlp", "dropout": 0.2})" << QList<qint64>{4} << qint64(2) << qint64(0);
  QTest::newRow("lenet digits") << "lenet"
                                << "{}" << QList<qint64>{1, 28, 28} << qint64(10) << qint64(0);
  QTest::newRow("lenet rgb 32") << "lenet"
                                << "{}" << QList<qint64>{3, 32, 32} << qint64(2) << qint64(0);
  QTest::newRow("lenet rgb 64") << "lenet"
                                << R"({"hidden": [32], "activation": "tanh"})"
                                << QList<qint64>{3, 64, 64} << qint64(5) << qint64(0);
  QTest::newRow("lenet smallest") << "lenet"
                                  << "{}" << QList<qint64>{1, 12, 12} << qint64(2) << qint64(0);
  QTest::newRow("resnet_small 32") << "resnet_small"
                                   << "{}" << QList<qint64>{3, 32, 32} << qint64(4) << qint64(0);
  QTest::newRow("resnet_small 64 regression") << "resnet_small"
                                              << R"({"blocks": 1, "channels": [8, 16]})"
                                              << QList<qint64>{3, 64, 64} << qint64(0) << qint64(0);
  QTest::newRow("resnet_small max pool")
      << "resnet_small"
      << R"({"blocks": 1, "pool": "max"})" << QList<qint64>{3, 32, 32} << qint64(2) << qint64(0);
  QTest::newRow("resnet18 small stem")
      << "resnet18"
      << "{}" << QList<qint64>{3, 32, 32} << qint64(10) << qint64(0);
  QTest::newRow("resnet18 imagenet stem")
      << "resnet18"
      << "{}" << QList<qint64>{3, 64, 64} << qint64(2) << qint64(0);
  QTest::newRow("text_bag") << "text_bag"
                            << "{}" << QList<qint64>{} << qint64(4) << qint64(100);
  QTest::newRow("text_bag hidden sum") << "text_bag"
                                       << R"({"hidden": [16], "mode": "sum", "embed_dim": 8})"
                                       << QList<qint64>{} << qint64(3) << qint64(50);
  QTest::newRow("text_transformer") << "text_transformer"
                                    << "{}" << QList<qint64>{} << qint64(4) << qint64(100);
  QTest::newRow("text_transformer cut at max_len")
      << "text_transformer"
      << R"({"d_model": 16, "heads": 2, "layers": 1, "max_len": 2})" << QList<qint64>{} << qint64(2)
      << qint64(30);
}

void TestModels::buildsAndForwards() {
  QFETCH(QString, type);
  QFETCH(QString, params);
  QFETCH(QList<qint64>, shape);
  QFETCH(qint64, classes);
  QFETCH(qint64, vocabulary);
  const ModelInput input{std::vector<std::int64_t>(shape.begin(), shape.end()), classes,
                         vocabulary};
  torch::manual_seed(1);
  auto model = build(type.toStdString(), json::parse(params.toStdString()), input);
  QCOMPARE(model->type(), type.toStdString());
  QCOMPARE(model->input(), input);
  QVERIFY(model->parameterCount() > 0);
  QCOMPARE(model->parameterCount(), numelSum(*model));
  auto counted = countParameters(type.toStdString(), json::parse(params.toStdString()), input);
  WB_VERIFY_OK(counted);
  QCOMPARE(*counted, model->parameterCount());

  const auto batch = sampleBatch(input, 2);
  WB_VERIFY_OK(model->checkInput(batch.inputs, batch.offsets));
  model->eval();
  torch::NoGradGuard no_grad;
  const auto out = model->forward(batch.inputs, batch.offsets);
  QCOMPARE(out.sizes().vec(), (std::vector<std::int64_t>{2, input.outputs()}));
  QVERIFY(torch::isfinite(out).all().item<bool>());
}

void TestModels::mlpParameterCountByHand() {
  auto model = build("mlp", json::object(), table(4, 3));
  // 4→64, 64→64, 64→3, each with bias
  QCOMPARE(model->parameterCount(), std::int64_t{(4 * 64 + 64) + (64 * 64 + 64) + (64 * 3 + 3)});
  auto regression = build("mlp", {{"hidden", {10}}}, table(7, 0));
  QCOMPARE(regression->parameterCount(), std::int64_t{(7 * 10 + 10) + (10 * 1 + 1)});
  auto linear = build("mlp", {{"hidden", json::array()}}, table(7, 5));
  QCOMPARE(linear->parameterCount(), std::int64_t{7 * 5 + 5});
  QVERIFY(linear->params()["hidden"] == json::array());
  QVERIFY(linear->params()["activation"] == json("relu"));  // defaults filled in
}

void TestModels::lenetParameterCountByHand() {
  auto model = build("lenet", json::object(), image(1, 28, 28, 10));
  const std::int64_t conv1 = 1 * 6 * 25 + 6;
  const std::int64_t conv2 = 6 * 16 * 25 + 16;
  const std::int64_t fc = (16 * 5 * 5 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10);
  QCOMPARE(model->parameterCount(), conv1 + conv2 + fc);
  QCOMPARE(model->parameterCount(), std::int64_t{61706});
}

void TestModels::mlpLearnsBlobs() {
  torch::manual_seed(2);
  const std::int64_t n = 150;
  const auto targets = torch::arange(n, torch::kLong) % 3;
  const auto centres =
      torch::tensor({{3.f, 0.f, 0.f, 0.f}, {0.f, 3.f, 0.f, 0.f}, {0.f, 0.f, 3.f, 0.f}});
  const auto x = centres.index_select(0, targets) + 0.5 * torch::randn({n, 4});
  auto model = build("mlp", {{"dropout", 0.1}}, table(4, 3));
  const auto curve = fit(*model, {x, {}}, targets, 30, 1e-2);
  QVERIFY2(curve.last < 0.3 * curve.first, curve.text().c_str());
  model->eval();
  torch::NoGradGuard no_grad;
  const double accuracy =
      model->forward(x).argmax(1).eq(targets).to(torch::kFloat).mean().item<double>();
  QVERIFY(accuracy > 0.95);
}

void TestModels::mlpRegressionLearns() {
  torch::manual_seed(3);
  const auto x = torch::randn({128, 3});
  const auto y = 2 * x.select(1, 0) - x.select(1, 1) + 0.5;
  auto model = build("mlp", {{"hidden", {32, 32}}}, table(3, 0));
  const auto curve = fit(*model, {x, {}}, y, 60, 1e-2);
  QVERIFY2(curve.last < 0.1 * curve.first, curve.text().c_str());
}

void TestModels::lenetLearnsSquarePosition() {
  // Class = the quadrant of a bright 8×8 square on a noisy 28×28 image.
  torch::manual_seed(4);
  const std::int64_t n = 64;
  auto x = 0.2 * torch::randn({n, 1, 28, 28});
  auto targets = torch::arange(n, torch::kLong) % 4;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto c = targets[i].item<std::int64_t>();
    const std::int64_t top = (c / 2) * 14 + 3;
    const std::int64_t left = (c % 2) * 14 + 3;
    x[i][0].narrow(0, top, 8).narrow(1, left, 8) += 2.0;
  }
  auto model = build("lenet", json::object(), image(1, 28, 28, 4));
  const auto curve = fit(*model, {x, {}}, targets, 25, 3e-3);
  QVERIFY2(curve.last < 0.3 * curve.first, curve.text().c_str());
}

void TestModels::resnetSmallLearnsColours() {
  // Class = which colour channel is bright, under noise.
  torch::manual_seed(5);
  const std::int64_t n = 24;
  auto targets = torch::arange(n, torch::kLong) % 3;
  auto x = 0.3 * torch::randn({n, 3, 32, 32});
  for (std::int64_t i = 0; i < n; ++i) x[i][targets[i].item<std::int64_t>()] += 1.0;
  auto model = build("resnet_small", json::object(), image(3, 32, 32, 3));
  const auto curve = fit(*model, {x, {}}, targets, 15, 3e-3);
  QVERIFY2(curve.last < 0.5 * curve.first, curve.text().c_str());
}

void TestModels::resnet18TakesAStep() {
  torch::manual_seed(6);
  auto model = build("resnet18", json::object(), image(3, 32, 32, 10));
  QCOMPARE(model->parameterCount(), std::int64_t{11173962});  // the CIFAR ResNet-18 figure
  const auto before = model->parameters().front().clone();
  const auto targets = torch::tensor({1, 7}, torch::kLong);
  const auto curve = fit(*model, sampleBatch(model->input(), 2), targets, 1, 1e-3);
  QVERIFY(std::isfinite(curve.first) && std::isfinite(curve.last));
  QVERIFY(!torch::equal(before, model->parameters().front()));
}

void TestModels::textBagLearnsMarkerTokens() {
  // Class c's texts carry a marker id from {3c, 3c+1, 3c+2} among noise ids in [9, 60).
  torch::manual_seed(7);
  const std::int64_t n = 96;
  const auto targets = torch::arange(n, torch::kLong) % 3;
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> offsets;
  for (std::int64_t i = 0; i < n; ++i) {
    offsets.push_back(static_cast<std::int64_t>(ids.size()));
    const auto c = targets[i].item<std::int64_t>();
    const auto noise = torch::randint(9, 60, {4 + i % 3}, torch::kLong);
    for (std::int64_t k = 0; k < noise.numel(); ++k) ids.push_back(noise[k].item<std::int64_t>());
    ids.push_back(3 * c + i % 3);
  }
  const Inputs batch{torch::tensor(ids, torch::kLong), torch::tensor(offsets, torch::kLong)};
  auto model = build("text_bag", json::object(), text(60, 3));
  WB_VERIFY_OK(model->checkInput(batch.inputs, batch.offsets));
  const auto curve = fit(*model, batch, targets, 30, 2e-2);
  QVERIFY2(curve.last < 0.3 * curve.first, curve.text().c_str());
}

// The label is which of two tokens comes first, with the same tokens in every text: a bag of
// words cannot tell the classes apart, the Transformer (positions, attention) can. Texts have
// different lengths, so padding and masking are exercised too.
void TestModels::textTransformerLearnsWordOrder() {
  torch::manual_seed(3);
  std::vector<std::int64_t> ids, offsets, labels;
  at::Tensor filler;
  for (std::int64_t i = 0; i < 64; ++i) {
    offsets.push_back(static_cast<std::int64_t>(ids.size()));
    const std::int64_t label = i % 2;
    // Each pair of texts (one per class) shares its filler: only the order differs.
    if (label == 0) filler = torch::randint(3, 20, {2 + (i / 2) % 4}, torch::kLong);
    for (std::int64_t k = 0; k < filler.numel(); ++k) ids.push_back(filler[k].item<std::int64_t>());
    ids.push_back(label == 0 ? 1 : 2);
    ids.push_back(label == 0 ? 2 : 1);
    labels.push_back(label);
  }
  const Inputs batch{torch::tensor(ids, torch::kLong), torch::tensor(offsets, torch::kLong)};
  const auto targets = torch::tensor(labels, torch::kLong);
  auto model =
      build("text_transformer",
            {{"d_model", 32}, {"heads", 4}, {"layers", 2}, {"feedforward", 64}, {"dropout", 0.0}},
            text(20, 2));
  WB_VERIFY_OK(model->checkInput(batch.inputs, batch.offsets));
  const auto curve = fit(*model, batch, targets, 80, 3e-3);
  QVERIFY2(curve.last < 0.2, curve.text().c_str());
  auto bag = build("text_bag", json::object(), text(20, 2));
  const auto bag_curve = fit(*bag, batch, targets, 80, 3e-3);
  QVERIFY2(bag_curve.last > 0.6, bag_curve.text().c_str());  // the same words: chance
}

void TestModels::badParams_data() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<QString>("params");
  QTest::addColumn<QString>("input");  // table | digits | text | tiny | one_class
  QTest::addColumn<QString>("expected");
  QTest::newRow("unknown type") << "transformer9000"
                                << "{}"
                                << "table"
                                << "model.type: unknown model type 'transformer9000'; valid "
                                   "types: mlp, lenet, resnet_small, resnet18, text_bag";
  QTest::newRow("hidden not a list") << "mlp"
                                     << R"({"hidden": "abc"})"
                                     << "table"
                                     << "model.hidden: expected a list of positive integers, "
                                        "got \"abc\"";
  QTest::newRow("hidden negative") << "mlp"
                                   << R"({"hidden": [64, -1]})"
                                   << "table"
                                   << "model.hidden: expected a list of positive integers";
  QTest::newRow("misspelt key") << "mlp"
                                << R"({"hiden": [8]})"
                                << "table"
                                << "model.hiden: unknown key for mlp (did you mean 'hidden'?)";
  QTest::newRow("dropout range") << "mlp"
                                 << R"({"dropout": 1.5})"
                                 << "table"
                                 << "model.dropout: expected a number in [0, 1), got 1.5";
  QTest::newRow("activation") << "lenet"
                              << R"({"activation": "swish"})"
                              << "digits"
                              << "model.activation: expected one of relu, gelu, tanh, silu";
  QTest::newRow("params not an object") << "mlp"
                                        << "[1, 2]"
                                        << "table"
                                        << "model: expected an object of hyperparameters";
  QTest::newRow("lenet channels") << "lenet"
                                  << R"({"channels": [6]})"
                                  << "digits"
                                  << "model.channels: expected a list of 2 positive integers";
  QTest::newRow("lenet tiny image") << "lenet"
                                    << "{}"
                                    << "tiny"
                                    << "input.shape: lenet needs images of at least 12×12 px";
  QTest::newRow("lenet on a table") << "lenet"
                                    << "{}"
                                    << "table"
                                    << "input.shape: lenet needs images ({C, H, W})";
  QTest::newRow("resnet_small blocks") << "resnet_small"
                                       << R"({"blocks": 0})"
                                       << "digits"
                                       << "model.blocks: expected a positive integer, got 0";
  QTest::newRow("resnet18 stem") << "resnet18"
                                 << R"({"stem": "big"})"
                                 << "digits"
                                 << "model.stem: expected one of auto, small, imagenet";
  QTest::newRow("resnet18 flag") << "resnet18"
                                 << R"({"zero_init_residual": 1})"
                                 << "digits"
                                 << "model.zero_init_residual: expected true or false";
  QTest::newRow("mlp on text") << "mlp"
                               << "{}"
                               << "text"
                               << "input.shape: mlp needs a feature vector";
  QTest::newRow("text_bag on images") << "text_bag"
                                      << "{}"
                                      << "digits"
                                      << "input.shape: text_bag needs text input";
  QTest::newRow("text_bag embed_dim") << "text_bag"
                                      << R"({"embed_dim": 2.5})"
                                      << "text"
                                      << "model.embed_dim: expected a positive integer";
  QTest::newRow("text_transformer heads")
      << "text_transformer"
      << R"({"d_model": 30, "heads": 4})"
      << "text"
      << "model.d_model: d_model (30) must be a multiple of heads (4)";
  QTest::newRow("text_transformer on images") << "text_transformer"
                                              << "{}"
                                              << "digits"
                                              << "input.shape: text_transformer needs text input";
  QTest::newRow("one class") << "mlp"
                             << "{}"
                             << "one_class"
                             << "input.classes: mlp needs 0 (regression) or at least 2 classes";
}

void TestModels::badParams() {
  QFETCH(QString, type);
  QFETCH(QString, params);
  QFETCH(QString, input);
  QFETCH(QString, expected);
  ModelInput in = table(4, 3);
  if (input == QLatin1String("digits")) in = image(1, 28, 28, 10);
  if (input == QLatin1String("text")) in = text(100, 3);
  if (input == QLatin1String("tiny")) in = image(1, 8, 8, 3);
  if (input == QLatin1String("one_class")) in = table(4, 1);
  const auto p = json::parse(params.toStdString());
  auto model = buildModel(type.toStdString(), p, in);
  QVERIFY(!model.ok());
  QVERIFY2(errorText(model.error()).startsWith(expected), qPrintable(errorText(model.error())));
  auto count = countParameters(type.toStdString(), p, in);
  QVERIFY(!count.ok());
  QCOMPARE(count.error().text(), model.error().text());
}

void TestModels::checkInputExplains() {
  auto lenet = build("lenet", json::object(), image(1, 28, 28, 10));
  auto bad = lenet->checkInput(torch::zeros({2, 3, 28, 28}));
  QVERIFY(!bad.ok());
  QCOMPARE(bad.error().text(),
           std::string("inputs: expected shape [B, 1, 28, 28], got [2, 3, 28, 28]"));
  QVERIFY(!lenet->checkInput(torch::zeros({2, 1, 28, 28}, torch::kLong)).ok());
  QVERIFY(!lenet->checkInput(at::Tensor()).ok());

  auto bag = build("text_bag", json::object(), text(10, 2));
  const auto ids = torch::tensor({1, 2, 3, 4}, torch::kLong);
  WB_VERIFY_OK(bag->checkInput(ids, torch::tensor({0, 2}, torch::kLong)));
  WB_VERIFY_OK(bag->checkInput(ids.view({2, 2})));  // equal-length bags, no offsets
  auto out_of_range =
      bag->checkInput(torch::tensor({1, 10}, torch::kLong), torch::tensor({0}, torch::kLong));
  QVERIFY(!out_of_range.ok());
  QCOMPARE(out_of_range.error().text(),
           std::string("inputs: token ids must be in [0, 10), got 10"));
  QVERIFY(!bag->checkInput(ids, torch::tensor({1, 2}, torch::kLong)).ok());  // not from 0
  QVERIFY(!bag->checkInput(ids, torch::tensor({0, 5}, torch::kLong)).ok());  // past the end
  QVERIFY(!bag->checkInput(ids).ok());                                       // 1-D without offsets
  QVERIFY(!bag->checkInput(ids.to(torch::kFloat), torch::tensor({0}, torch::kLong)).ok());
}

void TestModels::stateRoundTrip_data() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<QString>("params");
  QTest::newRow("mlp") << "mlp"
                       << "{}";
  QTest::newRow("lenet") << "lenet"
                         << "{}";
  QTest::newRow("resnet_small") << "resnet_small"
                                << "{}";
  QTest::newRow("resnet18") << "resnet18"
                            << R"({"width": 8})";
  QTest::newRow("text_bag") << "text_bag"
                            << R"({"hidden": [8]})";
  QTest::newRow("text_transformer") << "text_transformer"
                                    << R"({"d_model": 16, "heads": 2, "layers": 1})";
}

void TestModels::stateRoundTrip() {
  QFETCH(QString, type);
  QFETCH(QString, params);
  const auto p = json::parse(params.toStdString());
  const ModelInput input = type == QLatin1String("mlp")              ? table(6, 3)
                           : type.startsWith(QLatin1String("text_")) ? text(40, 3)
                           : type == QLatin1String("lenet")          ? image(1, 28, 28, 4)
                                                                     : image(3, 32, 32, 4);
  torch::manual_seed(10);
  auto a = build(type.toStdString(), p, input);
  const auto batch = sampleBatch(input, 4);
  {
    // A training-mode pass moves BatchNorm running statistics away from their start.
    torch::NoGradGuard no_grad;
    a->train();
    a->forward(batch.inputs, batch.offsets);
  }
  a->eval();
  auto state = a->saveState();
  WB_VERIFY_OK(state);

  torch::manual_seed(11);
  auto b = build(type.toStdString(), p, input);
  QVERIFY(!sameWeights(*a, *b));
  WB_VERIFY_OK(b->loadState(*state));
  b->eval();
  QVERIFY(sameWeights(*a, *b));
  const auto buffers_a = a->namedBuffers();
  const auto buffers_b = b->namedBuffers();
  QCOMPARE(buffers_a.size(), buffers_b.size());
  for (std::size_t i = 0; i < buffers_a.size(); ++i)
    QVERIFY(torch::equal(buffers_a[i].second, buffers_b[i].second));

  torch::NoGradGuard no_grad;
  const auto expected = a->forward(batch.inputs, batch.offsets);
  QVERIFY(torch::equal(expected, b->forward(batch.inputs, batch.offsets)));

  // The state alone is enough to rebuild the model.
  auto c = buildModelFromState(*state);
  WB_VERIFY_OK(c);
  QCOMPARE((*c)->type(), type.toStdString());
  QVERIFY((*c)->params() == a->params());
  QCOMPARE((*c)->input(), input);
  (*c)->eval();
  QVERIFY(torch::equal(expected, (*c)->forward(batch.inputs, batch.offsets)));
}

void TestModels::loadStateRejectsOtherModels() {
  torch::manual_seed(12);
  auto model = build("mlp", json::object(), table(6, 3));
  model->eval();
  const auto x = torch::randn({3, 6});
  const auto before = model->forward(x).detach();

  // Same type, other shapes: all or nothing.
  auto narrow = build("mlp", {{"hidden", {64, 32}}}, table(6, 3));
  auto status = model->loadState(*narrow->saveState());
  QVERIFY(!status.ok());
  QVERIFY2(QString::fromStdString(status.error().text()).contains(QLatin1String("shape")),
           status.error().text().c_str());
  QVERIFY(torch::equal(before, model->forward(x)));
  for (const auto& [name, p] : model->namedParameters()) QVERIFY(p.requires_grad());

  // Missing tensors: fewer layers.
  auto shallow = build("mlp", {{"hidden", {64}}}, table(6, 3));
  QVERIFY(!model->loadState(*shallow->saveState()).ok());
  QVERIFY(torch::equal(before, model->forward(x)));

  // Another type.
  auto lenet = build("lenet", json::object(), image(1, 28, 28, 3));
  status = model->loadState(*lenet->saveState());
  QVERIFY(!status.ok());
  QCOMPARE(status.error().text(),
           std::string("model state: a state of a lenet model cannot load into a mlp"));

  // Not a state at all.
  QVERIFY(!model->loadState("not a checkpoint").ok());
  QVERIFY(!buildModelFromState("not a checkpoint").ok());
  QVERIFY(torch::equal(before, model->forward(x)));
}

void TestModels::sameSeedSameWeights_data() {
  QTest::addColumn<QString>("type");
  for (const auto& type : modelTypes()) QTest::newRow(type.c_str()) << QString::fromStdString(type);
}

void TestModels::sameSeedSameWeights() {
  QFETCH(QString, type);
  const ModelInput input = type == QLatin1String("mlp")              ? table(6, 3)
                           : type.startsWith(QLatin1String("text_")) ? text(40, 3)
                                                                     : image(3, 32, 32, 4);
  const json params = type == QLatin1String("resnet18") ? json{{"width", 8}} : json::object();
  torch::manual_seed(42);
  auto a = build(type.toStdString(), params, input);
  torch::manual_seed(42);
  auto b = build(type.toStdString(), params, input);
  torch::manual_seed(43);
  auto c = build(type.toStdString(), params, input);
  QVERIFY(sameWeights(*a, *b));
  QVERIFY(!sameWeights(*a, *c));
}

void TestModels::countParametersKeepsRandomStream() {
  torch::manual_seed(42);
  auto a = build("lenet", json::object(), image(1, 28, 28, 10));
  torch::manual_seed(42);
  auto count = countParameters("resnet_small", json::object(), image(3, 32, 32, 10));
  WB_VERIFY_OK(count);
  auto b = build("lenet", json::object(), image(1, 28, 28, 10));
  QVERIFY(sameWeights(*a, *b));
}

void TestModels::summaryAndModes() {
  auto model = build("lenet", json::object(), image(1, 28, 28, 10));
  const auto summary = QString::fromStdString(model->summary());
  QVERIFY2(summary.startsWith(QStringLiteral("lenet — 1×28×28, 10 classes\n")),
           qPrintable(summary));
  QVERIFY2(summary.contains(QLatin1String("conv1")), qPrintable(summary));
  QVERIFY2(summary.contains(QLatin1String("61,706 trainable parameters")), qPrintable(summary));
  QVERIFY(model->isTraining());
  model->eval();
  QVERIFY(!model->isTraining());
  model->train();
  QVERIFY(model->isTraining());
  WB_VERIFY_OK(model->to(torch::Device(torch::kCPU)));
  QCOMPARE(model->device().str(), std::string("cpu"));
  if (!torch::cuda::is_available()) {
    auto status = model->to(torch::Device(torch::kCUDA, 0));
    QVERIFY(!status.ok());
    QCOMPARE(model->device().str(), std::string("cpu"));
  }
}

// Parameter counts for the demo datasets' shapes (printed for the notes).
void TestModels::figures() {
  const std::vector<std::pair<const char*, ModelInput>> inputs{
      {"digits 1x28x28/10", image(1, 28, 28, 10)}, {"shapes 3x64x64/2", image(3, 64, 64, 2)}};
  for (const auto& type : {"mlp", "lenet", "resnet_small", "resnet18"}) {
    for (const auto& [name, input] : inputs) {
      auto count = countParameters(type, json::object(), input);
      WB_VERIFY_OK(count);
      qInfo("%-13s %-18s %10lld parameters", type, name, static_cast<long long>(*count));
    }
  }
  auto bag = countParameters("text_bag", json::object(), text(5000, 4));
  WB_VERIFY_OK(bag);
  qInfo("%-13s %-18s %10lld parameters", "text_bag", "5000 ids/4", static_cast<long long>(*bag));
  qInfo("tst_models so far: %lld ms", static_cast<long long>(m_timer.elapsed()));
}

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
