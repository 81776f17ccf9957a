// Bundles (issue 12): safetensors written and read back (also by an independent Python
// reader), the zip that ordinary tools list, determinism, damaged and foreign files refused
// with a named reason, and every model type of the zoo reloaded in a fresh process without a
// workspace reproducing its examples; packageRun on real finished runs.
#include <QCoreApplication>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <fstream>
#include <iostream>

#include "core/common/files.h"
#include "core/common/numbers.h"
#include "core/config/experiment_config.h"
#include "core/data/dataset_repository.h"
#include "core/data/image_codec.h"
#include "core/data/importer.h"
#include "core/demo/demo_datasets.h"
#include "core/models/model_factory.h"
#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/registry/bundle.h"
#include "core/registry/packaging.h"
#include "core/registry/safetensors.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace wb;
using namespace wb::registry;
using Json = nlohmann::json;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

QString qs(const std::string& s) { return QString::fromStdString(s); }

std::string f32Bytes(std::initializer_list<float> values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

// A safetensors file by hand: HEADER as given, then DATA.
std::string rawFile(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

ProcessResult run(const QString& program, const QStringList& args, const QString& cwd = {}) {
  QProcess p;
  if (!cwd.isEmpty()) p.setWorkingDirectory(cwd);
  p.start(program, args);
  p.waitForFinished(120000);
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput().toStdString(),
          p.readAllStandardError().toStdString()};
}

// The fresh-process side: loads each bundle file (no workspace around) and prints one JSON
// line per file with checkExamples()' result.
int checkBundlesMain(int argc, char** argv) {
  torch::set_num_threads(1);
  for (int i = 2; i < argc; ++i) {
    Json line = {{"file", argv[i]}};
    auto loaded = loadBundleFile(argv[i]);
    if (!loaded) {
      line["error"] = loaded.error().text();
    } else if (auto check = checkExamples(*loaded); !check) {
      line["error"] = check.error().text();
    } else {
      line.update({{"passed", check->passed}, {"count", check->count}, {"max_abs_diff", check->max_abs_diff},
                   {"type", loaded->meta.value("type", "")}});
    }
    std::cout << line.dump() << std::endl;
  }
  return 0;
}

}  // namespace

class TestBundle : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  fs::path m_root;
  std::optional<Workspace> m_ws;
  std::string m_iris_run;
  std::string m_digits_run;
  std::string m_text_run;

  fs::path writeTemp(const std::string& name, const std::string& bytes) {
    const fs::path p = m_root / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  // Loads FILES in a new process of this binary, started in an empty folder.
  std::vector<Json> checkInFreshProcess(const std::vector<fs::path>& files) {
    const fs::path cwd = m_root / "fresh";
    fs::create_directories(cwd);
    QStringList args{QStringLiteral("--check-bundles")};
    for (const auto& f : files) args << qs(f.string());
    auto r = run(QCoreApplication::applicationFilePath(), args, qs(cwd.string()));
    if (r.exit_code != 0) qWarning("%s", r.err.c_str());
    std::vector<Json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line.front() == '{') out.push_back(Json::parse(line, nullptr, false));
    return out;
  }

  // A model of TYPE with random weights and non-trivial BatchNorm statistics, and 4 examples.
  struct Sample {
    std::unique_ptr<models::Model> model;
    ModelPackage package;
  };
  Sample randomModel(const std::string& type, bool regression = false) {
    models::ModelInput input;
    const bool text = type.starts_with("text_");
    if (type == "mlp") input.shape = {4};
    else if (type == "lenet") input.shape = {1, 28, 28};
    else if (!text) input.shape = {3, 32, 32};
    input.classes = regression ? 0 : (text ? 4 : 3);
    input.vocabulary = text ? 50 : 0;
    torch::manual_seed(11);
    auto model = models::buildModel(type, nullptr, input);
    if (!model) qFatal("%s", model.error().text().c_str());
    {
      torch::NoGradGuard no_grad;
      for (auto& [name, b] : (*model)->namedBuffers()) {
        if (b.is_floating_point()) b.uniform_(0.5, 1.5);
        else b.fill_(7);
      }
    }
    Sample s{std::move(*model), {}};
    ModelPackage& p = s.package;
    if (text) {
      p.example_inputs = torch::randint(1, 50, {18}, torch::kLong);
      p.example_offsets = torch::tensor({0, 3, 7, 12}, torch::kLong);
    } else {
      std::vector<std::int64_t> shape{4};
      shape.insert(shape.end(), input.shape.begin(), input.shape.end());
      p.example_inputs = torch::rand(shape);
    }
    for (int i = 0; i < 4; ++i) p.examples.push_back({{"key", "k" + std::to_string(i)}, {"label", ""}, {"input", Json::object()}});
    p.signature = {{"kind", text ? "text" : input.shape.size() == 1 ? "table" : "image"},
                   {"task", regression ? "regression" : "classification"}};
    if (!regression) {
      Json classes = Json::array();
      for (std::int64_t c = 0; c < input.classes; ++c) classes.push_back("c" + std::to_string(c));
      p.signature["classes"] = classes;
    } else {
      p.preprocessing = {{"target_mean", 5.0}, {"target_scale", 2.0}};
    }
    p.lineage = {{"run_id", ""}, {"created_at", 0}};
    return s;
  }

  Result<std::string> bundleOf(Sample& s, const std::string& name) {
    auto packaged = packageModel(*s.model, s.package);
    if (!packaged) return packaged.error();
    return finishBundle(packaged->files, name, 1);
  }

  void importDemo() {
    demo::DemoDataOptions small;
    small.digits_per_class = 12;
    small.shapes_per_class = 4;
    small.headlines = 16;
    WB_VERIFY_OK(demo::writeDemoDatasets(m_root / "src", small));
    data::ImportOptions o;
    o.dataset = "digits";
    o.format = data::SourceFormat::ImageFolder;
    o.source = m_root / "src" / demo::kDigitsDir;
    WB_VERIFY_OK(data::importDataset(*m_ws, o));
    o.dataset = "iris";
    o.format = data::SourceFormat::Table;
    o.source = fs::path(WB_SOURCE_DIR) / "resources" / "iris.csv";
    WB_VERIFY_OK(data::importDataset(*m_ws, o));
    o.dataset = "headlines";
    o.format = data::SourceFormat::Text;
    o.source = m_root / "src" / demo::kHeadlinesCsv;
    o.text_columns = {"title", "body"};
    o.target_column = "label";
    o.key_column = "id";
    WB_VERIFY_OK(data::importDataset(*m_ws, o));
  }

  std::string train(const std::string& yaml) {
    auto c = config::parseExperimentYaml(yaml, "test.yaml");
    if (!c) qFatal("%s", c.error().text().c_str());
    train::TrainRequest r;
    r.config = *c;
    r.config_text = config::toYaml(*c);
    std::atomic<bool> stop{false};
    auto outcome = train::runTraining(*m_ws, r, {}, stop);
    if (!outcome || outcome->status != store::RunStatus::Finished)
      qFatal("training failed: %s", outcome ? outcome->message.c_str() : outcome.error().text().c_str());
    return outcome->run_id;
  }

 private Q_SLOTS:
  void initTestCase() {
    torch::set_num_threads(1);
    QVERIFY(m_tmp.isValid());
    m_root = m_tmp.path().toStdString();
    auto ws = Workspace::create(m_root / "ws");
    WB_VERIFY_OK(ws);
    m_ws = *ws;
    importDemo();
    m_iris_run = train(R"(experiment: iris
data: {dataset: iris@latest, transforms: [{name: standardize}], batch_size: 16, workers: 0}
model: {type: mlp, hidden: [16]}
optim: {name: adam, lr: 0.01}
trainer: {epochs: 2, seed: 3, deterministic: true}
)");
    m_digits_run = train(R"(experiment: digits
data: {dataset: digits@latest, batch_size: 16, workers: 0}
model: {type: lenet}
trainer: {epochs: 1, seed: 3}
)");
    m_text_run = train(R"(experiment: headlines
data: {dataset: headlines@latest, transforms: [{name: lowercase}, {name: tokenize}, {name: vocabulary}], batch_size: 16, workers: 0}
model: {type: text_bag, embed_dim: 8}
trainer: {epochs: 1, seed: 3}
)");
  }

  void safetensorsRoundTrip() {
    std::vector<RawTensor> in = {{"b.weight", "F32", {2, 2}, f32Bytes({1.f, -2.f, 3.5f, 0.f})},
                                 {"a.count", "I64", {}, std::string("\x07\0\0\0\0\0\0\0", 8)},
                                 {"a.empty", "F32", {0, 3}, {}}};
    auto bytes = writeSafetensors(in, {{"format", "pt"}});
    WB_VERIFY_OK(bytes);
    QCOMPARE(bytes->size() % 8, std::size_t{0});  // header padded: data aligned
    auto file = readSafetensors(*bytes);
    WB_VERIFY_OK(file);
    QCOMPARE(file->metadata.at("format"), std::string("pt"));
    QCOMPARE(file->tensors.size(), std::size_t{3});
    // Written in name order.
    QCOMPARE(file->tensors[0].name, std::string("a.count"));
    QCOMPARE(file->tensors[1].name, std::string("a.empty"));
    QCOMPARE(file->tensors[2].name, std::string("b.weight"));
    QCOMPARE(file->tensors[2].bytes, in[0].bytes);
    QCOMPARE(file->tensors[2].shape, (std::vector<std::int64_t>{2, 2}));
    QCOMPARE(file->tensors[0].bytes, in[1].bytes);
    QCOMPARE(dtypeSize("BF16"), std::size_t{2});
    QCOMPARE(dtypeSize("Q4"), std::size_t{0});
  }

  void safetensorsWriteRefuses() {
    QVERIFY(!writeSafetensors({{"x", "F32", {3}, f32Bytes({1.f})}}).ok());
    QVERIFY(!writeSafetensors({{"x", "Q4", {1}, "a"}}).ok());
    auto dup = writeSafetensors({{"x", "U8", {1}, "a"}, {"x", "U8", {1}, "b"}});
    QVERIFY(!dup.ok());
    QVERIFY(dup.error().text().find("duplicate") != std::string::npos);
  }

  void safetensorsMalformed_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    auto add = [](const char* tag, const std::string& bytes, const char* reason) {
      QTest::newRow(tag) << QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size())) << QString::fromUtf8(reason);
    };
    const std::string four = f32Bytes({1.f});
    add("short", "abc", "too short");
    add("header past end", rawFile("{}", "").substr(0, 8) + "{", "exceeds the file");
    add("not json", rawFile("{\"a\": ", ""), "not a JSON object");
    add("array header", rawFile("[1,2]", ""), "not a JSON object");
    add("no dtype", rawFile(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", four), "tensor 'a': missing \"dtype\"");
    add("unknown dtype", rawFile(R"({"a":{"dtype":"X9","shape":[1],"data_offsets":[0,4]}})", four), "unknown dtype");
    add("negative dim", rawFile(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four), "shape");
    add("outside", rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four), "outside the data");
    add("size mismatch", rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", four), "needs 8");
    add("overlap", rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four),
        "overlaps");
    add("gap", rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", four + four), "gap");
    add("trailing", rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four + "xx"), "after the last tensor");
    add("bad metadata", rawFile(R"({"__metadata__":{"a":1}})", ""), "__metadata__.a");
    add("bad offsets", rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", four), "data_offsets");
  }
  void safetensorsMalformed() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    auto file = readSafetensors(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    QVERIFY(!file.ok());
    QVERIFY2(qs(file.error().text()).contains(reason), file.error().text().c_str());
  }

  // The weights as the ecosystem reads them: Python's json + struct, no Workbench code.
  void safetensorsReadByPython() {
    for (const std::string type : {"mlp", "resnet_small"}) {
      auto s = randomModel(type);
      auto bytes = weightsToSafetensors(*s.model);
      WB_VERIFY_OK(bytes);
      const fs::path file = writeTemp(type + ".safetensors", *bytes);
      auto r = run(QString::fromUtf8(kPython),
                   {qs((fs::path(WB_SOURCE_DIR) / "tests/unit/read_safetensors.py").string()), qs(file.string())});
      QVERIFY2(r.exit_code == 0, r.err.c_str());
      std::map<std::string, std::vector<std::string>> lines;
      std::istringstream in(r.out);
      for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
        if (w.size() == 6) lines[w[0]] = w;
      }
      QVERIFY(r.out.ends_with("ok\n"));
      auto tensors = s.model->namedParameters();
      for (auto& b : s.model->namedBuffers()) tensors.push_back(b);
      QCOMPARE(lines.size(), tensors.size());
      for (const auto& [name, t] : tensors) {
        QVERIFY2(lines.count(name), name.c_str());
        const auto& w = lines[name];
        QCOMPARE(w[1], std::string(t.scalar_type() == torch::kLong ? "I64" : "F32"));
        QCOMPARE(parseInt(w[3]).value_or(-1), t.numel());
        const double sum = t.to(torch::kDouble).sum().item<double>();
        QVERIFY2(std::abs(parseDouble(w[4]).value_or(1e30) - sum) <= 1e-6 * (1 + std::abs(sum)), name.c_str());
        if (t.numel() > 0)
          QCOMPARE(parseDouble(w[5]).value_or(1e30), t.flatten()[0].to(torch::kDouble).item<double>());
      }
      QVERIFY(lines.count("bn1.num_batches_tracked") || type == "mlp");
    }
  }

  void loadSafetensorsAllOrNothing() {
    auto a = randomModel("resnet_small");
    auto bytes = weightsToSafetensors(*a.model);
    WB_VERIFY_OK(bytes);
    torch::manual_seed(99);
    auto b = models::buildModel("resnet_small", nullptr, a.model->input());
    WB_VERIFY_OK(b);
    WB_VERIFY_OK(loadSafetensors(**b, *bytes));
    auto want = a.model->namedBuffers();
    auto got = (*b)->namedBuffers();
    for (std::size_t i = 0; i < want.size(); ++i) QVERIFY(torch::equal(want[i].second, got[i].second));
    QVERIFY(torch::equal(a.model->parameters()[0], (*b)->parameters()[0]));

    // Another architecture: refused, and the model keeps its weights.
    auto wide = models::buildModel("mlp", {{"hidden", {32}}}, {{4}, 3, 0});
    WB_VERIFY_OK(wide);
    const at::Tensor before = (*wide)->parameters()[0].clone();
    auto mlp = randomModel("mlp");
    auto mlp_bytes = weightsToSafetensors(*mlp.model);
    WB_VERIFY_OK(mlp_bytes);
    auto st = loadSafetensors(**wide, *mlp_bytes);
    QVERIFY(!st.ok());
    QVERIFY2(st.error().text().find("shape") != std::string::npos, st.error().text().c_str());
    QVERIFY(torch::equal(before, (*wide)->parameters()[0]));
    // A missing tensor and an extra one are named.
    auto file = readSafetensors(*mlp_bytes);
    WB_VERIFY_OK(file);
    auto fewer = file->tensors;
    const std::string dropped = fewer.back().name;
    fewer.pop_back();
    auto st2 = loadSafetensors(*mlp.model, *writeSafetensors(fewer));
    QVERIFY(!st2.ok());
    QVERIFY2(st2.error().text().find(dropped) != std::string::npos, st2.error().text().c_str());
    auto more = file->tensors;
    more.push_back({"stray.weight", "F32", {1}, f32Bytes({1.f})});
    auto st3 = loadSafetensors(*mlp.model, *writeSafetensors(more));
    QVERIFY(!st3.ok());
    QVERIFY2(st3.error().text().find("stray.weight") != std::string::npos, st3.error().text().c_str());
  }

  void bundleListableByStandardTools() {
    auto s = randomModel("mlp");
    auto bytes = bundleOf(s, "iris");
    WB_VERIFY_OK(bytes);
    const fs::path file = writeTemp("tools.zip", *bytes);
    auto unzip = run(QStringLiteral("unzip"), {QStringLiteral("-l"), qs(file.string())});
    QVERIFY2(unzip.exit_code == 0, unzip.err.c_str());
    for (const char* m : {"model.json", "weights.safetensors", "examples/inputs.safetensors", "examples/examples.json",
                          "README.md", "checksums.sha256"})
      QVERIFY2(unzip.out.find(m) != std::string::npos, m);
    auto py = run(QString::fromUtf8(kPython), {QStringLiteral("-m"), QStringLiteral("zipfile"), QStringLiteral("-l"), qs(file.string())});
    QVERIFY2(py.exit_code == 0, py.err.c_str());
    QVERIFY(py.out.find("weights.safetensors") != std::string::npos);
    // Unpacked, sha256sum checks it.
    const fs::path dir = m_root / "unpacked";
    QCOMPARE(run(QStringLiteral("unzip"), {QStringLiteral("-q"), qs(file.string()), QStringLiteral("-d"), qs(dir.string())}).exit_code, 0);
    auto sums = run(QStringLiteral("sha256sum"), {QStringLiteral("-c"), QStringLiteral("checksums.sha256")}, qs(dir.string()));
    QVERIFY2(sums.exit_code == 0, (sums.out + sums.err).c_str());
    auto card = readFileBytes(dir / "README.md");
    WB_VERIFY_OK(card);
    QVERIFY(card->starts_with("# iris v1"));
    QVERIFY(card->find("mlp") != std::string::npos);
    // Stored members are not compressed; JSON is.
    auto verbose = run(QStringLiteral("unzip"), {QStringLiteral("-v"), qs(file.string())});
    std::istringstream in(verbose.out);
    for (std::string line; std::getline(in, line);) {
      if (line.ends_with("weights.safetensors")) QVERIFY2(line.find("Stored") != std::string::npos, line.c_str());
      if (line.ends_with("model.json")) QVERIFY2(line.find("Defl") != std::string::npos, line.c_str());
    }
  }

  void bundleDeterministic() {
    auto s = randomModel("lenet");
    auto packaged = packageModel(*s.model, s.package);
    WB_VERIFY_OK(packaged);
    auto first = finishBundle(packaged->files, "digits", 2);
    auto again = packageModel(*s.model, s.package);
    WB_VERIFY_OK(again);
    auto second = finishBundle(again->files, "digits", 2);
    WB_VERIFY_OK(first);
    WB_VERIFY_OK(second);
    QVERIFY(*first == *second);
    auto other = finishBundle(packaged->files, "digits", 3);
    WB_VERIFY_OK(other);
    QVERIFY(*first != *other);
  }

  void damagedAndForeignRefused() {
    auto s = randomModel("mlp");
    auto bytes = bundleOf(s, "iris");
    WB_VERIFY_OK(bytes);
    auto files = readBundle(*bytes);
    WB_VERIFY_OK(files);
    auto expectError = [](const Result<BundleFiles>& r, const std::string& reason) {
      if (r.ok()) return std::string("accepted");
      return r.error().text().find(reason) != std::string::npos ? std::string() : r.error().text();
    };
    // Truncated (at several places).
    for (std::size_t cut : {bytes->size() / 2, bytes->size() - 1, std::size_t{40}}) {
      const std::string why = expectError(readBundle(bytes->substr(0, cut), "cut.zip"), "truncated");
      QVERIFY2(why.empty(), why.c_str());
    }
    // One byte flipped inside weights.safetensors (stored, so its bytes are in the file as is).
    const std::string& weights = *files->find("weights.safetensors");
    const std::size_t at = bytes->find(weights);
    QVERIFY(at != std::string::npos);
    std::string flipped = *bytes;
    flipped[at + weights.size() / 2] ^= 0x10;
    auto damaged = readBundle(flipped, "flipped.zip");
    QVERIFY(!damaged.ok());
    QVERIFY2(damaged.error().text().find("weights.safetensors") != std::string::npos &&
                 damaged.error().text().find("damaged") != std::string::npos,
             damaged.error().text().c_str());
    QVERIFY(!loadBundle(flipped).ok());
    // Foreign files: a PNG, empty, a zip without checksums.
    auto png = data::encodePng(data::Image::zeros(4, 4, 1));
    WB_VERIFY_OK(png);
    QVERIFY(expectError(readBundle(*png), "not a zip file").empty());
    QVERIFY(expectError(readBundle(""), "not a zip file").empty());
    const fs::path plain = m_root / "plain.zip";
    const fs::path added = writeTemp("added.zip", *bytes);
    const fs::path edited = m_root / "edited.zip";  // re-zipped by a tool: CRCs fine, SHA-256 not
    auto py = run(QString::fromUtf8(kPython),
                  {QStringLiteral("-c"),
                   QStringLiteral("import sys, zipfile\n"
                                  "with zipfile.ZipFile(sys.argv[1], 'w') as z: z.writestr('model.json', '{}')\n"
                                  "with zipfile.ZipFile(sys.argv[2], 'a') as z: z.writestr('extra.txt', 'hi')\n"
                                  "src = zipfile.ZipFile(sys.argv[2])\n"
                                  "with zipfile.ZipFile(sys.argv[3], 'w') as z:\n"
                                  "  for n in src.namelist():\n"
                                  "    d = bytearray(src.read(n))\n"
                                  "    if n == 'weights.safetensors': d[len(d) // 2] ^= 0x10\n"
                                  "    if n != 'extra.txt': z.writestr(n, bytes(d))\n"),
                   qs(plain.string()), qs(added.string()), qs(edited.string())});
    QVERIFY2(py.exit_code == 0, py.err.c_str());
    auto plain_result = readBundleFile(plain);
    QVERIFY(expectError(plain_result, "not a Workbench bundle (no checksums.sha256)").empty());
    auto added_result = readBundleFile(added);
    QVERIFY2(expectError(added_result, "member extra.txt is not listed").empty(),
             expectError(added_result, "member extra.txt is not listed").c_str());
    auto edited_result = readBundleFile(edited);
    QVERIFY2(expectError(edited_result, "member weights.safetensors: SHA-256 mismatch (damaged)").empty(),
             expectError(edited_result, "SHA-256").c_str());
    // Missing model.json, a newer format, a too-large member.
    BundleFiles no_model;
    no_model.members["weights.safetensors"] = weights;
    QVERIFY(expectError(readBundle(*writeBundle(no_model)), "no model.json").empty());
    BundleFiles newer = *files;
    newer.members["model.json"] = R"({"format": "workbench.bundle", "format_version": 2})";
    QVERIFY(expectError(readBundle(*writeBundle(newer)), "format_version 2 is newer than this Workbench reads (1)").empty());
    QVERIFY(expectError(readBundle(*bytes, "b", 1000), "above the limit").empty());
    QVERIFY(expectError(readBundleFile(m_root / "absent.zip"), "absent.zip").empty());
  }

  // Every model type: packaged, then loaded in a fresh process without a workspace, reproduces
  // its examples; in this process every tensor (BatchNorm statistics too) comes back equal.
  void roundTripEveryModelType() {
    std::vector<fs::path> files;
    std::vector<std::string> types = models::modelTypes();
    QCOMPARE(types.size(), std::size_t{6});
    for (const auto& type : types) {
      auto s = randomModel(type);
      auto bytes = bundleOf(s, type);
      WB_VERIFY_OK(bytes);
      files.push_back(writeTemp(type + ".wbundle", *bytes));
      auto loaded = loadBundle(*bytes, type);
      WB_VERIFY_OK(loaded);
      auto want = s.model->namedParameters();
      for (auto& b : s.model->namedBuffers()) want.push_back(b);
      auto got = loaded->model->namedParameters();
      for (auto& b : loaded->model->namedBuffers()) got.push_back(b);
      QCOMPARE(got.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        QCOMPARE(got[i].first, want[i].first);
        QVERIFY2(torch::equal(got[i].second, want[i].second), want[i].first.c_str());
      }
      QVERIFY(!loaded->model->isTraining());
    }
    auto regression = randomModel("mlp", true);
    auto rbytes = bundleOf(regression, "price");
    WB_VERIFY_OK(rbytes);
    files.push_back(writeTemp("regression.wbundle", *rbytes));
    types.push_back("mlp");

    const auto results = checkInFreshProcess(files);
    QCOMPARE(results.size(), files.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
      const Json& r = results[i];
      QVERIFY2(!r.contains("error"), r.dump().c_str());
      QCOMPARE(r.value("type", ""), types[i]);
      QCOMPARE(r.value("count", 0), 4);
      QVERIFY2(r.value("passed", false), r.dump().c_str());
    }
  }

  // Imported TorchScript (model.pt bundles) loads through the same path, in a fresh process.
  void torchScriptBundles() {
    const fs::path dir = m_root / "torchscript";
    fs::create_directories(dir);
    auto made = run(QString::fromUtf8(kPython),
                    {qs((fs::path(WB_SOURCE_DIR) / "tests/fixtures/make_torchscript.py").string()), qs(dir.string())});
    QVERIFY2(made.exit_code == 0, made.err.c_str());
    const std::vector<std::pair<std::string, Json>> specs = {
        {"mlp", {{"kind", "table"}, {"input_shape", {4}}, {"classes", {"a", "b", "c"}}}},
        {"cnn", {{"kind", "image"}, {"input_shape", {1, 28, 28}}, {"classes", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}}},
        {"text", {{"kind", "text"}, {"vocabulary", 50}, {"classes", {"real", "fake"}}}}};
    std::vector<fs::path> files;
    for (const auto& [name, spec] : specs) {
      auto packaged = packageTorchScript(dir / (name + ".pt"), TorchScriptSpec{spec});
      WB_VERIFY_OK(packaged);
      QVERIFY(packaged->files.find("model.pt"));
      QVERIFY(!packaged->files.find("weights.safetensors"));
      auto bytes = finishBundle(packaged->files, name, 1);
      WB_VERIFY_OK(bytes);
      files.push_back(writeTemp(name + "-ts.wbundle", *bytes));
    }
    const auto results = checkInFreshProcess(files);
    QCOMPARE(results.size(), files.size());
    for (const auto& r : results) {
      QVERIFY2(!r.contains("error"), r.dump().c_str());
      QCOMPARE(r.value("type", ""), std::string("torchscript"));
      QVERIFY2(r.value("passed", false), r.dump().c_str());
    }
  }

  void checkExamplesDetectsOtherWeights() {
    auto s = randomModel("mlp");
    auto bytes = bundleOf(s, "iris");
    WB_VERIFY_OK(bytes);
    auto loaded = loadBundle(*bytes);
    WB_VERIFY_OK(loaded);
    {
      torch::NoGradGuard no_grad;
      loaded->model->parameters()[0].add_(0.5);
    }
    auto check = checkExamples(*loaded);
    WB_VERIFY_OK(check);
    QVERIFY(!check->passed);
    QVERIFY(check->max_abs_diff > check->tolerance);
  }

  void packageRunIris() {
    PackageOptions o;
    o.run_id = m_iris_run.substr(0, 8);  // a prefix resolves
    o.description = "iris classifier";
    o.tags = {{"team", "ml"}};
    auto packaged = packageRun(*m_ws, o);
    WB_VERIFY_OK(packaged);
    const NewVersion& v = packaged->version;
    QCOMPARE(v.model_type, std::string("mlp"));
    QCOMPARE(v.run_id, m_iris_run);
    QCOMPARE(v.checkpoint, std::string("checkpoints/best.pt"));
    QCOMPARE(v.dataset, std::string("iris@1"));
    QCOMPARE(v.description, std::string("iris classifier"));
    auto db = m_ws->connect();
    auto run = store::RunRepository(**db).find(m_iris_run);
    WB_VERIFY_OK(run);
    QVERIFY(!run->config_hash.empty());
    QCOMPARE(v.config_hash, run->config_hash);
    QCOMPARE(v.signature["kind"], Json("table"));
    QCOMPARE(v.signature["classes"], Json({"setosa", "versicolor", "virginica"}));
    QCOMPARE(v.signature["features"].size(), std::size_t{4});
    QCOMPARE(v.signature["inputs"][0]["shape"], Json({-1, 4}));
    QVERIFY(v.metrics.contains("val/accuracy"));
    QVERIFY(v.metrics["val/accuracy"].contains("max"));
    QVERIFY(v.metrics.contains("test/accuracy"));
    QCOMPARE(v.lineage["params"]["model.type"], Json("mlp"));
    QCOMPARE(v.lineage["workbench_version"], Json(workbenchVersion()));
    auto examples = Json::parse(*packaged->files.find("examples/examples.json"));
    QCOMPARE(examples["examples"].size(), std::size_t{8});
    const Json& first = examples["examples"][0];
    QCOMPARE(first["split"], Json("test"));
    QVERIFY(first["input"].contains("sepal_length") || first["input"].size() == 4);
    QVERIFY(!first["input"].contains("species"));
    QCOMPARE(first["expected"].size(), std::size_t{3});

    auto bytes = finishBundle(packaged->files, "iris", 1);
    WB_VERIFY_OK(bytes);
    const fs::path file = writeTemp("iris-run.wbundle", *bytes);
    auto results = checkInFreshProcess({file});
    QCOMPARE(results.size(), std::size_t{1});
    QVERIFY2(results[0].value("passed", false), results[0].dump().c_str());
    auto meta = readBundleFile(file)->modelJson();
    QCOMPARE((*meta)["name"], Json("iris"));
    QCOMPARE((*meta)["version"], Json(1));

    // Registered, then loaded by reference through the one loading path.
    objects::ObjectStore objects(m_ws->objectsDir());
    ModelRegistry registry(**db, objects);
    NewVersion nv = v;
    nv.name = "iris";
    nv.alias = "production";
    nv.actor = "tst_bundle";
    auto registered = registry.registerVersion(nv, [&](const std::string& name, int number) {
      return finishBundle(packaged->files, name, number);
    });
    WB_VERIFY_OK(registered);
    auto by_ref = loadVersion(*m_ws, "iris@production");
    WB_VERIFY_OK(by_ref);
    QCOMPARE(by_ref->meta["version"], Json(registered->version));
    auto by_ref_check = checkExamples(*by_ref);
    WB_VERIFY_OK(by_ref_check);
    QVERIFY(by_ref_check->passed);
    auto unknown = loadVersion(*m_ws, "iris@nowhere");
    QVERIFY(!unknown.ok());

    o.checkpoint = "last";
    auto last = packageRun(*m_ws, o);
    WB_VERIFY_OK(last);
    QCOMPARE(last->version.checkpoint, std::string("checkpoints/last.pt"));
  }

  void packageRunImagesKeepsOriginalFiles() {
    PackageOptions o;
    o.run_id = m_digits_run;
    o.examples = 3;
    auto packaged = packageRun(*m_ws, o);
    WB_VERIFY_OK(packaged);
    QCOMPARE(packaged->version.signature["kind"], Json("image"));
    QCOMPARE(packaged->version.signature["inputs"][0]["shape"], Json({-1, 1, 28, 28}));
    auto examples = Json::parse(*packaged->files.find("examples/examples.json"))["examples"];
    QCOMPARE(examples.size(), std::size_t{3});
    const std::string member = examples[0]["input"]["file"];
    QCOMPARE(member, std::string("examples/0.png"));
    const std::string* png = packaged->files.find(member);
    QVERIFY(png && !png->empty());
    auto info = data::decodeImage(png->data(), png->size());
    WB_VERIFY_OK(info);
    auto bytes = finishBundle(packaged->files, "digits", 1);
    WB_VERIFY_OK(bytes);
    auto loaded = loadBundle(*bytes);
    WB_VERIFY_OK(loaded);
    auto check = checkExamples(*loaded);
    WB_VERIFY_OK(check);
    QVERIFY(check->passed);
  }

  void packageRunTexts() {
    PackageOptions o;
    o.run_id = m_text_run;
    o.examples = 4;
    auto packaged = packageRun(*m_ws, o);
    WB_VERIFY_OK(packaged);
    const Json& sig = packaged->version.signature;
    QCOMPARE(sig["kind"], Json("text"));
    QCOMPARE(sig["text_columns"], Json({"title", "body"}));
    QCOMPARE(sig["inputs"][1]["name"], Json("offsets"));
    auto examples = Json::parse(*packaged->files.find("examples/examples.json"))["examples"];
    QCOMPARE(examples.size(), std::size_t{4});
    QVERIFY(!examples[0]["input"].value("text", "").empty());
    auto bytes = finishBundle(packaged->files, "headlines", 1);
    WB_VERIFY_OK(bytes);
    auto loaded = loadBundle(*bytes);
    WB_VERIFY_OK(loaded);
    auto batch = exampleBatch(loaded->files);
    WB_VERIFY_OK(batch);
    QCOMPARE(batch->offsets.numel(), std::int64_t{4});
    QCOMPARE(batch->expected.sizes().vec(), (std::vector<std::int64_t>{4, 2}));
    auto check = checkExamples(*loaded);
    WB_VERIFY_OK(check);
    QVERIFY(check->passed);
  }

  void packageRunRefuses() {
    PackageOptions o;
    o.run_id = "no-such-run";
    QVERIFY(!packageRun(*m_ws, o).ok());
    // A run that never finished: no checkpoint, no preprocessing.json.
    auto db = m_ws->connect();
    store::NewRun spec;
    spec.name = "unfinished";
    auto unfinished = store::RunRepository(**db).create(spec);
    WB_VERIFY_OK(unfinished);
    o.run_id = unfinished->id;
    auto r = packageRun(*m_ws, o);
    QVERIFY(!r.ok());
    QVERIFY2(r.error().text().find("not finished") != std::string::npos, r.error().text().c_str());
    // A run killed before its final evaluation: a checkpoint but no preprocessing.json.
    store::RunRepository runs(**db);
    auto iris_artifacts = runs.artifacts(m_iris_run);
    WB_VERIFY_OK(iris_artifacts);
    spec.name = "killed";
    auto killed = runs.create(spec);
    WB_VERIFY_OK(killed);
    for (const auto& a : *iris_artifacts)
      if (a.path == "checkpoints/last.pt")
        WB_VERIFY_OK(runs.addArtifact({killed->id, a.path, a.object_id, a.size_bytes, a.created_at}));
    WB_VERIFY_OK(runs.setStatus(killed->id, store::RunStatus::Killed));
    o.run_id = killed->id;
    auto r3 = packageRun(*m_ws, o);
    QVERIFY(!r3.ok());
    QVERIFY2(r3.error().text().find("preprocessing.json: the run never finished (status killed)") != std::string::npos,
             r3.error().text().c_str());

    o.run_id = m_iris_run;
    o.checkpoint = "checkpoints/epoch-9.pt";
    auto r2 = packageRun(*m_ws, o);
    QVERIFY(!r2.ok());
    QVERIFY2(r2.error().text().find("epoch-9.pt") != std::string::npos, r2.error().text().c_str());
  }
};

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--check-bundles") return checkBundlesMain(argc, argv);
  QCoreApplication app(argc, argv);
  TestBundle test;
  return QTest::qExec(&test, argc, argv);
}

#include "tst_bundle.moc"
