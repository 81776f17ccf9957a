// Unit tests of text-preserving YAML edits (yaml_edit.h) and of the form schema
// (config_schema.h) against the validator.
#include <QTest>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/config/config_node.h"
#include "core/config/config_schema.h"
#include "core/config/experiment_config.h"
#include "core/config/yaml_edit.h"
#include "test_support.h"

using wb::config::FieldSpec;

namespace {

// A config that validates: the schema tests edit one key of it at a time.
const char* const kValid =
    "# minimal\n"
    "data:\n"
    "  dataset: digits@1\n"
    "model:\n"
    "  type: mlp\n";

// The demo's digits config: comments, a defaults list, flow maps and lists.
const char* const kDigits =
    "# LeNet on the procedural digits. Try: wb train digits-lenet optim=sgd\n"
    "defaults:\n"
    "  - optim: adam\n"
    "  - _self_\n"
    "experiment: digits\n"
    "data:\n"
    "  dataset: digits@latest\n"
    "  transforms: [{name: normalize, mean: [0.1], std: [0.3]}]\n"
    "  batch_size: 64   # fits in cache\n"
    "  workers: 2\n"
    "model:\n"
    "  type: lenet\n"
    "trainer:\n"
    "  epochs: 8\n"
    "  seed: 1\n"
    "  early_stopping: {monitor: val_loss, patience: 3}\n"
    "  checkpoint: {monitor: val_accuracy, mode: max}\n";

std::string set(const std::string& text, const std::string& key, const std::string& value) {
  auto r = wb::config::setYamlValue(text, key, value);
  if (!r) return "ERROR: " + r.error().text();
  return *r;
}

std::string remove(const std::string& text, const std::string& key) {
  auto r = wb::config::removeYamlKey(text, key);
  if (!r) return "ERROR: " + r.error().text();
  return *r;
}

// The config with KEY set to VALUE_YAML validates (or not), as the form would write it.
bool validates(const std::string& key, const std::string& value_yaml, std::string* why = nullptr) {
  auto edited = wb::config::setYamlValue(kValid, key, value_yaml);
  if (!edited) {
    if (why) *why = "edit failed: " + edited.error().text();
    return false;
  }
  auto config = wb::config::parseExperimentYaml(*edited, "test.yaml");
  if (!config && why) *why = config.error().text();
  return config.ok();
}

}  // namespace

class TestYamlEdit : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void setKeepsEverythingElse();
  void setCases_data();
  void setCases();
  void removeCases_data();
  void removeCases();
  void refusals_data();
  void refusals();
  void editedTextValidates();
  void sweepBlockRoundTrip();
  void crlfKept();
  void quoting_data();
  void quoting();

  void schemaPathsValidate();
  void schemaChoicesValidate();
  void schemaBoundsMatchValidator();
  void schemaCoversValidatorKeys();
  void schemaDefaultsMatchConfig();
};

void TestYamlEdit::setKeepsEverythingElse() {
  // Only the value's bytes change: comments, spacing and the trailing comment stay.
  const std::string text =
      "# header comment\n"
      "\n"
      "optim:          # the optimiser\n"
      "  name: adam\n"
      "  lr:    0.001  # tuned on digits\n"
      "  # weight_decay: 0.1\n"
      "trainer:\n"
      "    epochs: 3\n";
  const std::string expected =
      "# header comment\n"
      "\n"
      "optim:          # the optimiser\n"
      "  name: adam\n"
      "  lr:    3e-4  # tuned on digits\n"
      "  # weight_decay: 0.1\n"
      "trainer:\n"
      "    epochs: 3\n";
  QCOMPARE(set(text, "optim.lr", "3e-4"), expected);
  // Setting the same value again changes nothing.
  QCOMPARE(set(expected, "optim.lr", "3e-4"), expected);
}

void TestYamlEdit::setCases_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QString>("key");
  QTest::addColumn<QString>("value");
  QTest::addColumn<QString>("expected");

  QTest::newRow("quoted scalar") << "a:\n  b: \"x y\" # c\n"
                                 << "a.b"
                                 << "z"
                                 << "a:\n  b: z # c\n";
  QTest::newRow("top-level scalar") << "experiment: old\nnotes: hi\n"
                                    << "experiment"
                                    << "new"
                                    << "experiment: new\nnotes: hi\n";
  QTest::newRow("missing key in existing section, its indentation")
      << "optim:\n    name: sgd\n    lr: 0.1\ntrainer:\n    epochs: 2\n"
      << "optim.momentum"
      << "0.8"
      << "optim:\n    name: sgd\n    lr: 0.1\n    momentum: 0.8\ntrainer:\n    epochs: 2\n";
  QTest::newRow("missing key after comments of the section")
      << "optim:\n  lr: 0.1\n  # spare\n\ntrainer:\n  epochs: 2\n"
      << "optim.name"
      << "sgd"
      << "optim:\n  lr: 0.1\n  name: sgd\n  # spare\n\ntrainer:\n  epochs: 2\n";
  QTest::newRow("missing section at the end")
      << "data:\n  dataset: d@1\n# end\n"
      << "optim.lr"
      << "0.5"
      << "data:\n  dataset: d@1\noptim:\n  lr: 0.5\n# end\n";
  QTest::newRow("missing nested sections") << "trainer:\n  epochs: 2\n"
                                           << "trainer.early_stopping.patience"
                                           << "4"
                                           << "trainer:\n  epochs: 2\n  early_stopping:\n"
                                              "    patience: 4\n";
  QTest::newRow("empty section gets a block") << "optim:   # later\ntrainer: {}\n"
                                              << "optim.lr"
                                              << "1"
                                              << "optim:   # later\n  lr: 1\ntrainer: {}\n";
  QTest::newRow("empty document") << ""
                                  << "optim.lr"
                                  << "0.1"
                                  << "optim:\n  lr: 0.1\n";
  QTest::newRow("comment-only document") << "# nothing yet"
                                         << "experiment"
                                         << "x"
                                         << "# nothing yet\nexperiment: x\n";
  QTest::newRow("nested block map replaced")
      << "model:\n  type: mlp\n  hidden:\n    a: 1\n    b: 2\n  dropout: 0.1\n"
      << "model.hidden"
      << "[64, 64]"
      << "model:\n  type: mlp\n  hidden: [64, 64]\n  dropout: 0.1\n";
  QTest::newRow("block list replaced")
      << "optim:\n  betas:\n    - 0.9\n    - 0.99 # slow\n  lr: 1\n"
      << "optim.betas"
      << "[0.8, 0.9]"
      << "optim:\n  betas: [0.8, 0.9]\n  lr: 1\n";
  QTest::newRow("block list at the key's indentation") << "tags:\n- a\n- b\nnotes: x\n"
                                                       << "tags"
                                                       << "[c]"
                                                       << "tags: [c]\nnotes: x\n";
  QTest::newRow("flow list replaced") << "model:\n  hidden: [64, 64]  # two layers\n"
                                      << "model.hidden"
                                      << "[32]"
                                      << "model:\n  hidden: [32]  # two layers\n";
  QTest::newRow("flow list spanning lines") << "optim:\n  betas: [0.9,\n    0.999]\n  lr: 1\n"
                                            << "optim.betas"
                                            << "[0.5, 0.6]"
                                            << "optim:\n  betas: [0.5, 0.6]\n  lr: 1\n";
  QTest::newRow("key inside a flow map")
      << "trainer:\n  early_stopping: {monitor: val_loss, patience: 3}  # keep\n"
      << "trainer.early_stopping.patience"
      << "5"
      << "trainer:\n  early_stopping: {monitor: val_loss, patience: 5}  # keep\n";
  QTest::newRow("new key inside a flow map")
      << "trainer:\n  checkpoint: {mode: max}\n"
      << "trainer.checkpoint.monitor"
      << "val_accuracy"
      << "trainer:\n  checkpoint: {mode: max, monitor: val_accuracy}\n";
  QTest::newRow("flow map keeps quoted strings") << "a: {b: '1', c: 2}\n"
                                                 << "a.c"
                                                 << "3"
                                                 << "a: {b: '1', c: 3}\n";
  QTest::newRow("scalar to block value")
      << "sweep: null  # none yet\nnotes: x\n"
      << "sweep"
      << "method: grid\nparameters:\n  optim.lr: [0.1, 0.01]\n"
      << "sweep:  # none yet\n  method: grid\n  parameters:\n    optim.lr: [0.1, 0.01]\n"
         "notes: x\n";
  QTest::newRow("block value to scalar") << "a:\n  b: |\n    text\n    # not a comment\nc: 1\n"
                                         << "a.b"
                                         << "short"
                                         << "a:\n  b: short\nc: 1\n";
  QTest::newRow("quoted key") << "sweep:\n  parameters:\n    \"optim.lr\": [1]\n"
                              << "sweep.parameters"
                              << "{x: [2]}"
                              << "sweep:\n  parameters: {x: [2]}\n";
  QTest::newRow("no trailing newline") << "a: 1\nb: 2"
                                       << "c"
                                       << "3"
                                       << "a: 1\nb: 2\nc: 3";
}

void TestYamlEdit::setCases() {
  QFETCH(QString, text);
  QFETCH(QString, key);
  QFETCH(QString, value);
  QFETCH(QString, expected);
  QCOMPARE(set(text.toStdString(), key.toStdString(), value.toStdString()), expected.toStdString());
}

void TestYamlEdit::removeCases_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QString>("key");
  QTest::addColumn<QString>("expected");

  QTest::newRow("scalar") << "optim:\n  # the rate\n  lr: 0.1 # x\n  name: sgd\n"
                          << "optim.lr"
                          << "optim:\n  # the rate\n  name: sgd\n";
  QTest::newRow("block") << "a: 1\nmodel:\n  type: mlp\n  hidden:\n    - 1\n# tail\nb: 2\n"
                         << "model"
                         << "a: 1\n# tail\nb: 2\n";
  QTest::newRow("missing key: unchanged") << "a: 1\n"
                                          << "b.c"
                                          << "a: 1\n";
  QTest::newRow("inside a flow map") << "t:\n  es: {monitor: x, patience: 3}\n"
                                     << "t.es.patience"
                                     << "t:\n  es: {monitor: x}\n";
  QTest::newRow("last key, no newline") << "a: 1\nb: 2"
                                        << "b"
                                        << "a: 1\n";
}

void TestYamlEdit::removeCases() {
  QFETCH(QString, text);
  QFETCH(QString, key);
  QFETCH(QString, expected);
  QCOMPARE(remove(text.toStdString(), key.toStdString()), expected.toStdString());
}

void TestYamlEdit::refusals_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QString>("key");
  QTest::addColumn<QString>("message");

  QTest::newRow("anchored section") << "base: &b\n  lr: 1\noptim: *b\n"
                                    << "base.lr"
                                    << "anchor";
  QTest::newRow("through an alias") << "base: &b\n  lr: 1\noptim: *b\n"
                                    << "optim.lr"
                                    << "alias";
  QTest::newRow("merge key") << "base: &b {lr: 1}\noptim:\n  <<: *b\n  name: sgd\n"
                             << "optim.lr"
                             << "merge key";
  QTest::newRow("through a scalar") << "optim: fast\n"
                                    << "optim.lr"
                                    << "not a map";
  QTest::newRow("through a list") << "optim: [1]\n"
                                  << "optim.lr"
                                  << "a list";
  QTest::newRow("syntax error") << "a: [1, 2\nb: 1\n"
                                << "a"
                                << "syntax error";
  QTest::newRow("duplicate key") << "a: 1\na: 2\n"
                                 << "a"
                                 << "duplicate";
  // The edit itself would not expand these, but the editor composes its result next (and
  // crashed or hung there): refuse them with the line, as the validator does.
  QTest::newRow("alias cycle") << "notes: &a [1, *a]\noptim:\n  lr: 1\n"
                               << "optim.lr"
                               << "line 1: alias *a is inside its own anchor &a";
  QString laughs = QStringLiteral("a: &a [x,x,x,x,x,x,x,x,x]\n");
  for (char c = 'b'; c <= 'g'; ++c)
    laughs += QStringLiteral("%1: &%1 [%2]\n")
                  .arg(QString(QLatin1Char(c)), QStringList(9, QStringLiteral("*") + QLatin1Char(char(c - 1))).join(QLatin1Char(',')));
  QTest::newRow("alias chain") << laughs << "z"
                               << "aliases expand the document";
}

void TestYamlEdit::refusals() {
  QFETCH(QString, text);
  QFETCH(QString, key);
  QFETCH(QString, message);
  auto r = wb::config::setYamlValue(text.toStdString(), key.toStdString(), "2");
  QVERIFY(!r.ok());
  QVERIFY2(r.error().text().find(message.toStdString()) != std::string::npos,
           r.error().text().c_str());
  // A bad value is refused too, before anything is touched.
  QVERIFY(!wb::config::setYamlValue("a: 1\n", "a", "[1, 2").ok());
  QVERIFY(!wb::config::setYamlValue("a: 1\n", "a", "  \n").ok());
}

void TestYamlEdit::editedTextValidates() {
  std::string text = kDigits;
  text = set(text, "optim.lr", "0.0005");
  text = set(text, "data.batch_size", "128");
  text = set(text, "trainer.early_stopping.patience", "6");
  text = set(text, "trainer.checkpoint.mode", "min");
  text = set(text, "model.hidden", "[64, 64]");
  text = set(text, "scheduler.name", "cosine");
  text = set(text, "notes", wb::config::quoteYamlString("lr: smaller # really"));
  text = remove(text, "data.workers");
  std::vector<wb::config::ConfigError> errors;
  auto config = wb::config::parseExperimentYaml(text, "digits.yaml", &errors);
  QVERIFY2(config.ok(),
           (config.ok() ? std::string() : config.error().text() + "\n" + text).c_str());
  QCOMPARE(config->optim.lr, 0.0005);
  QCOMPARE(config->data.batch_size, 128);
  QCOMPARE(config->data.workers, wb::config::DataConfig{}.workers);
  QCOMPARE(config->trainer.early_stopping.patience, 6);
  QCOMPARE(config->trainer.early_stopping.monitor, std::string("val_loss"));
  QCOMPARE(std::string(wb::config::toString(config->trainer.checkpoint.mode)), std::string("min"));
  QCOMPARE(config->model.params.dump(), std::string(R"({"hidden":[64,64]})"));
  QCOMPARE(std::string(wb::config::toString(config->scheduler.name)), std::string("cosine"));
  QCOMPARE(config->notes, std::string("lr: smaller # really"));
  // Everything the edits did not touch is still there, comments included.
  for (const char* line : {"# LeNet on the procedural digits", "defaults:\n  - optim: adam\n",
                           "  batch_size: 128   # fits in cache\n",
                           "  transforms: [{name: normalize, mean: [0.1], std: [0.3]}]\n"})
    QVERIFY2(text.find(line) != std::string::npos, text.c_str());
}

void TestYamlEdit::sweepBlockRoundTrip() {
  // The sweep editor replaces the whole block; a second replace finds the first one's lines.
  const std::string block1 =
      "method: grid\nmetric: {name: val_loss, goal: minimize}\nparameters:\n"
      "  optim.lr: {values: [0.1, 0.01, 0.001]}\n";
  const std::string block2 =
      "method: random\nrun_cap: 5\nparameters:\n"
      "  optim.lr: {distribution: log_uniform, min: 0.0001, max: 0.1}\n";
  std::string text = std::string(kValid) + "trainer:\n  epochs: 3\n";
  text = set(text, "sweep", block1);
  QVERIFY2(text.find("sweep:\n  method: grid\n") != std::string::npos, text.c_str());
  text = set(text, "sweep", block2);
  QCOMPARE(text, std::string(kValid) +
                     "trainer:\n  epochs: 3\nsweep:\n  method: random\n  run_cap: 5\n"
                     "  parameters:\n"
                     "    optim.lr: {distribution: log_uniform, min: 0.0001, max: 0.1}\n");
  // A key holding dots is reached with the path form.
  auto r = wb::config::setYamlValue(
      text, std::vector<std::string>{"sweep", "parameters", "optim.lr"}, "[1, 2]");
  WB_VERIFY_OK(r);
  QVERIFY2(r->find("    optim.lr: [1, 2]\n") != std::string::npos, r->c_str());
  QCOMPARE(remove(text, "sweep"), std::string(kValid) + "trainer:\n  epochs: 3\n");
}

void TestYamlEdit::crlfKept() {
  const std::string text = "a:\r\n  b: 1\r\n";
  QCOMPARE(set(text, "a.c", "2"), std::string("a:\r\n  b: 1\r\n  c: 2\r\n"));
  QCOMPARE(set(text, "a.b", "3"), std::string("a:\r\n  b: 3\r\n"));
}

void TestYamlEdit::quoting_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QString>("expected");
  QTest::newRow("plain") << "adam"
                         << "adam";
  QTest::newRow("ref") << "digits@latest"
                       << "digits@latest";
  QTest::newRow("device") << "cuda:0"
                          << "cuda:0";
  QTest::newRow("empty") << ""
                         << "''";
  QTest::newRow("number") << "1"
                          << "'1'";
  QTest::newRow("bool") << "true"
                        << "'true'";
  QTest::newRow("yaml 1.1 bool") << "yes"
                                 << "'yes'";
  QTest::newRow("null") << "null"
                        << "'null'";
  QTest::newRow("colon space") << "a: b"
                               << "'a: b'";
  QTest::newRow("comment") << "a #b"
                           << "'a #b'";
  QTest::newRow("apostrophe") << "it's, ok"
                              << "'it''s, ok'";
  QTest::newRow("newline") << "a\nb\""
                           << "\"a\\nb\\\"\"";
}

void TestYamlEdit::quoting() {
  QFETCH(QString, text);
  QFETCH(QString, expected);
  const std::string quoted = wb::config::quoteYamlString(text.toStdString());
  QCOMPARE(quoted, expected.toStdString());
  // It reads back as the same string.
  auto node = wb::config::parseYaml("k: " + quoted + "\n", "q.yaml");
  WB_VERIFY_OK(node);
  const wb::config::ConfigNode* k = node->find("k");
  QVERIFY(k != nullptr);
  QCOMPARE(k->scalar, text.toStdString());
  QCOMPARE(int(k->scalarType()), int(wb::config::ConfigNode::ScalarType::String));
}

void TestYamlEdit::schemaPathsValidate() {
  // Each field, written with its default (or a sample for required ones), is accepted.
  for (const FieldSpec& f : wb::config::experimentFields()) {
    std::string value = f.default_text;
    if (f.path == "data.dataset") value = "digits@2";
    if (f.path == "model.type") value = "lenet";
    if (value.empty()) value = f.kind == FieldSpec::Kind::Json ? "[]" : "''";
    if (f.kind == FieldSpec::Kind::String && !f.default_text.empty())
      value = wb::config::quoteYamlString(f.default_text);
    std::string why;
    QVERIFY2(validates(f.path, value, &why), (f.path + " = " + value + ": " + why).c_str());
    QVERIFY2(!f.help.empty(), f.path.c_str());
    QVERIFY(f.kind != FieldSpec::Kind::Invalid);
  }
  // A misspelt key is rejected, so the loop above means something.
  QVERIFY(!validates("optim.learning_rate", "0.1"));
}

void TestYamlEdit::schemaChoicesValidate() {
  int choice_fields = 0;
  for (const FieldSpec& f : wb::config::experimentFields()) {
    if (f.kind != FieldSpec::Kind::Choice) continue;
    ++choice_fields;
    QVERIFY2(f.choices.size() >= 2, f.path.c_str());
    for (const auto& choice : f.choices) {
      std::string why;
      QVERIFY2(validates(f.path, choice, &why), (f.path + " = " + choice + ": " + why).c_str());
    }
    QVERIFY2(!validates(f.path, "no_such_choice"), f.path.c_str());
  }
  QCOMPARE(choice_fields, 5);  // model.type, optim.name, scheduler.name, two modes
  // Suggested devices are valid devices.
  for (const auto& device : wb::config::findField("trainer.device")->choices)
    QVERIFY2(validates("trainer.device", device), device.c_str());
}

void TestYamlEdit::schemaBoundsMatchValidator() {
  auto text = [](double v, bool integer) {
    return integer ? std::to_string(static_cast<long long>(v)) : wb::config::formatDouble(v);
  };
  for (const FieldSpec& f : wb::config::experimentFields()) {
    if (f.kind != FieldSpec::Kind::Int && f.kind != FieldSpec::Kind::Double) continue;
    const bool integer = f.kind == FieldSpec::Kind::Int;
    const double step = integer ? 1 : 1e-6;
    QVERIFY2(std::isfinite(f.min), f.path.c_str());
    // At the bound: valid unless exclusive; just outside: invalid; just inside: valid.
    QCOMPARE(validates(f.path, text(f.min, integer)), !f.min_exclusive);
    QVERIFY2(!validates(f.path, text(f.min - step, integer)), f.path.c_str());
    QVERIFY2(validates(f.path, text(f.min + step, integer)), f.path.c_str());
    if (std::isfinite(f.max) && f.max < 1e15) {
      QCOMPARE(validates(f.path, text(f.max, integer)), !f.max_exclusive);
      QVERIFY2(!validates(f.path, text(f.max + step, integer)), f.path.c_str());
    }
    QVERIFY(f.inRange(f.min + step));
    QVERIFY(!f.inRange(f.min - step));
  }
}

void TestYamlEdit::schemaCoversValidatorKeys() {
  std::set<std::string> paths;
  for (const FieldSpec& f : wb::config::experimentFields()) {
    QVERIFY2(paths.insert(f.path).second, ("listed twice: " + f.path).c_str());
  }
  // Sections the form shows as groups, and top-level keys with editors of their own.
  const std::set<std::string> groups = {"data",
                                        "model",
                                        "optim",
                                        "scheduler",
                                        "trainer",
                                        "trainer.early_stopping",
                                        "trainer.checkpoint"};
  const std::set<std::string> elsewhere = {"defaults", "sweep"};  // YAML text / sweep editor
  for (const std::string section : {"", "data", "model", "optim", "scheduler", "trainer",
                                    "trainer.early_stopping", "trainer.checkpoint"}) {
    const auto keys = wb::config::schemaKeys(section);
    QVERIFY2(!keys.empty(), section.c_str());
    for (const auto& key : keys) {
      const std::string path = section.empty() ? key : section + "." + key;
      const bool covered = paths.count(path) || groups.count(path) || elsewhere.count(path);
      QVERIFY2(covered, ("not in experimentFields(): " + path).c_str());
    }
  }
  // And nothing the validator does not know.
  for (const auto& path : paths) {
    const std::size_t dot = path.rfind('.');
    const std::string section = dot == std::string::npos ? "" : path.substr(0, dot);
    const auto keys = wb::config::schemaKeys(section);
    QVERIFY2(std::find(keys.begin(), keys.end(), path.substr(dot + 1)) != keys.end(), path.c_str());
  }
  QCOMPARE(wb::config::modelTypeNames(), wb::config::findField("model.type")->choices);
}

void TestYamlEdit::schemaDefaultsMatchConfig() {
  // A config written with every default equals the default-constructed one.
  std::string text = kValid;
  for (const FieldSpec& f : wb::config::experimentFields()) {
    if (f.default_text.empty()) continue;
    const std::string value = f.kind == FieldSpec::Kind::String
                                  ? wb::config::quoteYamlString(f.default_text)
                                  : f.default_text;
    text = set(text, f.path, value);
  }
  auto config = wb::config::parseExperimentYaml(text, "defaults.yaml");
  QVERIFY2(config.ok(), text.c_str());
  wb::config::ExperimentConfig expected;
  expected.data.dataset = "digits@1";
  expected.model.type = wb::config::ModelType::Mlp;
  QCOMPARE(wb::config::toYaml(*config), wb::config::toYaml(expected));
  QCOMPARE(wb::config::findField("optim.lr")->default_text, std::string("0.001"));
  QCOMPARE(wb::config::findField("optim.betas")->default_text, std::string("[0.9, 0.999]"));
  QCOMPARE(wb::config::findField("optim.name")->default_text, std::string("adam"));
  QVERIFY(wb::config::findField("data.dataset")->required);
}

QTEST_MAIN(TestYamlEdit)
#include "tst_yaml_edit.moc"
