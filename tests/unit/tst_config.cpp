// Unit tests of experiment configs: composition, overrides, validation, sweeps, round trip.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/numbers.h"
#include "core/config/compose.h"
#include "core/config/config_node.h"
#include "core/config/experiment_config.h"
#include "core/config/sweep.h"
#include "core/config/yaml_edit.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using wb::config::ComposeOptions;
using wb::config::ConfigError;
using wb::config::ExperimentConfig;
using wb::config::Override;

// nlohmann::json converts to anything, which confuses QCOMPARE's overloads: compare dumps.
#define COMPARE_JSON(actual, expected) QCOMPARE(json(actual).dump(), json(expected).dump())

namespace {

// Enums compare by their YAML spelling, which QTest can print.
template <class E>
std::string str(E value) {
  return std::string(wb::config::toString(value));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The checked-in fixture: tests/fixtures/configs, shown in messages as "configs/…".
ComposeOptions fixtureOptions() {
  ComposeOptions options;
  options.configs_dir = fs::path(WB_SOURCE_DIR) / "tests" / "fixtures" / "configs";
  return options;
}

fs::path fixture(const std::string& name) { return fixtureOptions().configs_dir / name; }

// A throwaway workspace: ROOT/configs/… written by the test.
class Workspace {
 public:
  Workspace() : m_root(m_dir.path().toStdString()) { fs::create_directories(configsDir()); }
  fs::path configsDir() const { return m_root / "configs"; }
  fs::path write(const std::string& relative, const std::string& text) const {
    const fs::path path = configsDir() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  ComposeOptions options() const {
    ComposeOptions options;
    options.configs_dir = configsDir();
    return options;
  }

 private:
  QTemporaryDir m_dir;
  fs::path m_root;
};

ExperimentConfig loadOk(const fs::path& primary, const std::vector<std::string>& overrides,
                        const ComposeOptions& options) {
  auto config = wb::config::loadExperimentConfig(primary, overrides, options);
  if (!config) qFatal("load failed: %s", config.error().text().c_str());
  return std::move(config).value();
}

// The error text of a load that must fail.
std::string loadError(const fs::path& primary, const std::vector<std::string>& overrides,
                      const ComposeOptions& options, std::vector<ConfigError>* errors = nullptr) {
  auto config = wb::config::loadExperimentConfig(primary, overrides, options, errors);
  if (config) return {};
  return config.error().text();
}

std::string parseError(const std::string& yaml, std::vector<ConfigError>* errors = nullptr) {
  auto config = wb::config::parseExperimentYaml(yaml, "configs/exp.yaml", errors);
  return config ? std::string() : config.error().text();
}

const std::string kMinimal = "data:\n  dataset: digits@1\nmodel:\n  type: mlp\n";

}  // namespace

class TestConfig : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void composeDefaultsSelfLast();
  void composeDefaultsSelfFirst();
  void composeSelfAbsentComesLast();
  void composeNestedDefaults();
  void composeGroupChoiceOverride();
  void composeMissingGroupOption();
  void overridesSetAddDelete();
  void overrideUnknownKeySuggests();
  void overrideAddExistingFails();
  void parseOverride_data();
  void parseOverride();
  void validationMessageHasPosition();
  void validationCollectsAllErrors();
  void validationUnknownKeys_data();
  void validationUnknownKeys();
  void validationTypesAndRanges_data();
  void validationTypesAndRanges();
  void yamlSyntaxErrorHasPosition();
  void yamlAliasCycleRejected();
  void yamlAliasChainFailsFast();
  void yamlAliasesWithinLimitsExpand();
  void longScalarsAreTyped();
  void editorValidationSurvivesMutations();
  void defaultsAreFilledIn();
  void sweepGridCountAndOrder();
  void sweepGridRunCap();
  void sweepGridRejectsDistributions();
  void sweepRandomSeeded();
  void sweepRandomIntAndCategorical();
  void sweepMultirunOverrides();
  void sweepMultirunGroupChoice();
  void sweepChildIsValidated();
  void sweepBlockErrors();
  void sweepBayesNeedsMetricAndCap();
  void sweepBayesStartsRandomThenFollowsResults();
  void multirunRejectedForSingleRun();
  void roundTrip();
  void paramsFlattening();
  void editDistance();
};

void TestConfig::composeDefaultsSelfLast() {
  auto composed =
      wb::config::composeConfig(fixture("exp.yaml"), std::vector<std::string>{}, fixtureOptions());
  WB_VERIFY_OK(composed);
  QCOMPARE(composed->sources,
           (std::vector<std::string>{"configs/model/lenet.yaml", "configs/optim/adam.yaml",
                                     "configs/exp.yaml"}));
  const auto config = loadOk(fixture("exp.yaml"), {}, fixtureOptions());
  QCOMPARE(str(config.model.type), str(wb::config::ModelType::LeNet));
  COMPARE_JSON(config.model.params["channels"], json({6, 16}));
  QCOMPARE(config.model.params["dropout"].get<double>(), 0.1);
  QCOMPARE(str(config.optim.name), str(wb::config::OptimizerKind::Adam));
  QCOMPARE(config.optim.lr, 0.01);              // the primary's value wins (_self_ last)
  QCOMPARE(config.optim.weight_decay, 0.0001);  // kept from optim/adam.yaml
  QCOMPARE(config.data.batch_size, 32);
  QCOMPARE(config.trainer.epochs, 3);
  QCOMPARE(config.experiment, std::string("digits"));
  QCOMPARE(config.tags, (std::map<std::string, std::string>{{"cnn", ""}, {"fixture", ""}}));
}

void TestConfig::composeDefaultsSelfFirst() {
  const auto config = loadOk(fixture("self_first.yaml"), {}, fixtureOptions());
  QCOMPARE(config.optim.lr, 0.001);  // optim/adam.yaml comes after _self_ and wins
  QCOMPARE(config.data.dataset, std::string("digits@1"));
  QCOMPARE(str(config.model.type), str(wb::config::ModelType::LeNet));
}

void TestConfig::composeSelfAbsentComesLast() {
  Workspace ws;
  ws.write("optim/adam.yaml", "name: adam\nlr: 0.001\n");
  const auto primary =
      ws.write("exp.yaml", "defaults:\n  - optim: adam\n" + kMinimal + "optim:\n  lr: 0.5\n");
  QCOMPARE(loadOk(primary, {}, ws.options()).optim.lr, 0.5);
}

void TestConfig::composeNestedDefaults() {
  // model/lenet_wide.yaml pulls model/lenet.yaml, then overrides channels.
  const auto config = loadOk(fixture("exp.yaml"), {"model=lenet_wide"}, fixtureOptions());
  QCOMPARE(str(config.model.type), str(wb::config::ModelType::LeNet));
  COMPARE_JSON(config.model.params["channels"], json({32, 64}));
  QCOMPARE(config.model.params["dropout"].get<double>(), 0.1);
}

void TestConfig::composeGroupChoiceOverride() {
  const auto config = loadOk(fixture("exp.yaml"), {"model=mlp", "optim=sgd"}, fixtureOptions());
  QCOMPARE(str(config.model.type), str(wb::config::ModelType::Mlp));
  COMPARE_JSON(config.model.params["hidden"], json({64, 64}));
  QVERIFY(!config.model.params.contains("channels"));
  QCOMPARE(str(config.optim.name), str(wb::config::OptimizerKind::Sgd));
  QCOMPARE(config.optim.lr, 0.01);  // still the primary's own value
}

void TestConfig::composeMissingGroupOption() {
  const auto text = loadError(fixture("exp.yaml"), {"model=lenett"}, fixtureOptions());
  QVERIFY2(contains(text, "no config 'lenett'"), text.c_str());
  QVERIFY2(contains(text, "did you mean 'lenet'?"), text.c_str());
  QVERIFY2(contains(text, "override 'model=lenett'"), text.c_str());

  Workspace ws;
  const auto primary = ws.write("exp.yaml", "defaults:\n  - model: nope\n" + kMinimal);
  const auto text2 = loadError(primary, {}, ws.options());
  QVERIFY2(contains(text2, "no config 'nope'"), text2.c_str());
  QVERIFY2(contains(text2, "configs/exp.yaml:2:12"), text2.c_str());
}

void TestConfig::overridesSetAddDelete() {
  const auto config = loadOk(
      fixture("exp.yaml"),
      {"optim.lr=1e-3", "model.channels=[8,16,32]", "+model.hidden=[128,64]", "~model.dropout",
       "trainer.seed=7", "notes='1.5'", "++model.embed_dim=32", "data.transforms=[{op: flip}]"},
      fixtureOptions());
  QCOMPARE(config.optim.lr, 0.001);
  COMPARE_JSON(config.model.params["channels"], json({8, 16, 32}));
  COMPARE_JSON(config.model.params["hidden"], json({128, 64}));
  QVERIFY(!config.model.params.contains("dropout"));
  COMPARE_JSON(config.model.params["embed_dim"], json(32));
  QCOMPARE(config.trainer.seed, std::int64_t{7});  // a schema key absent from the file
  QCOMPARE(config.notes, std::string("1.5"));
  COMPARE_JSON(config.data.transforms, json::parse(R"([{"op": "flip"}])"));
}

void TestConfig::overrideUnknownKeySuggests() {
  const auto text = loadError(fixture("exp.yaml"), {"optim.lrr=0.1"}, fixtureOptions());
  QVERIFY2(contains(text, "optim.lrr"), text.c_str());
  QVERIFY2(contains(text, "did you mean 'lr'?"), text.c_str());
  QVERIFY2(contains(text, "override 'optim.lrr=0.1'"), text.c_str());

  // A typo in a free-form section is found among the keys the config has.
  const auto text2 = loadError(fixture("exp.yaml"), {"model.chanels=[1]"}, fixtureOptions());
  QVERIFY2(contains(text2, "did you mean 'channels'?"), text2.c_str());

  // A new key without '+' says how to add it; a wrong section is suggested too.
  const auto text3 = loadError(fixture("exp.yaml"), {"model.depth=3"}, fixtureOptions());
  QVERIFY2(contains(text3, "'+model.depth=...'"), text3.c_str());
  const auto text4 = loadError(fixture("exp.yaml"), {"optimm.lr=3"}, fixtureOptions());
  QVERIFY2(contains(text4, "did you mean 'optim'?"), text4.c_str());
  const auto text5 = loadError(fixture("exp.yaml"), {"~model.nope"}, fixtureOptions());
  QVERIFY2(contains(text5, "no key 'model.nope' to delete"), text5.c_str());
}

void TestConfig::overrideAddExistingFails() {
  const auto text = loadError(fixture("exp.yaml"), {"+optim.lr=0.1"}, fixtureOptions());
  QVERIFY2(contains(text, "already exists"), text.c_str());
}

void TestConfig::parseOverride_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<int>("kind");
  QTest::addColumn<QString>("key");
  QTest::addColumn<int>("values");
  QTest::newRow("set") << QStringLiteral("optim.lr=0.1") << int(Override::Kind::Set)
                       << QStringLiteral("optim.lr") << 1;
  QTest::newRow("add") << QStringLiteral("+model.x=1") << int(Override::Kind::Add)
                       << QStringLiteral("model.x") << 1;
  QTest::newRow("force") << QStringLiteral("++model.x=1") << int(Override::Kind::ForceSet)
                         << QStringLiteral("model.x") << 1;
  QTest::newRow("delete") << QStringLiteral("~model.x") << int(Override::Kind::Delete)
                          << QStringLiteral("model.x") << 0;
  QTest::newRow("list") << QStringLiteral("model.hidden=[128,64]") << int(Override::Kind::Set)
                        << QStringLiteral("model.hidden") << 1;
  QTest::newRow("multirun") << QStringLiteral("optim.lr=0.1,0.01,1e-3") << int(Override::Kind::Set)
                            << QStringLiteral("optim.lr") << 3;
  QTest::newRow("multirun lists") << QStringLiteral("model.hidden=[32],[64, 64]")
                                  << int(Override::Kind::Set) << QStringLiteral("model.hidden")
                                  << 2;
  QTest::newRow("quoted comma") << QStringLiteral("notes='a,b'") << int(Override::Kind::Set)
                                << QStringLiteral("notes") << 1;
  QTest::newRow("no value") << QStringLiteral("optim.lr") << int(Override::Kind::Invalid)
                            << QString() << 0;
  QTest::newRow("no key") << QStringLiteral("=3") << int(Override::Kind::Invalid) << QString() << 0;
}

void TestConfig::parseOverride() {
  QFETCH(QString, text);
  QFETCH(int, kind);
  QFETCH(QString, key);
  QFETCH(int, values);
  auto ov = wb::config::parseOverride(text.toStdString());
  if (kind == int(Override::Kind::Invalid)) {
    QVERIFY(!ov);
    QVERIFY2(contains(ov.error().text(), "override '"), ov.error().text().c_str());
    return;
  }
  WB_VERIFY_OK(ov);
  QCOMPARE(int(ov->kind), kind);
  QCOMPARE(ov->key, key.toStdString());
  QCOMPARE(int(ov->values.size()), values);
}

void TestConfig::validationMessageHasPosition() {
  Workspace ws;
  const auto primary = ws.write("exp.yaml",
                                "data:\n"
                                "  dataset: digits@1\n"
                                "model:\n"
                                "  type: lenet\n"
                                "optim:\n"
                                "  name: adam\n"
                                "  lr: fast\n"
                                "  lrr: 0.1\n");
  std::vector<ConfigError> errors;
  const auto text = loadError(primary, {}, ws.options(), &errors);
  QVERIFY2(contains(text, "optim.lr: expected a number, got 'fast' (configs/exp.yaml:7:7)"),
           text.c_str());
  QVERIFY2(contains(text, "optim.lrr: unknown key; did you mean 'lr'? (configs/exp.yaml:8:3)"),
           text.c_str());
  QCOMPARE(errors.size(), std::size_t{2});
  QCOMPARE(errors[0].origin.line, 7);
  QCOMPARE(errors[0].origin.column, 7);
  QCOMPARE(errors[0].key, std::string("optim.lr"));
}

void TestConfig::validationCollectsAllErrors() {
  std::vector<ConfigError> errors;
  const auto text = parseError(
      "data:\n"
      "  dataset: digits@1\n"
      "  batch_size: 0\n"
      "model: {}\n"
      "optim:\n"
      "  name: adamx\n"
      "  lr: -1\n"
      "trainer:\n"
      "  epochs: 0\n"
      "  device: gpu\n"
      "  deterministic: maybe\n"
      "sheduler: {}\n",
      &errors);
  QVERIFY(!text.empty());
  QCOMPARE(errors.size(), std::size_t{8});
  QCOMPARE(std::count(text.begin(), text.end(), '\n'), std::ptrdiff_t{7});  // one per line
  QVERIFY2(contains(text, "data.batch_size: must be >= 1, got 0 (configs/exp.yaml:3:15)"),
           text.c_str());
  QVERIFY2(contains(text,
                    "model.type: required (one of mlp, lenet, resnet_small, resnet18, "
                    "text_bag, text_transformer)"),
           text.c_str());
  QVERIFY2(contains(text,
                    "optim.name: 'adamx' is not one of sgd, adam, adamw; did you mean "
                    "'adam'?"),
           text.c_str());
  QVERIFY2(contains(text, "optim.lr: must be > 0, got -1"), text.c_str());
  QVERIFY2(contains(text, "trainer.epochs: must be >= 1, got 0 (configs/exp.yaml:9:11)"),
           text.c_str());
  QVERIFY2(contains(text, "trainer.device: expected auto, cpu, cuda or cuda:N, got 'gpu'"),
           text.c_str());
  QVERIFY2(contains(text, "trainer.deterministic: expected true or false, got 'maybe'"),
           text.c_str());
  QVERIFY2(contains(text,
                    "sheduler: unknown key; did you mean 'scheduler'? "
                    "(configs/exp.yaml:12:1)"),
           text.c_str());
}

void TestConfig::validationUnknownKeys_data() {
  QTest::addColumn<QString>("yaml");
  QTest::addColumn<QString>("expected");
  QTest::newRow("top") << QStringLiteral("optimm: {lr: 1}\n")
                       << QStringLiteral("optimm: unknown key; did you mean 'optim'?");
  QTest::newRow("transposed") << QStringLiteral("trainer: {ecpohs: 3}\n")
                              << QStringLiteral(
                                     "trainer.ecpohs: unknown key; did you mean "
                                     "'epochs'?");
  QTest::newRow("nested") << QStringLiteral("trainer:\n  early_stopping:\n    patiense: 3\n")
                          << QStringLiteral(
                                 "trainer.early_stopping.patiense: unknown key; did "
                                 "you mean 'patience'?");
  QTest::newRow("no suggestion") << QStringLiteral("optim: {zzzzzz: 1}\n")
                                 << QStringLiteral(
                                        "optim.zzzzzz: unknown key (valid keys: name, "
                                        "lr, momentum, weight_decay, betas)");
  QTest::newRow("enum") << QStringLiteral("scheduler: {name: cosin}\n")
                        << QStringLiteral("did you mean 'cosine'?");
  QTest::newRow("dataset") << QStringLiteral("data: {dataset: 'digits@x'}\n")
                           << QStringLiteral("data.dataset: expected NAME@VERSION");
}

void TestConfig::validationUnknownKeys() {
  QFETCH(QString, yaml);
  QFETCH(QString, expected);
  std::string text = yaml.toStdString();
  if (!contains(text, "data:")) text += "data: {dataset: digits@1}\n";
  text += "model: {type: mlp}\n";
  const auto error = parseError(text);
  QVERIFY2(contains(error, expected.toStdString()), error.c_str());
}

void TestConfig::validationTypesAndRanges_data() {
  QTest::addColumn<QString>("yaml");
  QTest::addColumn<QString>("expected");
  QTest::newRow("lr zero") << QStringLiteral("optim: {lr: 0}")
                           << QStringLiteral("optim.lr: must be > 0, got 0");
  QTest::newRow("lr string") << QStringLiteral("optim: {lr: '0.1'}")
                             << QStringLiteral("optim.lr: expected a number, got '0.1'");
  QTest::newRow("epochs float") << QStringLiteral("trainer: {epochs: 2.5}")
                                << QStringLiteral("trainer.epochs: expected an integer, got '2.5'");
  QTest::newRow("batch negative") << QStringLiteral("data: {dataset: a@1, batch_size: -4}")
                                  << QStringLiteral("data.batch_size: must be >= 1, got -4");
  QTest::newRow("section not map")
      << QStringLiteral("optim: 3") << QStringLiteral("optim: expected a map, got '3'");
  QTest::newRow("betas") << QStringLiteral("optim: {betas: [0.9]}")
                         << QStringLiteral("optim.betas: expected two numbers in [0, 1)");
  QTest::newRow("momentum") << QStringLiteral("optim: {momentum: 1.5}")
                            << QStringLiteral("optim.momentum: must be <= 1, got 1.5");
  QTest::newRow("factor") << QStringLiteral("scheduler: {factor: 1}")
                          << QStringLiteral("scheduler.factor: must be < 1, got 1.0");
  QTest::newRow("mode") << QStringLiteral("trainer: {early_stopping: {mode: maximum}}")
                        << QStringLiteral("'maximum' is not one of min, max");
  QTest::newRow("warmup") << QStringLiteral("trainer: {epochs: 2}\nscheduler: {warmup_epochs: 2}")
                          << QStringLiteral(
                                 "scheduler.warmup_epochs: must be less than "
                                 "trainer.epochs (2)");
  QTest::newRow("missing dataset")
      << QStringLiteral("data: {batch_size: 4}") << QStringLiteral("data.dataset: required");
  QTest::newRow("duplicate key") << QStringLiteral("optim: {lr: 1, lr: 2}")
                                 << QStringLiteral("optim.lr: duplicate key 'lr'");
}

void TestConfig::validationTypesAndRanges() {
  QFETCH(QString, yaml);
  QFETCH(QString, expected);
  std::string text = yaml.toStdString() + "\nmodel: {type: mlp}\n";
  if (!contains(text, "data:")) text += "data: {dataset: digits@1}\n";
  const auto error = parseError(text);
  QVERIFY2(contains(error, expected.toStdString()), error.c_str());
}

void TestConfig::yamlSyntaxErrorHasPosition() {
  const auto error = parseError("data:\n  dataset: [digits@1\nmodel: {type: mlp}\n");
  QVERIFY2(contains(error, "YAML syntax error"), error.c_str());
  QVERIFY2(contains(error, "(configs/exp.yaml:"), error.c_str());
  Workspace ws;
  const auto text = loadError(ws.configsDir() / "missing.yaml", {}, ws.options());
  QVERIFY2(contains(text, "cannot read config file (configs/missing.yaml)"), text.c_str());
}

// Pins the crash: the cycle loaded, then the recursive copy into ConfigNode overflowed the stack.
void TestConfig::yamlAliasCycleRejected() {
  std::vector<ConfigError> errors;
  const auto error = parseError(kMinimal + "notes: &a [1, *a]\n", &errors);
  QVERIFY2(contains(error, "cycle"), error.c_str());
  QCOMPARE(errors.size(), std::size_t{1});
  QCOMPARE(errors[0].origin.file, std::string("configs/exp.yaml"));
  QCOMPARE(errors[0].origin.line, 5);
  // Through composition (what `wb train` and the editor do), and in a nested map.
  Workspace ws;
  const auto primary = ws.write("cyclic.yaml", kMinimal + "trainer:\n  extra: &x {self: *x}\n");
  auto composed = wb::config::composeConfig(primary, std::vector<std::string>{}, ws.options());
  QVERIFY(!composed);
  QVERIFY2(contains(composed.error().text(), "cycle") &&
               contains(composed.error().text(), "cyclic.yaml:6"),
           composed.error().text().c_str());
}

// Pins the hang: a 236-byte alias chain expanded to 9^7 (4.8 million) nodes.
void TestConfig::yamlAliasChainFailsFast() {
  std::string text = "a: &a [x,x,x,x,x,x,x,x,x]\n";
  for (char c = 'b'; c <= 'g'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) text += std::string(i ? ",*" : "*") + char(c - 1);
    text += "]\n";
  }
  QCOMPARE(text.size(), std::size_t{236});
  QElapsedTimer timer;
  timer.start();
  std::vector<ConfigError> errors;
  auto parsed = wb::config::parseYaml(text, "configs/laughs.yaml", &errors);
  QVERIFY(!parsed);
  QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
  QVERIFY2(contains(parsed.error().text(), "aliases expand the document to more than"),
           parsed.error().text().c_str());
  // f's list is where the expansion passes the cap (9^5 nodes per *e).
  QCOMPARE(errors.size(), std::size_t{1});
  QCOMPARE(errors[0].origin.line, 6);
  QVERIFY2(contains(parsed.error().text(), "configs/laughs.yaml:6:"), parsed.error().text().c_str());
  // Deep nesting, written out or through aliases, is refused before anything recurses.
  const auto deep = wb::config::parseYaml(std::string(1000, '[') + std::string(1000, ']'), "d");
  QVERIFY(!deep);
  QVERIFY2(contains(deep.error().text(), "levels deep"), deep.error().text().c_str());
}

void TestConfig::yamlAliasesWithinLimitsExpand() {
  // Ordinary use keeps working: an anchored value used twice is copied, with its values.
  auto parsed = wb::config::parseYaml(
      "base: &b {lr: 0.1, betas: [0.9, 0.99]}\nuse: *b\nagain: [*b, *b]\n", "f");
  WB_VERIFY_OK(parsed);
  COMPARE_JSON(parsed->toJson()["use"], json({{"lr", 0.1}, {"betas", {0.9, 0.99}}}));
  COMPARE_JSON(parsed->toJson()["again"][1]["betas"], json({0.9, 0.99}));
}

// Pins a crash: scalars were typed with std::regex, whose matcher recurses per character and
// overflowed the stack on a long one (a pasted line in the editor).
void TestConfig::longScalarsAreTyped() {
  const std::string digits(200000, '7');
  auto parsed = wb::config::parseYaml("a: " + digits + "\nb: " + digits + ".5e3\nc: x" + digits + "\n", "f");
  WB_VERIFY_OK(parsed);
  QCOMPARE(int(parsed->find("a")->scalarType()), int(wb::config::ConfigNode::ScalarType::Int));
  QCOMPARE(int(parsed->find("b")->scalarType()), int(wb::config::ConfigNode::ScalarType::Float));
  QCOMPARE(int(parsed->find("c")->scalarType()), int(wb::config::ConfigNode::ScalarType::String));
  const auto error = parseError(kMinimal + "trainer:\n  device: cuda:" + digits + "x\n");
  QVERIFY2(contains(error, "expected auto, cpu, cuda or cuda:N"), error.substr(0, 200).c_str());
  QVERIFY(parseError(kMinimal + "trainer:\n  device: cuda:1\n").empty());
  auto bad_key = wb::config::parseOverride(std::string(100000, 'k') + ".=1");
  QVERIFY(!bad_key);
  // The typing rules themselves, beside the long cases.
  using T = wb::config::ConfigNode::ScalarType;
  const std::vector<std::pair<std::string, T>> cases = {
      {"12", T::Int},      {"-3", T::Int},       {"0x1F", T::Int},    {"0o17", T::Int},
      {"0x", T::String},   {"1.", T::Float},     {".5", T::Float},    {"1e-3", T::Float},
      {"+2.5E+4", T::Float}, {"-.inf", T::Float}, {".nan", T::Float},  {"-.nan", T::String},
      {"1e", T::String},   {".", T::String},     {"1.2.3", T::String}, {"e3", T::String}};
  for (const auto& [text, type] : cases)
    QVERIFY2(wb::config::plainScalarType(text) == type, text.c_str());
}

// The editor validates on every keystroke: any text must give a result, never a crash or a
// hang. Random edits of a real config (with anchors and aliases among the inserted pieces)
// go through what the editor runs: compose the unsaved text, validate, count the sweep, and
// apply a form edit.
void TestConfig::editorValidationSurvivesMutations() {
  Workspace ws;
  for (const char* group : {"model", "optim"}) {
    fs::create_directories(ws.configsDir() / group);
    for (const auto& entry : fs::directory_iterator(fixture(group)))
      fs::copy_file(entry.path(), ws.configsDir() / group / entry.path().filename());
  }
  std::ifstream in(fixture("exp.yaml"));
  const std::string base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string seed_text =
      base + "sweep:\n  method: grid\n  parameters:\n    optim.lr: [0.1, 0.01]\n";
  const fs::path primary = ws.write("exp.yaml", seed_text);
  const std::vector<std::string> pieces = {"&a ", "*a", "&b [*a, *a, *a]", "[", "]", "{", "}",
                                           ": ", "- ", "\n  ", "'", "\"", "#", "<<: *a", "!!str ",
                                           "? ", "|\n", ",", "*b", "&a [1, *a]", "\t", "%"};
  std::mt19937 rng(20261207);
  auto pick = [&rng](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  QElapsedTimer timer;
  timer.start();
  int valid = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string text = seed_text;
    for (std::size_t m = 0, edits = 1 + pick(4); m < edits; ++m) {
      const std::size_t at = pick(text.size() + 1);
      switch (pick(3)) {
        case 0: text.insert(at, pieces[pick(pieces.size())]); break;
        case 1: text.erase(at, pick(8)); break;
        default: text.insert(at, text.substr(pick(text.size()), pick(40))); break;
      }
    }
    ComposeOptions options = ws.options();
    options.primary_text = text;
    std::vector<ConfigError> errors;
    auto composed = wb::config::composeConfig(primary, std::vector<std::string>{}, options, &errors);
    if (composed) {
      auto checked = wb::config::fromNode(composed->tree, &errors);
      valid += checked.ok() && errors.empty();
      (void)wb::config::countSweep(primary, {}, options, &errors);
    } else {
      (void)wb::config::parseYaml(text, "exp.yaml");
    }
    (void)wb::config::setYamlValue(text, "optim.lr", "0.5");
    for (const auto& e : errors) QVERIFY2(!e.text().empty(), text.c_str());
  }
  qInfo() << "valid mutants:" << valid << "of 1500 in" << timer.elapsed() << "ms";
  QVERIFY(valid > 0);  // the mutations are not all fatal: validation really ran
}

void TestConfig::defaultsAreFilledIn() {
  auto config = wb::config::parseExperimentYaml(kMinimal, "x.yaml");
  WB_VERIFY_OK(config);
  QCOMPARE(config->data.train_split, std::string("train"));
  QCOMPARE(config->data.val_split, std::string("val"));
  QCOMPARE(config->data.test_split, std::string("test"));
  QCOMPARE(config->data.batch_size, 64);
  QCOMPARE(config->data.workers, 2);
  COMPARE_JSON(config->data.transforms, json::array());
  QCOMPARE(str(config->optim.name), str(wb::config::OptimizerKind::Adam));
  QCOMPARE(str(config->scheduler.name), str(wb::config::SchedulerKind::None));
  QCOMPARE(config->trainer.device, std::string("auto"));
  QVERIFY(!config->trainer.early_stopping.enabled);

  // A map turns early stopping on; `false` keeps it off.
  auto es = wb::config::parseExperimentYaml(
      kMinimal + "trainer:\n  early_stopping: {monitor: val_acc, mode: max}\n  device: cuda:1\n",
      "x.yaml");
  WB_VERIFY_OK(es);
  QVERIFY(es->trainer.early_stopping.enabled);
  QCOMPARE(str(es->trainer.early_stopping.mode), str(wb::config::MonitorMode::Max));
  QCOMPARE(es->trainer.device, std::string("cuda:1"));
}

namespace {

// A workspace with an MLP base config and a sweep block appended.
fs::path sweepWorkspace(const Workspace& ws, const std::string& sweep) {
  return ws.write("exp.yaml",
                  "data: {dataset: iris@1}\n"
                  "model: {type: mlp, hidden: [16]}\n"
                  "optim: {name: adam, lr: 0.001}\n"
                  "trainer: {epochs: 2, seed: 7}\n" +
                      sweep);
}

std::vector<std::string> paramColumn(const std::vector<wb::config::SweepChild>& children,
                                     const std::string& key) {
  std::vector<std::string> out;
  for (const auto& c : children) out.push_back(c.params.at(key));
  return out;
}

}  // namespace

void TestConfig::sweepGridCountAndOrder() {
  Workspace ws;
  const auto primary = sweepWorkspace(ws,
                                      "sweep:\n"
                                      "  method: grid\n"
                                      "  metric: {name: val_loss, goal: minimize}\n"
                                      "  parameters:\n"
                                      "    optim.lr: {values: [0.1, 0.01, 0.001]}\n"
                                      "    model.hidden: {values: [[32], [64, 64]]}\n"
                                      "    trainer.epochs: {value: 3}\n");
  auto count = wb::config::countSweep(primary, {}, ws.options());
  WB_VERIFY_OK(count);
  QCOMPARE(*count, std::size_t{6});
  auto children = wb::config::expandSweep(primary, {}, ws.options());
  WB_VERIFY_OK(children);
  QCOMPARE(children->size(), std::size_t{6});
  // The first parameter varies slowest.
  QCOMPARE(paramColumn(*children, "optim.lr"),
           (std::vector<std::string>{"0.1", "0.1", "0.01", "0.01", "0.001", "0.001"}));
  QCOMPARE(paramColumn(*children, "model.hidden"),
           (std::vector<std::string>{"[32]", "[64,64]", "[32]", "[64,64]", "[32]", "[64,64]"}));
  QCOMPARE((*children)[3].config.optim.lr, 0.01);
  COMPARE_JSON((*children)[3].config.model.params["hidden"], json({64, 64}));
  QCOMPARE((*children)[3].config.trainer.epochs, 3);
  QCOMPARE((*children)[3].index, 3);
  QCOMPARE((*children)[3].overrides,
           (std::vector<std::string>{"optim.lr=0.01", "model.hidden=[64,64]", "trainer.epochs=3"}));
}

void TestConfig::sweepGridRunCap() {
  Workspace ws;
  const auto primary = sweepWorkspace(ws,
                                      "sweep:\n"
                                      "  method: grid\n"
                                      "  run_cap: 4\n"
                                      "  parameters:\n"
                                      "    optim.lr: {values: [0.1, 0.01, 0.001]}\n"
                                      "    optim.name: {values: [sgd, adam]}\n");
  auto children = wb::config::expandSweep(primary, {}, ws.options());
  WB_VERIFY_OK(children);
  QCOMPARE(children->size(), std::size_t{4});
  QCOMPARE(*wb::config::countSweep(primary, {}, ws.options()), std::size_t{4});
  QCOMPARE(str((*children)[2].config.optim.name), str(wb::config::OptimizerKind::Sgd));
}

void TestConfig::sweepGridRejectsDistributions() {
  Workspace ws;
  const auto primary =
      sweepWorkspace(ws,
                     "sweep:\n"
                     "  method: grid\n"
                     "  parameters:\n"
                     "    optim.lr: {distribution: log_uniform, min: 1e-4, max: 1e-1}\n");
  auto children = wb::config::expandSweep(primary, {}, ws.options());
  QVERIFY(!children);
  const auto text = children.error().text();
  QVERIFY2(contains(text, "sweep.parameters.optim.lr: grid search needs a list of values"),
           text.c_str());
  QVERIFY2(contains(text, "(configs/exp.yaml:8:5)"), text.c_str());
}

void TestConfig::sweepRandomSeeded() {
  auto sweep = [](const std::string& seed_line) {
    return "sweep:\n"
           "  method: random\n"
           "  run_cap: 400\n" +
           seed_line +
           "  parameters:\n"
           "    optim.lr: {distribution: log_uniform, min: 1e-5, max: 1e-1}\n"
           "    model.dropout: {distribution: uniform, min: 0.0, max: 0.5}\n";
  };
  Workspace a, b, c;
  const auto pa = sweepWorkspace(a, sweep(""));
  const auto pb = sweepWorkspace(b, sweep("  seed: 7\n"));  // = trainer.seed
  const auto pc = sweepWorkspace(c, sweep("  seed: 8\n"));
  auto ca = wb::config::expandSweep(pa, {}, a.options());
  auto cb = wb::config::expandSweep(pb, {}, b.options());
  auto cc = wb::config::expandSweep(pc, {}, c.options());
  WB_VERIFY_OK(ca);
  WB_VERIFY_OK(cb);
  WB_VERIFY_OK(cc);
  QCOMPARE(ca->size(), std::size_t{400});
  QCOMPARE(paramColumn(*ca, "optim.lr"), paramColumn(*cb, "optim.lr"));
  QVERIFY(paramColumn(*ca, "optim.lr") != paramColumn(*cc, "optim.lr"));

  int below_geometric_mid = 0;
  for (const auto& child : *ca) {
    const double lr = child.config.optim.lr;
    QVERIFY(lr >= 1e-5 && lr <= 1e-1);
    QCOMPARE(wb::parseDouble(child.params.at("optim.lr")).value_or(-1), lr);  // not stod: locale
    const double dropout = child.config.model.params["dropout"].get<double>();
    QVERIFY(dropout >= 0.0 && dropout <= 0.5);
    if (lr < 1e-3) ++below_geometric_mid;
  }
  // Log-uniform: half the samples below the geometric midpoint (uniform would give ~1 %).
  QVERIFY2(below_geometric_mid > 150 && below_geometric_mid < 250,
           std::to_string(below_geometric_mid).c_str());

  // The generator is pinned: the same stream on every platform.
  wb::config::SweepRng rng(0);
  QCOMPARE(rng.next(), std::uint64_t{0xe220a8397b1dcdafULL});
}

void TestConfig::sweepRandomIntAndCategorical() {
  Workspace ws;
  const auto primary =
      sweepWorkspace(ws,
                     "sweep:\n"
                     "  method: random\n"
                     "  run_cap: 60\n"
                     "  parameters:\n"
                     "    data.batch_size: {distribution: int_uniform, min: 1, max: 3}\n"
                     "    optim.name: {values: [sgd, adam, adamw]}\n");
  auto children = wb::config::expandSweep(primary, {}, ws.options());
  WB_VERIFY_OK(children);
  QCOMPARE(children->size(), std::size_t{60});
  std::map<int, int> sizes;
  std::map<std::string, int> names;
  for (const auto& child : *children) {
    ++sizes[child.config.data.batch_size];
    ++names[child.params.at("optim.name")];
  }
  QCOMPARE(sizes.size(), std::size_t{3});
  QCOMPARE(sizes.begin()->first, 1);
  QCOMPARE(sizes.rbegin()->first, 3);
  QCOMPARE(names.size(), std::size_t{3});
}

void TestConfig::sweepMultirunOverrides() {
  Workspace ws;
  const auto primary = sweepWorkspace(ws, "");
  const std::vector<std::string> overrides = {"optim.lr=0.1,0.01", "model.hidden=32,64",
                                              "trainer.epochs=5"};
  QCOMPARE(*wb::config::countSweep(primary, overrides, ws.options()), std::size_t{4});
  auto children = wb::config::expandSweep(primary, overrides, ws.options());
  WB_VERIFY_OK(children);
  QCOMPARE(children->size(), std::size_t{4});
  QCOMPARE(paramColumn(*children, "optim.lr"),
           (std::vector<std::string>{"0.1", "0.1", "0.01", "0.01"}));
  QCOMPARE(paramColumn(*children, "model.hidden"),
           (std::vector<std::string>{"32", "64", "32", "64"}));
  for (const auto& child : *children) QCOMPARE(child.config.trainer.epochs, 5);
  COMPARE_JSON((*children)[1].config.model.params["hidden"], json(64));

  // Without a sweep or multirun, one child: the config itself.
  auto single = wb::config::expandSweep(primary, {"optim.lr=0.5"}, ws.options());
  WB_VERIFY_OK(single);
  QCOMPARE(single->size(), std::size_t{1});
  QCOMPARE(single->front().config.optim.lr, 0.5);
  QVERIFY(single->front().params.empty());
}

void TestConfig::sweepMultirunGroupChoice() {
  auto children =
      wb::config::expandSweep(fixture("exp.yaml"), {"model=lenet,mlp"}, fixtureOptions());
  WB_VERIFY_OK(children);
  QCOMPARE(children->size(), std::size_t{2});
  QCOMPARE(str((*children)[0].config.model.type), str(wb::config::ModelType::LeNet));
  QCOMPARE(str((*children)[1].config.model.type), str(wb::config::ModelType::Mlp));
  QCOMPARE((*children)[1].params.at("model"), std::string("mlp"));
}

void TestConfig::sweepChildIsValidated() {
  Workspace ws;
  const auto primary = sweepWorkspace(ws,
                                      "sweep:\n"
                                      "  method: grid\n"
                                      "  parameters:\n"
                                      "    optim.lrr: {values: [0.1, 0.2]}\n"
                                      "    optim.momentum: {values: [0.5, 2.0]}\n");
  std::vector<ConfigError> errors;
  auto children = wb::config::expandSweep(primary, {}, ws.options(), &errors);
  QVERIFY(!children);
  const auto text = children.error().text();
  QVERIFY2(contains(text, "optim.lrr: unknown key; did you mean 'lr'? (configs/exp.yaml:8:5)"),
           text.c_str());
  QVERIFY2(contains(text, "optim.momentum: must be <= 1, got 2.0"), text.c_str());
  QCOMPARE(errors.size(), std::size_t{2});  // the same problem in every child is told once
}

void TestConfig::sweepBlockErrors() {
  Workspace ws;
  const auto primary = sweepWorkspace(ws,
                                      "sweep:\n"
                                      "  method: bayse\n"
                                      "  metric: {name: val_loss, goal: minimise}\n"
                                      "  paramters: {}\n");
  const auto text = wb::config::expandSweep(primary, {}, ws.options()).error().text();
  QVERIFY2(contains(text, "is not one of grid, random, bayes; did you mean 'bayes'?"),
           text.c_str());
  QVERIFY2(contains(text, "did you mean 'minimize'?"), text.c_str());
  QVERIFY2(contains(text, "sweep.paramters: unknown key; did you mean 'parameters'?"),
           text.c_str());

  Workspace ws2;
  const auto p2 = sweepWorkspace(ws2,
                                 "sweep:\n"
                                 "  method: random\n"
                                 "  parameters:\n"
                                 "    optim.lr: {distribution: log_uniform, min: 0, max: 1}\n"
                                 "    optim.momentum: {min: 0.9, max: 0.1}\n");
  const auto text2 = wb::config::expandSweep(p2, {}, ws2.options()).error().text();
  QVERIFY2(contains(text2, "sweep.run_cap: required for method: random"), text2.c_str());
  QVERIFY2(contains(text2, "log_uniform needs min > 0"), text2.c_str());
  QVERIFY2(contains(text2, "sweep.parameters.optim.momentum.max: must be greater than min"),
           text2.c_str());
}

void TestConfig::sweepBayesNeedsMetricAndCap() {
  Workspace ws;
  const auto primary = sweepWorkspace(ws,
                                      "sweep:\n"
                                      "  method: bayes\n"
                                      "  parameters:\n"
                                      "    optim.lr: {distribution: log_uniform, min: 1e-5, max: 1}\n");
  const auto text = wb::config::expandSweep(primary, {}, ws.options()).error().text();
  QVERIFY2(contains(text, "sweep.run_cap: required for method: bayes"), text.c_str());
  QVERIFY2(contains(text, "sweep.metric: required for method: bayes"), text.c_str());
  QCOMPARE(wb::config::bayesStartupRuns(1), std::size_t{1});
  QCOMPARE(wb::config::bayesStartupRuns(4), std::size_t{2});
  QCOMPARE(wb::config::bayesStartupRuns(12), std::size_t{4});
  QCOMPARE(wb::config::bayesStartupRuns(100), std::size_t{10});
}

// Start-up runs are the random search's; later proposals move towards what worked: on a
// known objective (best at lr = 0.01 and optimizer adam) they land far nearer than chance.
void TestConfig::sweepBayesStartsRandomThenFollowsResults() {
  Workspace ws;
  const auto primary = sweepWorkspace(ws,
                                      "sweep:\n"
                                      "  method: bayes\n"
                                      "  metric: {name: val/loss, goal: minimize}\n"
                                      "  run_cap: 40\n"
                                      "  parameters:\n"
                                      "    optim.lr: {distribution: log_uniform, min: 1e-5, max: 1}\n"
                                      "    optim.name: {values: [sgd, adam, adamw]}\n");
  auto preview = wb::config::expandSweep(primary, {}, ws.options());
  WB_VERIFY_OK(preview);
  QCOMPARE(preview->size(), std::size_t{40});
  const auto objective = [](const std::map<std::string, std::string>& p) {
    return std::abs(std::log10(wb::parseDouble(p.at("optim.lr")).value_or(0)) + 2) +
           (p.at("optim.name") == "adam" ? 0.0 : 1.5);
  };
  std::vector<wb::config::SweepObservation> seen;
  for (std::size_t i = 0; i < 4; ++i) {
    auto child = wb::config::proposeSweepChild(primary, {}, ws.options(), i, seen);
    WB_VERIFY_OK(child);
    QCOMPARE(child->overrides, (*preview)[i].overrides);  // start-up: the preview's runs
    seen.push_back({child->params, objective(child->params)});
  }
  // Twenty random results as the history, then ten proposals from it.
  std::vector<wb::config::SweepObservation> history;
  double history_distance = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    history.push_back({(*preview)[i].params, objective((*preview)[i].params)});
    history_distance += history.back().value;
  }
  double proposed_distance = 0;
  int adam = 0;
  for (std::size_t i = 20; i < 30; ++i) {
    auto child = wb::config::proposeSweepChild(primary, {}, ws.options(), i, history);
    WB_VERIFY_OK(child);
    QVERIFY(child->config.optim.lr >= 1e-5 && child->config.optim.lr <= 1);
    proposed_distance += objective(child->params);
    adam += child->params.at("optim.name") == "adam";
    // Deterministic: the same history and index give the same run.
    auto again = wb::config::proposeSweepChild(primary, {}, ws.options(), i, history);
    QCOMPARE(again->overrides, child->overrides);
  }
  const double mean_history = history_distance / 20, mean_proposed = proposed_distance / 10;
  QVERIFY2(mean_proposed < mean_history / 2,
           (std::to_string(mean_proposed) + " vs " + std::to_string(mean_history)).c_str());
  QVERIFY2(adam >= 6, std::to_string(adam).c_str());
}

void TestConfig::multirunRejectedForSingleRun() {
  const auto text = loadError(fixture("exp.yaml"), {"optim.lr=0.1,0.2"}, fixtureOptions());
  QVERIFY2(contains(text, "several values make a sweep"), text.c_str());
}

void TestConfig::roundTrip() {
  const auto config =
      loadOk(fixture("exp.yaml"),
             {"+model.widths=[1.0, 2.5]", "+model.name='007'", "+model.flag=true",
              "data.transforms=[{op: resize, size: [28, 28]}, {op: normalize, mean: 0.5}]",
              "trainer.early_stopping={monitor: val_acc, mode: max, patience: 3}",
              "scheduler.name=cosine", "notes='true'", "tags={owner: ana, version: '2'}"},
             fixtureOptions());
  const std::string yaml = wb::config::toYaml(config);
  auto again = wb::config::parseExperimentYaml(yaml, "resolved.yaml");
  WB_VERIFY_OK(again);
  QVERIFY2(*again == config, yaml.c_str());
  QCOMPARE(wb::config::toYaml(*again), yaml);
  COMPARE_JSON(again->model.params["name"], json("007"));
  COMPARE_JSON(again->model.params["widths"], json({1.0, 2.5}));
  QVERIFY(again->model.params["widths"][0].is_number_float());
  QCOMPARE(again->notes, std::string("true"));
  QCOMPARE(again->tags.at("version"), std::string("2"));
  QVERIFY(again->trainer.early_stopping.enabled);

  // Canonical: fixed key order, everything resolved.
  QVERIFY2(yaml.find("experiment: digits\ndata:\n  dataset: digits@1\n") == 0, yaml.c_str());
  QVERIFY2(contains(yaml, "optim:\n  name: adam\n  lr: 0.01\n  momentum: 0.9\n"), yaml.c_str());
  QVERIFY2(contains(yaml, "betas: [0.9, 0.999]"), yaml.c_str());
  QVERIFY2(contains(yaml, "notes: \"true\""), yaml.c_str());

  // Defaults only, and awkward strings: also stable.
  auto minimal = wb::config::parseExperimentYaml(
      kMinimal + "notes: |\n  first: line\n  second # not a comment\ntags: ['- x', ' y', 'null']\n",
      "m.yaml");
  WB_VERIFY_OK(minimal);
  const std::string yaml2 = wb::config::toYaml(*minimal);
  auto minimal2 = wb::config::parseExperimentYaml(yaml2, "m2.yaml");
  WB_VERIFY_OK(minimal2);
  QVERIFY(*minimal2 == *minimal);
  QCOMPARE(wb::config::toYaml(*minimal2), yaml2);
  QCOMPARE(minimal2->notes, std::string("first: line\nsecond # not a comment\n"));
  QCOMPARE(minimal2->tags.size(), std::size_t{3});
  QVERIFY(minimal2->tags.count("null") == 1 && minimal2->tags.count(" y") == 1);
}

void TestConfig::paramsFlattening() {
  const auto config = loadOk(
      fixture("exp.yaml"), {"model=mlp", "data.transforms=[{op: standardize}]"}, fixtureOptions());
  const auto params = wb::config::toParams(config);
  QCOMPARE(params.at("optim.lr"), std::string("0.01"));
  QCOMPARE(params.at("optim.weight_decay"), std::string("0.0001"));
  QCOMPARE(params.at("optim.betas"), std::string("[0.9,0.999]"));
  QCOMPARE(params.at("model.type"), std::string("mlp"));
  QCOMPARE(params.at("model.hidden"), std::string("[64,64]"));
  QCOMPARE(params.at("model.dropout"), std::string("0.0"));
  QCOMPARE(params.at("data.dataset"), std::string("digits@1"));
  QCOMPARE(params.at("data.batch_size"), std::string("32"));
  QCOMPARE(params.at("data.transforms"), std::string(R"([{"op":"standardize"}])"));
  QCOMPARE(params.at("trainer.early_stopping.patience"), std::string("5"));
  QCOMPARE(params.at("trainer.checkpoint.save_best"), std::string("true"));
  QCOMPARE(params.at("scheduler.name"), std::string("none"));
  QVERIFY(params.count("tags") == 0 && params.count("notes") == 0);
  QVERIFY(params.count("tags.cnn") == 0);
}

void TestConfig::editDistance() {
  QCOMPARE(wb::config::editDistance("lrr", "lr"), 1);
  QCOMPARE(wb::config::editDistance("epcohs", "epochs"), 1);  // one transposition
  QCOMPARE(wb::config::editDistance("", "abc"), 3);
  QCOMPARE(wb::config::closestMatch("optm", {"data", "optim", "model"}), std::string("optim"));
  QCOMPARE(wb::config::closestMatch("zzz", {"data", "optim"}), std::string());
  QCOMPARE(wb::config::formatDouble(0.001), std::string("0.001"));
  QCOMPARE(wb::config::formatDouble(1.0), std::string("1.0"));
  QCOMPARE(wb::config::formatDouble(1e-5), std::string("1e-05"));
  QCOMPARE(wb::config::formatDouble(0.0001), std::string("0.0001"));
  QCOMPARE(wb::config::formatDouble(1e20), std::string("1e+20"));
  QCOMPARE(wb::config::formatDouble(123456.0), std::string("123456.0"));
}

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
