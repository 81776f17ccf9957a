// Importing a model trained elsewhere: TorchScript archives scripted at test time by Debian's
// PyTorch 1.13 (tests/fixtures/make_torchscript.py) load as "torchscript" models that compute
// what PyTorch computed, expose their parameters, and refuse foreign files with a clear reason.
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
#include "test_support.h"

using nlohmann::json;
using namespace wb::models;

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
};

QTEST_GUILESS_MAIN(TstTorchScript)
#include "tst_torchscript.moc"
