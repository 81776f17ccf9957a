// GUI tests of the Experiments config editor: form <-> YAML sync, inline errors, undo, save,
// the sweep editor, launching, composition from defaults groups. Headless (offscreen).
#include <QApplication>
#include <QElapsedTimer>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFrame>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProcess>
#include <QRandomGenerator>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QToolButton>
#include <QTreeWidget>

#include <filesystem>
#include <memory>

#include "core/workspace/workspace.h"
#include "ui/experiments/config_form_widget.h"
#include "ui/experiments/config_plan_runner.h"
#include "ui/experiments/experiment_editor_widget.h"
#include "ui/experiments/sweep_editor_widget.h"
#include "ui/experiments/yaml_editor.h"
#include "ui/experiments/yaml_highlighter.h"

using namespace wb::ui;

// Waits until the editor's text has been validated (debounce + worker thread).
#define SETTLE(editor) QTRY_VERIFY_WITH_TIMEOUT(!(editor).isValidationPending(), 10000)

namespace {

const QString kDigits = QStringLiteral(
    "# Digits baseline: keep this comment\n"
    "experiment: digits\n"
    "data:\n"
    "  dataset: digits@1   # version pinned\n"
    "  batch_size: 64\n"
    "model:\n"
    "  type: mlp\n"
    "  hidden: [64, 64]\n"
    "optim:\n"
    "  name: adam\n"
    "  lr: 0.001  # tuned\n"
    "trainer:\n"
    "  epochs: 5\n");

// Takes its optimiser from the optim group.
const QString kGrouped = QStringLiteral(
    "defaults:\n"
    "  - optim: sgd\n"
    "  - _self_\n"
    "data:\n"
    "  dataset: digits@1\n"
    "model:\n"
    "  type: lenet\n");

const char* const kCatalog = R"({"models":[
  {"type":"mlp","description":"Multi-layer perceptron",
   "params":{"hidden":[64,64],"dropout":0.0,"activation":"relu"}},
  {"type":"lenet","description":"LeNet-5 style CNN","params":{"dropout":0.0}},
  {"type":"resnet_small","description":"A small ResNet","params":{"channels":[16,32,64],"blocks":1}}
]})";

void writeFile(const QString& path, const QString& text) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(text.toUtf8());
}

QString readFile(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readAll());
}

// Types into a line edit and presses Enter, as a user would.
void typeInto(QLineEdit* edit, const QString& text) {
  edit->setFocus();
  edit->selectAll();
  QTest::keyClicks(edit, text);
  QTest::keyClick(edit, Qt::Key_Return);
}

// Replaces the first FROM in the YAML editor with TO through a text cursor (like typing).
void editYaml(YamlEditor* yaml, const QString& from, const QString& to) {
  // QTextDocument::find does not match across lines: select in the plain text instead.
  const int at = static_cast<int>(yaml->toPlainText().indexOf(from));
  QTextCursor c(yaml->document());
  if (at >= 0) {
    c.setPosition(at);
    c.setPosition(at + static_cast<int>(from.size()), QTextCursor::KeepAnchor);
  } else {
    c = QTextCursor();
  }
  QVERIFY2(!c.isNull(), qPrintable(from));
  c.insertText(to);
}

QString cli() {
  const QString env = qEnvironmentVariable("WB_CLI");
  return env.isEmpty() ? QStringLiteral(WB_CLI_PATH) : env;
}

QTreeWidgetItem* errorWithKey(QTreeWidget* list, const QString& key) {
  for (int i = 0; i < list->topLevelItemCount(); ++i)
    if (list->topLevelItem(i)->text(1) == key) return list->topLevelItem(i);
  return nullptr;
}

}  // namespace

class TestConfigEditor : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init();
  void cleanup();

  void formEditWritesYamlKeepingComments();
  void yamlEditUpdatesForm();
  void invalidKeyShowsInlineError();
  void undoRestoresFormEdit();
  void modelTypeChangeIsOneUndoStep();
  void earlyStoppingShorthand();
  void saveWritesFile();
  void sweepEditorAddsParameter();
  void runSavesThenEmits();
  void sweepButtonLaunchesSweep();
  void composedValuesFromDefaultsGroup();
  void syntaxErrorKeepsForm();
  void reloadsWhenChangedOnDisk();
  void newConfigFromTemplate();
  void parameterCountFailsGracefully();
  void parameterCountIsExact();
  void aliasBombsShowAnErrorWithTheLine();
  void validationSurvivesMutations();
  void yamlEditorBasics();

 private:
  // Opens NAME (relative to configs/) in a fresh, visible editor and waits for validation.
  ExperimentEditorWidget* open(const QString& name);
  QString configPath(const QString& name) const {
    return m_root + QStringLiteral("/configs/") + name;
  }

  std::unique_ptr<QTemporaryDir> m_dir;
  QString m_root;
  std::unique_ptr<ExperimentEditorWidget> m_editor;
};

void TestConfigEditor::init() {
  m_dir = std::make_unique<QTemporaryDir>();
  QVERIFY(m_dir->isValid());
  m_root = m_dir->filePath(QStringLiteral("ws"));
  auto ws = wb::Workspace::create(m_root.toStdString(), "editor-test");
  QVERIFY2(ws.ok(), ws.ok() ? "" : ws.error().text().c_str());
  writeFile(configPath(QStringLiteral("optim/adam.yaml")),
            QStringLiteral("# optimiser group\nname: adam\nlr: 0.002\n"));
  writeFile(configPath(QStringLiteral("optim/sgd.yaml")),
            QStringLiteral("name: sgd\nlr: 0.05\nmomentum: 0.9\n"));
  writeFile(configPath(QStringLiteral("digits.yaml")), kDigits);
  writeFile(configPath(QStringLiteral("grouped.yaml")), kGrouped);
}

void TestConfigEditor::cleanup() {
  m_editor.reset();
  QCoreApplication::processEvents();
  m_dir.reset();
}

ExperimentEditorWidget* TestConfigEditor::open(const QString& name) {
  m_editor = std::make_unique<ExperimentEditorWidget>();
  m_editor->setCliPath(m_root + QStringLiteral("/no-such-wb"));  // dry runs fail fast
  m_editor->setModelCatalog(QJsonDocument::fromJson(kCatalog).object());
  m_editor->setDatasetRefs({QStringLiteral("digits@1"), QStringLiteral("digits@latest")});
  m_editor->setWorkspace(m_root);
  m_editor->resize(1400, 900);
  m_editor->show();
  if (!QTest::qWaitForWindowExposed(m_editor.get())) return nullptr;
  if (!m_editor->openConfig(configPath(name))) return nullptr;
  if (!QTest::qWaitFor([this] { return !m_editor->isValidationPending(); }, 10000)) return nullptr;
  return m_editor.get();
}

void TestConfigEditor::formEditWritesYamlKeepingComments() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  QVERIFY2(e->isValid(), qPrintable(e->statusLabel()->text()));
  auto* lr = qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("optim.lr")));
  QVERIFY(lr);
  QCOMPARE(lr->text(), QStringLiteral("0.001"));
  QVERIFY(!e->isDirty());

  typeInto(lr, QStringLiteral("5e-4"));
  QString expected = kDigits;
  expected.replace(QStringLiteral("lr: 0.001  # tuned"), QStringLiteral("lr: 5e-4  # tuned"));
  // Only the value changed: every comment and every other byte is as it was.
  QCOMPARE(e->yamlEditor()->toPlainText(), expected);
  QVERIFY(e->isDirty());
  SETTLE(*e);
  QVERIFY(e->isValid());
  QVERIFY(e->form()->differsFromDefault(QStringLiteral("optim.lr")));

  // A key the file does not have yet lands in its section.
  auto* seed = qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("trainer.seed")));
  QVERIFY(seed);  // 64-bit: a line edit, not a spin box
  typeInto(seed, QStringLiteral("7"));
  QVERIFY(e->yamlEditor()->toPlainText().endsWith(QStringLiteral("  epochs: 5\n  seed: 7\n")));
  auto* deterministic =
      qobject_cast<QCheckBox*>(e->form()->editorFor(QStringLiteral("trainer.deterministic")));
  QVERIFY(deterministic);
  QTest::mouseClick(deterministic, Qt::LeftButton);
  QVERIFY(e->yamlEditor()->toPlainText().contains(QStringLiteral("  deterministic: true\n")));
  auto* scheduler =
      qobject_cast<QComboBox*>(e->form()->editorFor(QStringLiteral("scheduler.name")));
  QVERIFY(scheduler);
  scheduler->setCurrentIndex(scheduler->findText(QStringLiteral("cosine")));
  QVERIFY(e->yamlEditor()->toPlainText().endsWith(QStringLiteral("scheduler:\n  name: cosine\n")));
  SETTLE(*e);
  QVERIFY2(e->isValid(), qPrintable(e->statusLabel()->text()));
}

void TestConfigEditor::yamlEditUpdatesForm() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  auto* batch = qobject_cast<QSpinBox*>(e->form()->editorFor(QStringLiteral("data.batch_size")));
  QVERIFY(batch);
  QCOMPARE(batch->value(), 64);
  QSignalSpy edits(e->form(), &ConfigFormWidget::valueEdited);
  editYaml(e->yamlEditor(), QStringLiteral("batch_size: 64"), QStringLiteral("batch_size: 128"));
  editYaml(e->yamlEditor(), QStringLiteral("hidden: [64, 64]"), QStringLiteral("hidden: [32]"));
  QTRY_COMPARE(batch->value(), 128);
  QCOMPARE(e->form()->valueText(QStringLiteral("model.hidden")), QStringLiteral("[32]"));
  auto* dropout = qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("model.dropout")));
  QVERIFY(dropout);  // from the catalog, at its default
  QCOMPARE(dropout->text(), QStringLiteral("0"));
  QCOMPARE(edits.count(), 0);  // filling the form never writes back
  QVERIFY(e->form()->differsFromDefault(QStringLiteral("data.batch_size")));
  QVERIFY(!e->form()->differsFromDefault(QStringLiteral("data.workers")));
}

void TestConfigEditor::invalidKeyShowsInlineError() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  QCOMPARE(e->errorList()->topLevelItemCount(), 0);
  QSignalSpy validated(e, &ExperimentEditorWidget::validated);
  editYaml(e->yamlEditor(), QStringLiteral("  lr: 0.001  # tuned"),
           QStringLiteral("  lr: 0.001  # tuned\n  lrr: 0.1"));
  editYaml(e->yamlEditor(), QStringLiteral("batch_size: 64"), QStringLiteral("batch_size: 0"));
  QVERIFY(validated.wait(5000));
  SETTLE(*e);
  QVERIFY(!e->isValid());

  QTreeWidgetItem* item = errorWithKey(e->errorList(), QStringLiteral("optim.lrr"));
  QVERIFY(item);
  QVERIFY2(item->text(2).contains(QStringLiteral("did you mean 'lr'")), qPrintable(item->text(2)));
  QCOMPARE(item->text(0), QStringLiteral("line 12"));
  // The editor marks the line, with the message for the tooltip.
  QVERIFY(e->yamlEditor()->errorTextAt(12).contains(QStringLiteral("did you mean 'lr'")));
  bool marked = false;
  for (const auto& d : e->yamlEditor()->errors())
    marked = marked || (d.line == 12 && d.column == 3);
  QVERIFY(marked);
  // The form marks the field whose value is wrong.
  QVERIFY(
      e->form()->fieldError(QStringLiteral("data.batch_size")).contains(QStringLiteral(">= 1")));
  QVERIFY(!e->runButton()->isEnabled());

  // Clicking the problem puts the cursor on it.
  e->yamlEditor()->moveCursor(QTextCursor::Start);
  QTest::mouseClick(e->errorList()->viewport(), Qt::LeftButton, {},
                    e->errorList()->visualItemRect(item).center());
  QCOMPARE(e->yamlEditor()->textCursor().blockNumber() + 1, 12);
  QCOMPARE(e->yamlEditor()->textCursor().positionInBlock(), 2);

  // Fixing it clears everything.
  editYaml(e->yamlEditor(), QStringLiteral("\n  lrr: 0.1"), QString());
  editYaml(e->yamlEditor(), QStringLiteral("batch_size: 0"), QStringLiteral("batch_size: 8"));
  QTRY_VERIFY_WITH_TIMEOUT(e->isValid() && !e->isValidationPending(), 10000);
  QCOMPARE(e->errorList()->topLevelItemCount(), 0);
  QVERIFY(e->yamlEditor()->errors().isEmpty());
  QVERIFY(e->form()->fieldError(QStringLiteral("data.batch_size")).isEmpty());
}

void TestConfigEditor::undoRestoresFormEdit() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  auto* lr = qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("optim.lr")));
  typeInto(lr, QStringLiteral("0.01"));
  QVERIFY(e->yamlEditor()->toPlainText().contains(QStringLiteral("lr: 0.01  # tuned")));
  e->yamlEditor()->setFocus();
  QTest::keyClick(e->yamlEditor(), Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(e->yamlEditor()->toPlainText(), kDigits);
  QVERIFY(!e->isDirty());
  // And the form follows the text back.
  QTRY_COMPARE(lr->text(), QStringLiteral("0.001"));
  QTest::keyClick(e->yamlEditor(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  QVERIFY(e->yamlEditor()->toPlainText().contains(QStringLiteral("lr: 0.01  # tuned")));
}

void TestConfigEditor::modelTypeChangeIsOneUndoStep() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  auto* type = qobject_cast<QComboBox*>(e->form()->editorFor(QStringLiteral("model.type")));
  QVERIFY(type);
  QCOMPARE(type->currentText(), QStringLiteral("mlp"));
  QVERIFY(e->form()->editorFor(QStringLiteral("model.activation")));
  type->setCurrentIndex(type->findText(QStringLiteral("lenet")));
  // lenet takes no `hidden`: it goes with the type change.
  QString expected = kDigits;
  expected.replace(QStringLiteral("  type: mlp\n  hidden: [64, 64]\n"),
                   QStringLiteral("  type: lenet\n"));
  QCOMPARE(e->yamlEditor()->toPlainText(), expected);
  QVERIFY(e->form()->editorFor(QStringLiteral("model.activation")) == nullptr);
  QVERIFY(e->form()->editorFor(QStringLiteral("model.dropout")));
  QCoreApplication::processEvents();
  QTest::keyClick(e->yamlEditor(), Qt::Key_Z, Qt::ControlModifier);
  QCOMPARE(e->yamlEditor()->toPlainText(), kDigits);
  QTRY_COMPARE(type->currentText(), QStringLiteral("mlp"));
}

void TestConfigEditor::earlyStoppingShorthand() {
  QString text = kDigits;
  text.replace(QStringLiteral("  epochs: 5\n"),
               QStringLiteral("  epochs: 5\n  early_stopping: true\n"));
  writeFile(configPath(QStringLiteral("digits.yaml")), text);
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  auto* enabled = qobject_cast<QCheckBox*>(
      e->form()->editorFor(QStringLiteral("trainer.early_stopping.enabled")));
  auto* patience = qobject_cast<QSpinBox*>(
      e->form()->editorFor(QStringLiteral("trainer.early_stopping.patience")));
  QVERIFY(enabled && patience);
  QVERIFY(enabled->isChecked());
  patience->setValue(4);
  QVERIFY2(e->yamlEditor()->toPlainText().contains(
               QStringLiteral("  early_stopping: {enabled: true, patience: 4}\n")),
           qPrintable(e->yamlEditor()->toPlainText()));
  SETTLE(*e);
  QVERIFY2(e->isValid(), qPrintable(e->statusLabel()->text()));
  QCOMPARE(patience->value(), 4);
}

void TestConfigEditor::saveWritesFile() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  QSignalSpy dirty(e, &ExperimentEditorWidget::dirtyChanged);
  editYaml(e->yamlEditor(), QStringLiteral("epochs: 5"), QStringLiteral("epochs: 12"));
  QVERIFY(e->isDirty());
  QCOMPARE(dirty.count(), 1);
  auto* save = e->findChild<QToolButton*>(QStringLiteral("saveButton"));
  QVERIFY(save);
  QTest::mouseClick(save, Qt::LeftButton);
  QVERIFY(!e->isDirty());
  QCOMPARE(readFile(configPath(QStringLiteral("digits.yaml"))), e->yamlEditor()->toPlainText());
  QVERIFY(
      readFile(configPath(QStringLiteral("digits.yaml"))).contains(QStringLiteral("epochs: 12")));
  QCOMPARE(dirty.count(), 2);
  // Our own write is not taken for an outside change.
  QTest::qWait(300);
  QVERIFY(!e->findChild<QFrame*>(QStringLiteral("diskChangedBanner"))->isVisible());

  QVERIFY(e->saveAs(configPath(QStringLiteral("digits-long.yaml"))));
  QCOMPARE(e->currentConfigPath(),
           QFileInfo(configPath(QStringLiteral("digits-long.yaml"))).absoluteFilePath());
  QCOMPARE(readFile(configPath(QStringLiteral("digits-long.yaml"))),
           e->yamlEditor()->toPlainText());
}

void TestConfigEditor::sweepEditorAddsParameter() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  QVERIFY(!e->sweepButton()->isEnabled());
  e->tabs()->setCurrentWidget(e->sweepEditor());
  auto* enable = e->sweepEditor()->findChild<QCheckBox*>(QStringLiteral("sweepEnabled"));
  QVERIFY(enable);
  QTest::mouseClick(enable, Qt::LeftButton);
  QVERIFY(e->yamlEditor()->toPlainText().endsWith(
      QStringLiteral("sweep:\n  method: grid\n  parameters: {}\n")));

  auto* add = e->sweepEditor()->findChild<QPushButton*>(QStringLiteral("sweepAddParameter"));
  QVERIFY(add && add->isEnabled());
  QTest::mouseClick(add, Qt::LeftButton);
  QTableWidget* table = e->sweepEditor()->table();
  QCOMPARE(table->rowCount(), 1);
  auto* key = qobject_cast<QComboBox*>(table->cellWidget(0, SweepEditorWidget::kKeyColumn));
  auto* values = qobject_cast<QLineEdit*>(table->cellWidget(0, SweepEditorWidget::kValuesColumn));
  QVERIFY(key && values);
  QVERIFY(key->findText(QStringLiteral("optim.lr")) >= 0);  // schema keys are offered
  key->setEditText(QStringLiteral("optim.lr"));
  Q_EMIT key->lineEdit()->editingFinished();
  typeInto(values, QStringLiteral("0.1, 0.01, 0.001"));

  QVERIFY2(e->yamlEditor()->toPlainText().endsWith(
               QStringLiteral("sweep:\n  method: grid\n  parameters:\n"
                              "    optim.lr: {values: [0.1, 0.01, 0.001]}\n")),
           qPrintable(e->yamlEditor()->toPlainText()));
  QTRY_COMPARE_WITH_TIMEOUT(e->sweepEditor()->runCountLabel()->text(), QStringLiteral("3 runs"),
                            10000);
  QTRY_VERIFY(e->sweepButton()->isEnabled());
  QCOMPARE(e->sweepButton()->text(), QStringLiteral("Sweep (3 runs)"));
  QCOMPARE(e->runCount(), std::optional<std::size_t>(3));

  // The table reads a sweep written in the YAML.
  e->setFocus();
  editYaml(e->yamlEditor(), QStringLiteral("[0.1, 0.01, 0.001]}"),
           QStringLiteral("[0.1, 0.01]}\n    data.batch_size: [16, 32]"));
  QTRY_COMPARE_WITH_TIMEOUT(e->sweepEditor()->runCountLabel()->text(), QStringLiteral("4 runs"),
                            10000);
  QTRY_COMPARE(table->rowCount(), 2);
  QCOMPARE(qobject_cast<QLineEdit*>(table->cellWidget(1, SweepEditorWidget::kValuesColumn))->text(),
           QStringLiteral("16, 32"));
}

void TestConfigEditor::runSavesThenEmits() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  auto* lr = qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("optim.lr")));
  typeInto(lr, QStringLiteral("0.02"));
  QVERIFY(e->isDirty());
  QTRY_VERIFY_WITH_TIMEOUT(e->runButton()->isEnabled() && !e->isValidationPending(), 10000);
  QSignalSpy launched(e, &ExperimentEditorWidget::launchRequested);
  QTest::mouseClick(e->runButton(), Qt::LeftButton);
  QCOMPARE(launched.count(), 1);
  const QString path = QFileInfo(configPath(QStringLiteral("digits.yaml"))).absoluteFilePath();
  QCOMPARE(launched.at(0).at(0).toString(), path);
  QCOMPARE(launched.at(0).at(1).toBool(), false);
  QVERIFY(!e->isDirty());
  QVERIFY(readFile(path).contains(QStringLiteral("lr: 0.02  # tuned")));
}

void TestConfigEditor::sweepButtonLaunchesSweep() {
  writeFile(configPath(QStringLiteral("digits-sweep.yaml")),
            QStringLiteral("# a grid over the rate\n"
                           "defaults:\n  - digits\n  - _self_\n"
                           "sweep:\n  method: grid\n  metric: {name: val_loss, goal: minimize}\n"
                           "  parameters:\n    optim.lr: {values: [0.1, 0.01]}\n"
                           "    model.hidden: {values: [[8], [32, 32]]}\n"));
  ExperimentEditorWidget* e = open(QStringLiteral("digits-sweep.yaml"));
  QVERIFY(e);
  QVERIFY2(e->isValid(), qPrintable(e->statusLabel()->text()));
  QTRY_VERIFY(e->sweepButton()->isEnabled());
  QCOMPARE(e->sweepButton()->text(), QStringLiteral("Sweep (4 runs)"));
  QCOMPARE(e->sweepEditor()->table()->rowCount(), 2);
  QVERIFY(e->sweepEditor()->sweepEnabled());
  // The inherited values show in the form.
  QCOMPARE(e->form()->valueText(QStringLiteral("data.batch_size")), QStringLiteral("64"));
  QSignalSpy launched(e, &ExperimentEditorWidget::launchRequested);
  QTest::mouseClick(e->sweepButton(), Qt::LeftButton);
  QCOMPARE(launched.count(), 1);
  QCOMPARE(launched.at(0).at(1).toBool(), true);
}

void TestConfigEditor::composedValuesFromDefaultsGroup() {
  ExperimentEditorWidget* e = open(QStringLiteral("grouped.yaml"));
  QVERIFY(e);
  QVERIFY2(e->isValid(), qPrintable(e->statusLabel()->text()));
  auto* lr = qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("optim.lr")));
  auto* name = qobject_cast<QComboBox*>(e->form()->editorFor(QStringLiteral("optim.name")));
  auto* momentum = qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("optim.momentum")));
  QVERIFY(lr && name && momentum);
  QCOMPARE(lr->text(), QStringLiteral("0.05"));
  QCOMPARE(name->currentText(), QStringLiteral("sgd"));
  QCOMPARE(momentum->text(), QStringLiteral("0.9"));
  QVERIFY2(lr->toolTip().contains(QStringLiteral("Inherited from configs/optim/sgd.yaml:2")),
           qPrintable(lr->toolTip()));

  // An edit lands in this file and overrides the group.
  typeInto(lr, QStringLiteral("0.2"));
  QVERIFY(e->yamlEditor()->toPlainText().endsWith(QStringLiteral("optim:\n  lr: 0.2\n")));
  QTRY_VERIFY_WITH_TIMEOUT(lr->toolTip().contains(QStringLiteral("Set at configs/grouped.yaml:9")),
                           10000);
  QCOMPARE(lr->text(), QStringLiteral("0.2"));
  QCOMPARE(readFile(configPath(QStringLiteral("optim/sgd.yaml"))),
           QStringLiteral("name: sgd\nlr: 0.05\nmomentum: 0.9\n"));

  // Another group option through the YAML.
  editYaml(e->yamlEditor(), QStringLiteral("optim: sgd"), QStringLiteral("optim: adam"));
  QTRY_COMPARE_WITH_TIMEOUT(name->currentText(), QStringLiteral("adam"), 10000);
}

void TestConfigEditor::syntaxErrorKeepsForm() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  editYaml(e->yamlEditor(), QStringLiteral("hidden: [64, 64]"), QStringLiteral("hidden: [64, 64"));
  QTRY_VERIFY_WITH_TIMEOUT(e->errorList()->topLevelItemCount() > 0 && !e->isValidationPending(),
                           10000);
  QVERIFY(!e->isValid());
  QVERIFY(!e->yamlEditor()->errors().isEmpty());
  // The form keeps the last values it could read.
  QCOMPARE(e->form()->valueText(QStringLiteral("optim.lr")), QStringLiteral("0.001"));
  // A form edit cannot be applied to broken YAML: the text is left alone, the status says why.
  const QString before = e->yamlEditor()->toPlainText();
  typeInto(qobject_cast<QLineEdit*>(e->form()->editorFor(QStringLiteral("optim.lr"))),
           QStringLiteral("0.3"));
  QCOMPARE(e->yamlEditor()->toPlainText(), before);
  QVERIFY(e->statusLabel()->text().contains(QStringLiteral("Cannot apply")));
}

void TestConfigEditor::reloadsWhenChangedOnDisk() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  const QString path = configPath(QStringLiteral("digits.yaml"));
  QString changed = kDigits;
  changed.replace(QStringLiteral("epochs: 5"), QStringLiteral("epochs: 9"));
  writeFile(path, changed);
  QTRY_COMPARE_WITH_TIMEOUT(e->yamlEditor()->toPlainText(), changed, 5000);
  QVERIFY(!e->isDirty());

  // With unsaved edits the user decides.
  editYaml(e->yamlEditor(), QStringLiteral("epochs: 9"), QStringLiteral("epochs: 10"));
  writeFile(path, kDigits);
  auto* banner = e->findChild<QFrame*>(QStringLiteral("diskChangedBanner"));
  QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 5000);
  QVERIFY(e->yamlEditor()->toPlainText().contains(QStringLiteral("epochs: 10")));
  QTest::mouseClick(e->findChild<QPushButton*>(QStringLiteral("bannerReload")), Qt::LeftButton);
  QCOMPARE(e->yamlEditor()->toPlainText(), kDigits);
  QVERIFY(!e->isDirty());
}

void TestConfigEditor::newConfigFromTemplate() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  QVERIFY(e->newConfig(QStringLiteral("experiments/fresh"),
                       ExperimentEditorWidget::NewConfigTemplate::Minimal));
  const QString path = configPath(QStringLiteral("experiments/fresh.yaml"));
  QCOMPARE(e->currentConfigPath(), QFileInfo(path).absoluteFilePath());
  QVERIFY(QFileInfo::exists(path));
  SETTLE(*e);
  QVERIFY2(e->isValid(), qPrintable(e->statusLabel()->text()));
  QCOMPARE(e->form()->valueText(QStringLiteral("data.dataset")), QStringLiteral("digits@1"));

  QVERIFY(e->newConfig(QStringLiteral("fresh-copy"),
                       ExperimentEditorWidget::NewConfigTemplate::CopyOfCurrent));
  QCOMPARE(readFile(configPath(QStringLiteral("fresh-copy.yaml"))), readFile(path));
  QVERIFY(!e->newConfig(QStringLiteral("fresh-copy"),
                        ExperimentEditorWidget::NewConfigTemplate::Minimal));  // exists
}

void TestConfigEditor::parameterCountFailsGracefully() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  // No such executable: the label says so instead of waiting forever.
  QTRY_VERIFY_WITH_TIMEOUT(e->parameterLabel()->text().startsWith(QStringLiteral("Parameters:")),
                           10000);
  QVERIFY2(e->parameterLabel()->text().contains(QStringLiteral("cannot run")),
           qPrintable(e->parameterLabel()->text()));

  // The real CLI, on a dataset this workspace does not have: its error, named.
  e->setCliPath(cli());
  editYaml(e->yamlEditor(), QStringLiteral("digits@1"), QStringLiteral("nosuch@1"));
  QTRY_VERIFY_WITH_TIMEOUT(!e->isBusy(), 60000);
  const QString text = e->parameterLabel()->text();
  QVERIFY2(text.startsWith(QStringLiteral("Parameters: ")) && text.contains(QStringLiteral("nosuch")),
           qPrintable(text));
}

// Before, any "Parameters: <error>" passed, so no test showed the count is right. An MLP on
// iris (4 features, 3 species) with hidden [8, 5] has, layer by layer, inputs x outputs weights
// plus outputs biases.
void TestConfigEditor::parameterCountIsExact() {
  QProcess import;
  import.start(cli(), {QStringLiteral("-w"), m_root, QStringLiteral("data"), QStringLiteral("import"),
                       QStringLiteral(WB_SOURCE_DIR) + QStringLiteral("/resources/iris.csv"),
                       QStringLiteral("--name"), QStringLiteral("iris")});
  QVERIFY(import.waitForFinished(60000));
  QVERIFY2(import.exitCode() == 0, import.readAllStandardError().constData());
  writeFile(configPath(QStringLiteral("iris.yaml")),
            QStringLiteral("data:\n  dataset: iris@1\n  transforms: [{name: standardize}]\n"
                           "model:\n  type: mlp\n  hidden: [8, 5]\n"));
  const std::vector<long long> widths = {4, 8, 5, 3};
  long long expected = 0;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) expected += widths[i] * widths[i + 1] + widths[i + 1];
  QCOMPARE(expected, 103LL);

  ExperimentEditorWidget* e = open(QStringLiteral("iris.yaml"));
  QVERIFY(e);
  QVERIFY2(e->isValid(), qPrintable(e->statusLabel()->text()));
  QSignalSpy plans(e, &ExperimentEditorWidget::planUpdated);
  e->setCliPath(cli());
  editYaml(e->yamlEditor(), QStringLiteral("[8, 5]"), QStringLiteral("[8,5]"));  // re-validates
  QTRY_VERIFY_WITH_TIMEOUT(!e->isBusy() && !plans.isEmpty(), 60000);
  const QString text = e->parameterLabel()->text();
  QCOMPARE(text, QStringLiteral("%1 parameters · iris@1").arg(QLocale().toString(expected)));
  const QJsonObject plan = QJsonDocument::fromJson(e->parameterLabel()->toolTip().toUtf8()).object();
  QCOMPARE(plan.value(QStringLiteral("parameters")).toInteger(), expected);

  // A wider hidden layer: the count follows the text.
  editYaml(e->yamlEditor(), QStringLiteral("[8,5]"), QStringLiteral("[16, 5]"));
  QTRY_VERIFY_WITH_TIMEOUT(!e->isBusy() && e->parameterLabel()->text() != text, 60000);
  QCOMPARE(e->parameterLabel()->text(),
           QStringLiteral("%1 parameters · iris@1").arg(QLocale().toString(4 * 16 + 16 + 16 * 5 + 5 + 5 * 3 + 3)));
}

// Typing an alias cycle crashed the editor (the validation thread overflowed its stack), and a
// short alias chain kept it busy for seconds with millions of nodes.
void TestConfigEditor::aliasBombsShowAnErrorWithTheLine() {
  ExperimentEditorWidget* e = open(QStringLiteral("digits.yaml"));
  QVERIFY(e);
  editYaml(e->yamlEditor(), QStringLiteral("epochs: 5\n"),
           QStringLiteral("epochs: 5\nnotes: &a [1, *a]\n"));
  SETTLE(*e);
  QVERIFY(!e->isValid());
  QCOMPARE(e->errorList()->topLevelItemCount(), 1);
  QCOMPARE(e->errorList()->topLevelItem(0)->text(0), QStringLiteral("line 14"));
  QVERIFY2(e->errorList()->topLevelItem(0)->text(2).contains(QStringLiteral("cycle")),
           qPrintable(e->errorList()->topLevelItem(0)->text(2)));

  QString laughs = QStringLiteral("l1: &l1 [x,x,x,x,x,x,x,x,x]\n");
  for (int i = 2; i <= 7; ++i)
    laughs += QStringLiteral("l%1: &l%1 [%2]\n")
                  .arg(i)
                  .arg(QStringList(9, QStringLiteral("*l%1").arg(i - 1)).join(QLatin1Char(',')));
  QElapsedTimer timer;
  timer.start();
  editYaml(e->yamlEditor(), QStringLiteral("notes: &a [1, *a]\n"), laughs);
  SETTLE(*e);
  QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
  QVERIFY(!e->isValid());
  QCOMPARE(e->errorList()->topLevelItem(0)->text(0), QStringLiteral("line 19"));
  QVERIFY2(e->errorList()->topLevelItem(0)->text(2).contains(QStringLiteral("aliases expand")),
           qPrintable(e->errorList()->topLevelItem(0)->text(2)));
}

// Whatever the text, the editor's validation gives a result: random edits of a real config
// (anchors and aliases among the pieces inserted) through ConfigValidation::run, which the
// editor runs on every pause in typing.
void TestConfigEditor::validationSurvivesMutations() {
  const std::string seed = QString(kGrouped + QStringLiteral("sweep:\n  method: grid\n  parameters:\n    optim.lr: [0.1, 0.2]\n")).toStdString();
  const QStringList pieces = {QStringLiteral("&a "), QStringLiteral("*a"), QStringLiteral("[*a, *a]"),
                              QStringLiteral("["),   QStringLiteral("}"),  QStringLiteral(": "),
                              QStringLiteral("- "),  QStringLiteral("\n  "), QStringLiteral("'"),
                              QStringLiteral("&a [*a]"), QStringLiteral("<<: *a"), QStringLiteral("#")};
  const std::filesystem::path path = configPath(QStringLiteral("grouped.yaml")).toStdString();
  QRandomGenerator rng(11);
  int valid = 0;
  for (int round = 0; round < 400; ++round) {
    std::string text = seed;
    for (int m = 0; m < 3; ++m) {
      const auto at = static_cast<std::size_t>(rng.bounded(static_cast<int>(text.size()) + 1));
      if (rng.bounded(2) == 0)
        text.insert(at, pieces.at(rng.bounded(static_cast<int>(pieces.size()))).toStdString());
      else
        text.erase(at, static_cast<std::size_t>(rng.bounded(6)));
    }
    const ConfigValidation v = ConfigValidation::run(text, path, m_root.toStdString(),
                                                     QString(m_root + QStringLiteral("/configs")).toStdString());
    valid += v.valid;
    QVERIFY2(v.valid == v.errors.empty(), text.c_str());
  }
  QVERIFY(valid > 0);  // not every mutant is broken: validation really ran
}

void TestConfigEditor::yamlEditorBasics() {
  using Token = YamlHighlighter::Token;
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("  lr: 0.1  # c"), 2), Token::Key);
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("  lr: 0.1  # c"), 6), Token::Number);
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("  lr: 0.1  # c"), 11), Token::Comment);
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("- true"), 0), Token::Dash);
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("- true"), 2), Token::Keyword);
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("a: 'x # y'"), 4), Token::String);
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("b: &base {k: v}"), 3), Token::Anchor);
  QCOMPARE(YamlHighlighter::tokenAt(QStringLiteral("b: {k: v}"), 4), Token::Key);

  YamlEditor editor;
  editor.setPlainText(QStringLiteral("a: 1\nb:\n  c: 2\n"));
  editor.show();
  // Ctrl+/ comments the current line and back.
  editor.goTo(3);
  QTest::keyClick(&editor, Qt::Key_Slash, Qt::ControlModifier);
  QCOMPARE(editor.toPlainText(), QStringLiteral("a: 1\nb:\n  # c: 2\n"));
  QTest::keyClick(&editor, Qt::Key_Slash, Qt::ControlModifier);
  QCOMPARE(editor.toPlainText(), QStringLiteral("a: 1\nb:\n  c: 2\n"));
  // Tab inserts two spaces; Enter after "key:" indents one level.
  editor.goTo(1);
  QTest::keyClick(&editor, Qt::Key_Tab);
  QCOMPARE(editor.document()->firstBlock().text(), QStringLiteral("  a: 1"));
  editor.goTo(2, 3);
  QTest::keyClick(&editor, Qt::Key_Return);
  QCOMPARE(editor.textCursor().block().text(), QStringLiteral("  "));
  // Errors: a marker and the message for the line.
  editor.setErrors({{2, 1, QStringLiteral("b: unknown key")}});
  QCOMPARE(editor.errorTextAt(2), QStringLiteral("b: unknown key"));
  QVERIFY(editor.errorTextAt(1).isEmpty());
  QVERIFY(editor.gutterWidth() > 20);
}

QTEST_MAIN(TestConfigEditor)
#include "tst_config_editor.moc"
