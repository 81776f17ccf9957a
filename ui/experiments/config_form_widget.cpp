#include "ui/experiments/config_form_widget.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleValidator>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <climits>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/config/yaml_edit.h"

namespace wb::ui {

using config::ConfigNode;
using config::FieldSpec;
using config::flowYaml;

namespace {

constexpr int kExtraItemRole = Qt::UserRole + 1;  // a combo item added to show an unknown value

// Spin boxes and combos that ignore the wheel unless focused, so scrolling the form never
// changes a value by accident.
class QuietSpinBox : public QSpinBox {
 public:
  using QSpinBox::QSpinBox;

 protected:
  void wheelEvent(QWheelEvent* event) override {
    if (hasFocus())
      QSpinBox::wheelEvent(event);
    else
      event->ignore();
  }
};

class QuietComboBox : public QComboBox {
 public:
  using QComboBox::QComboBox;

 protected:
  void wheelEvent(QWheelEvent* event) override {
    if (hasFocus())
      QComboBox::wheelEvent(event);
    else
      event->ignore();
  }
};

QString qs(const std::string& s) { return QString::fromStdString(s); }

// A catalog default as flow YAML.
std::string jsonYaml(const nlohmann::json& value) { return flowYaml(ConfigNode::fromJson(value)); }

nlohmann::json toNlohmann(const QJsonValue& value) {
  const QByteArray bytes = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
  return nlohmann::json::parse(bytes.constData(), nullptr, false).at(0);
}

// The default's JSON, for "differs from the default".
nlohmann::json defaultJson(const FieldSpec& spec) {
  if (spec.default_text.empty()) return nullptr;
  if (spec.kind == FieldSpec::Kind::String || spec.kind == FieldSpec::Kind::Choice)
    return spec.default_text;
  auto node = config::parseYaml(spec.default_text, "default");
  return node ? node->toJson() : nlohmann::json(spec.default_text);
}

// Real-valued parameters that default to a whole number ("dropout": 0.0 arrives as 0).
bool looksReal(const QString& name) {
  static const QStringList kWords = {
      QStringLiteral("dropout"),   QStringLiteral("rate"),   QStringLiteral("lr"),
      QStringLiteral("momentum"),  QStringLiteral("alpha"),  QStringLiteral("beta"),
      QStringLiteral("eps"),       QStringLiteral("decay"),  QStringLiteral("scale"),
      QStringLiteral("ratio"),     QStringLiteral("prob"),   QStringLiteral("temperature"),
      QStringLiteral("smoothing"), QStringLiteral("std"),    QStringLiteral("mean"),
      QStringLiteral("weight"),    QStringLiteral("factor"), QStringLiteral("p")};
  const QStringList parts = name.toLower().split(QLatin1Char('_'));
  for (const QString& part : parts)
    if (kWords.contains(part)) return true;
  return false;
}

FieldSpec::Kind guessKind(const QString& name, const QJsonValue& value) {
  switch (value.type()) {
    case QJsonValue::Bool:
      return FieldSpec::Kind::Bool;
    case QJsonValue::String:
      return FieldSpec::Kind::String;
    case QJsonValue::Double: {
      const double d = value.toDouble();
      const bool integral = std::floor(d) == d && std::abs(d) < 1e15;
      return integral && !looksReal(name) ? FieldSpec::Kind::Int : FieldSpec::Kind::Double;
    }
    case QJsonValue::Array: {
      const QJsonArray array = value.toArray();
      bool ints = !array.isEmpty();
      for (const auto& v : array)
        ints = ints && v.isDouble() && std::floor(v.toDouble()) == v.toDouble();
      return ints ? FieldSpec::Kind::IntList : FieldSpec::Kind::Json;
    }
    default:
      return FieldSpec::Kind::Json;
  }
}

QString boundText(const FieldSpec& spec) {
  QStringList parts;
  auto num = [](double v) {
    return qs(config::formatDouble(v)).remove(QRegularExpression(QStringLiteral("\\.0$")));
  };
  if (std::isfinite(spec.min))
    parts << (spec.min_exclusive ? QStringLiteral("> ") : QStringLiteral(">= ")) + num(spec.min);
  if (std::isfinite(spec.max) && spec.max < 1e15)
    parts << (spec.max_exclusive ? QStringLiteral("< ") : QStringLiteral("<= ")) + num(spec.max);
  return parts.join(QStringLiteral(" and "));
}

}  // namespace

struct ConfigFormWidget::Field {
  FieldSpec spec;
  bool model_param = false;
  QWidget* row = nullptr;  // the editor with its marks
  QWidget* editor = nullptr;
  QLabel* label = nullptr;
  QLabel* error_mark = nullptr;
  QToolButton* reset = nullptr;
  QString shown;         // the config's value as YAML, what a commit compares against
  bool present = false;  // the key is in the config (else the default shows)
  bool differs = false;  // present with a value other than the default
  QString origin;        // "configs/optim/adam.yaml:3"
  bool inherited = false;
  QString local_error;  // what the user typed does not parse
  nlohmann::json default_json;
};

ConfigFormWidget::ConfigFormWidget(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("configForm"));
  buildForm();
}

ConfigFormWidget::~ConfigFormWidget() = default;

void ConfigFormWidget::buildForm() {
  QFont bold = font();
  bold.setBold(true);
  for (const FieldSpec& spec : config::experimentFields())
    m_label_width =
        std::max(m_label_width, QFontMetrics(bold).horizontalAdvance(qs(spec.name())) + 4);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(10, 10, 10, 10);
  outer->setSpacing(12);

  struct Section {
    const char* path;
    const char* title;
  };
  static const Section kSections[] = {
      {"", "General"},
      {"data", "Data"},
      {"model", "Model"},
      {"optim", "Optimizer"},
      {"scheduler", "Learning-rate schedule"},
      {"trainer", "Trainer"},
      {"trainer.early_stopping", "Early stopping"},
      {"trainer.checkpoint", "Checkpoints"},
  };
  for (const Section& section : kSections) {
    auto* box = new QGroupBox(tr(section.title), this);
    const QString name = QLatin1StringView(section.path);
    box->setObjectName(QStringLiteral("group:") +
                       (name.isEmpty() ? QStringLiteral("general") : name));
    auto* form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    form->setHorizontalSpacing(10);
    form->setVerticalSpacing(6);
    form->setContentsMargins(10, 8, 10, 10);
    for (const FieldSpec& spec : config::experimentFields()) {
      if (spec.section() != section.path) continue;
      Field& f = addField(spec, form, false);
      if (spec.path == "model.type") {
        m_model_type_combo = static_cast<QComboBox*>(f.editor);
        m_model_description = new QLabel(box);
        m_model_description->setObjectName(QStringLiteral("modelDescription"));
        m_model_description->setWordWrap(true);
        m_model_description->setForegroundRole(QPalette::PlaceholderText);
        form->addRow(QString(), m_model_description);
        m_model_params_layout = form;
      }
    }
    outer->addWidget(box);
  }
  outer->addStretch(1);
  updateRelevance();
}

ConfigFormWidget::Field& ConfigFormWidget::addField(const FieldSpec& spec, QFormLayout* layout,
                                                    bool model_param) {
  auto owned = std::make_unique<Field>();
  Field& f = *owned;
  f.spec = spec;
  f.model_param = model_param;
  f.default_json = defaultJson(spec);
  const QString path = qs(spec.path);

  f.row = new QWidget(layout->parentWidget());
  f.row->setObjectName(QStringLiteral("row:") + path);
  auto* h = new QHBoxLayout(f.row);
  h->setContentsMargins(0, 0, 0, 0);
  h->setSpacing(4);
  f.editor = makeEditor(f);
  f.editor->setObjectName(QStringLiteral("field:") + path);
  if (spec.kind == FieldSpec::Kind::Bool) {
    h->addWidget(f.editor);  // only the box is clickable: keep it compact
    h->addStretch(1);
  } else {
    f.editor->setMinimumWidth(150);
    h->addWidget(f.editor, 1);
  }

  f.error_mark = new QLabel(f.row);
  f.error_mark->setObjectName(QStringLiteral("error:") + path);
  const int icon = style()->pixelMetric(QStyle::PM_SmallIconSize);
  f.error_mark->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(icon, icon));
  f.error_mark->hide();
  h->addWidget(f.error_mark);

  f.reset = new QToolButton(f.row);
  f.reset->setObjectName(QStringLiteral("reset:") + path);
  f.reset->setAutoRaise(true);
  f.reset->setIcon(style()->standardIcon(QStyle::SP_DialogResetButton));
  f.reset->setFocusPolicy(Qt::NoFocus);
  // Keeps its room when hidden so rows do not jump as values change.
  QSizePolicy keep = f.reset->sizePolicy();
  keep.setRetainSizeWhenHidden(true);
  f.reset->setSizePolicy(keep);
  f.reset->hide();
  h->addWidget(f.reset);
  connect(f.reset, &QToolButton::clicked, this, [this, path] {
    Field* field = find(path);
    if (field == nullptr) return;
    const std::string value = field->spec.kind == FieldSpec::Kind::String
                                  ? config::quoteYamlString(field->spec.default_text)
                                  : field->spec.default_text;
    if (value.empty() || value == "''") {
      Q_EMIT valueRemoved(path);
    } else {
      Q_EMIT valueEdited(path, qs(value));
    }
  });

  f.label = new QLabel(qs(spec.name()), layout->parentWidget());
  f.label->setObjectName(QStringLiteral("label:") + path);
  f.label->setMinimumWidth(m_label_width);  // the same label column in every group
  f.label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  f.label->setBuddy(f.editor);
  layout->addRow(f.label, f.row);

  showValue(f, nullptr);
  (model_param ? m_model_fields : m_fields).push_back(std::move(owned));
  return f;
}

QWidget* ConfigFormWidget::makeEditor(Field& f) {
  const FieldSpec& spec = f.spec;
  const QString path = qs(spec.path);
  // Commits look the field up by path: model fields are rebuilt, pointers would dangle.
  auto commitLater = [this, path] {
    if (Field* field = find(path)) commit(*field);
  };
  QWidget* parent = this;
  switch (spec.kind) {
    case FieldSpec::Kind::Choice: {
      auto* combo = new QuietComboBox(parent);
      combo->setFocusPolicy(Qt::StrongFocus);
      for (const auto& c : spec.choices) combo->addItem(qs(c));
      if (spec.path == "model.type") {
        connect(combo, &QComboBox::currentIndexChanged, this, [this] { onModelTypeActivated(); });
      } else {
        connect(combo, &QComboBox::currentIndexChanged, this, commitLater);
      }
      return combo;
    }
    case FieldSpec::Kind::String:
      if (!spec.choices.empty() || spec.path == "data.dataset") {
        auto* combo = new QuietComboBox(parent);
        combo->setFocusPolicy(Qt::StrongFocus);
        combo->setEditable(true);
        combo->setInsertPolicy(QComboBox::NoInsert);
        for (const auto& c : spec.choices) combo->addItem(qs(c));
        if (spec.path == "data.dataset")
          combo->lineEdit()->setPlaceholderText(tr("name@version, e.g. digits@1"));
        connect(combo->lineEdit(), &QLineEdit::editingFinished, this, commitLater);
        connect(combo, &QComboBox::activated, this, commitLater);
        return combo;
      } else {
        auto* edit = new QLineEdit(parent);
        edit->setClearButtonEnabled(true);
        connect(edit, &QLineEdit::editingFinished, this, commitLater);
        return edit;
      }
    case FieldSpec::Kind::Int:
      // 64-bit values (trainer.seed) do not fit a spin box.
      if (!(std::isfinite(spec.max) && spec.max > INT_MAX) &&
          !(std::isfinite(spec.min) && spec.min < INT_MIN)) {
        auto* spin = new QuietSpinBox(parent);
        spin->setFocusPolicy(Qt::StrongFocus);
        spin->setKeyboardTracking(false);  // one edit per committed number, not per digit
        spin->setRange(std::isfinite(spec.min) ? static_cast<int>(spec.min) : -1000000000,
                       std::isfinite(spec.max) ? static_cast<int>(spec.max) : 1000000000);
        spin->setAccelerated(true);
        connect(spin, &QSpinBox::valueChanged, this, commitLater);
        return spin;
      } else {
        auto* edit = new QLineEdit(parent);
        edit->setValidator(
            new QRegularExpressionValidator(QRegularExpression(QStringLiteral("-?[0-9]+")), edit));
        connect(edit, &QLineEdit::editingFinished, this, commitLater);
        return edit;
      }
    case FieldSpec::Kind::Double: {
      auto* edit = new QLineEdit(parent);
      auto* validator = new QDoubleValidator(edit);
      validator->setLocale(QLocale::c());
      validator->setNotation(QDoubleValidator::ScientificNotation);
      edit->setValidator(validator);
      edit->setPlaceholderText(tr("e.g. 1e-3"));
      connect(edit, &QLineEdit::editingFinished, this, commitLater);
      return edit;
    }
    case FieldSpec::Kind::Bool: {
      auto* check = new QCheckBox(parent);
      connect(check, &QCheckBox::toggled, this, commitLater);
      return check;
    }
    case FieldSpec::Kind::IntList:
    case FieldSpec::Kind::Json:
    case FieldSpec::Kind::Invalid: {
      auto* edit = new QLineEdit(parent);
      QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
      edit->setFont(mono);
      edit->setPlaceholderText(spec.kind == FieldSpec::Kind::IntList ? tr("[64, 64]")
                                                                     : tr("YAML, e.g. [a, b]"));
      connect(edit, &QLineEdit::editingFinished, this, commitLater);
      return edit;
    }
  }
  return new QWidget(parent);
}

QString ConfigFormWidget::currentText(const Field& f) const {
  switch (f.spec.kind) {
    case FieldSpec::Kind::Choice:
      return static_cast<QComboBox*>(f.editor)->currentText();
    case FieldSpec::Kind::String: {
      const QString text = qobject_cast<QComboBox*>(f.editor)
                               ? static_cast<QComboBox*>(f.editor)->currentText()
                               : static_cast<QLineEdit*>(f.editor)->text();
      return qs(config::quoteYamlString(text.toStdString()));
    }
    case FieldSpec::Kind::Int:
      if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) return QString::number(spin->value());
      return static_cast<QLineEdit*>(f.editor)->text().trimmed();
    case FieldSpec::Kind::Bool:
      return static_cast<QCheckBox*>(f.editor)->isChecked() ? QStringLiteral("true")
                                                            : QStringLiteral("false");
    default:
      return static_cast<QLineEdit*>(f.editor)->text().trimmed();
  }
}

void ConfigFormWidget::commit(Field& f) {
  const QString path = qs(f.spec.path);
  const QString text = currentText(f);
  f.local_error.clear();
  const bool empty = text.isEmpty() || text == QStringLiteral("''");
  if (empty && !f.spec.required &&
      (f.spec.kind != FieldSpec::Kind::String || f.spec.default_text.empty())) {
    // Clearing an optional field removes the key; the default applies again.
    if (f.present) {
      f.present = false;
      f.shown = text;
      Q_EMIT valueRemoved(path);
    }
    updateMarks(f);
    return;
  }
  switch (f.spec.kind) {
    case FieldSpec::Kind::Int:
    case FieldSpec::Kind::Double: {
      const auto type = config::plainScalarType(text.toStdString());
      const bool yaml_number =
          type == ConfigNode::ScalarType::Int ||
          (f.spec.kind == FieldSpec::Kind::Double && type == ConfigNode::ScalarType::Float);
      bool ok = false;
      const double value = QLocale::c().toDouble(text, &ok);
      if (!yaml_number || !ok || std::isnan(value)) {
        f.local_error = f.spec.kind == FieldSpec::Kind::Int ? tr("Not an integer: %1").arg(text)
                                                            : tr("Not a number: %1").arg(text);
      } else if (!f.spec.inRange(value)) {
        f.local_error = tr("Must be %1").arg(boundText(f.spec));
      }
      break;
    }
    case FieldSpec::Kind::IntList:
    case FieldSpec::Kind::Json: {
      std::vector<config::ConfigError> errors;
      auto node = config::parseYaml(text.toStdString(), "value", &errors);
      if (!node || !errors.empty()) {
        f.local_error = tr("Not valid YAML: %1").arg(text);
      } else if (f.spec.kind == FieldSpec::Kind::IntList) {
        bool ok = node->isSequence();
        for (const auto& item : node->children) ok = ok && item.asInt().has_value();
        if (!ok) f.local_error = tr("Expected a list of integers, e.g. [64, 64]");
      }
      break;
    }
    default:
      break;
  }
  if (!f.local_error.isEmpty()) {
    updateMarks(f);
    return;
  }
  if (text == f.shown && f.present) {
    updateMarks(f);
    return;
  }
  if (text == f.shown && !f.present && f.spec.kind != FieldSpec::Kind::Bool) {
    // Unchanged default (focus left an untouched field): nothing to write.
    updateMarks(f);
    return;
  }
  f.shown = text;
  f.present = true;
  updateMarks(f);
  const ConfigNode* es = m_tree.findPath("trainer.early_stopping");
  if (f.spec.section() == "trainer.early_stopping" && es != nullptr && es->isScalar()) {
    // `early_stopping: true` has no keys to set: write the map it stands for.
    const QString enabled = qs(es->scalar);
    Q_EMIT valueEdited(
        QStringLiteral("trainer.early_stopping"),
        f.spec.name() == "enabled"
            ? text
            : QStringLiteral("{enabled: %1, %2: %3}").arg(enabled, qs(f.spec.name()), text));
  } else {
    Q_EMIT valueEdited(path, text);
  }
  updateRelevance();
}

void ConfigFormWidget::showValue(Field& f, const ConfigNode* node) {
  f.present = node != nullptr;
  f.origin.clear();
  f.inherited = false;
  f.local_error.clear();
  if (node != nullptr && node->origin.line > 0) {
    f.origin = qs(node->origin.text());
    f.inherited = !m_primary_file.isEmpty() && qs(node->origin.file) != m_primary_file;
  }
  std::optional<ConfigNode> fallback;
  if (node == nullptr && !f.spec.default_text.empty()) {
    if (f.spec.kind == FieldSpec::Kind::String || f.spec.kind == FieldSpec::Kind::Choice) {
      fallback = ConfigNode::makeString(f.spec.default_text);
    } else if (auto parsed = config::parseYaml(f.spec.default_text, "default")) {
      fallback = std::move(parsed).value();
    }
  }
  const ConfigNode* value = node != nullptr ? node : (fallback ? &*fallback : nullptr);
  f.differs = node != nullptr && !f.spec.required &&
              !(f.default_json.is_null() && node->isNull()) && node->toJson() != f.default_json;

  // What the widget shows (scalars as written; collections as flow text).
  QString display;
  if (value != nullptr && !value->isNull())
    display = value->isScalar() ? qs(value->scalar) : qs(flowYaml(*value));

  QWidget* focus = QApplication::focusWidget();
  const bool editing = focus != nullptr && (focus == f.editor || f.editor->isAncestorOf(focus));
  if (!editing) {
    const QSignalBlocker block(f.editor);
    switch (f.spec.kind) {
      case FieldSpec::Kind::Choice: {
        auto* combo = static_cast<QComboBox*>(f.editor);
        for (int i = combo->count() - 1; i >= 0; --i)
          if (combo->itemData(i, kExtraItemRole).toBool()) combo->removeItem(i);
        int index = combo->findText(display);
        if (index < 0 && !display.isEmpty()) {
          // An unknown value still shows (the error list says what is wrong with it).
          combo->addItem(display);
          index = combo->count() - 1;
          combo->setItemData(index, true, kExtraItemRole);
        }
        combo->setCurrentIndex(index);
        break;
      }
      case FieldSpec::Kind::String:
        if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
          const QSignalBlocker block_edit(combo->lineEdit());
          combo->setEditText(display);
        } else {
          static_cast<QLineEdit*>(f.editor)->setText(display);
        }
        break;
      case FieldSpec::Kind::Int:
        if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) {
          const auto i = value != nullptr ? value->asInt() : std::nullopt;
          if (i) {
            // An out-of-range value shows as it is (its error mark says why), not clamped.
            const int v = static_cast<int>(std::clamp<std::int64_t>(*i, INT_MIN, INT_MAX));
            const int lo = std::isfinite(f.spec.min) ? static_cast<int>(f.spec.min) : -1000000000;
            const int hi = std::isfinite(f.spec.max) ? static_cast<int>(f.spec.max) : 1000000000;
            spin->setRange(std::min(lo, v), std::max(hi, v));
            spin->setValue(v);
          }
        } else {
          static_cast<QLineEdit*>(f.editor)->setText(display);
        }
        break;
      case FieldSpec::Kind::Bool: {
        const auto b = value != nullptr ? value->asBool() : std::nullopt;
        static_cast<QCheckBox*>(f.editor)->setChecked(b.value_or(false));
        break;
      }
      default: {
        auto* edit = static_cast<QLineEdit*>(f.editor);
        edit->setText(display);
        edit->setCursorPosition(0);
        break;
      }
    }
  }
  // The config's value in the form a commit produces, so an untouched field never writes.
  if (value == nullptr || value->isNull()) {
    f.shown = f.spec.kind == FieldSpec::Kind::String ? QStringLiteral("''") : QString();
  } else if (f.spec.kind == FieldSpec::Kind::String) {
    f.shown = value->isScalar() ? qs(config::quoteYamlString(value->scalar)) : display;
  } else if (f.spec.kind == FieldSpec::Kind::Bool) {
    const auto b = value->asBool();
    f.shown = b ? (*b ? QStringLiteral("true") : QStringLiteral("false")) : display;
  } else if (f.spec.kind == FieldSpec::Kind::Int && qobject_cast<QSpinBox*>(f.editor) &&
             value->asInt()) {
    f.shown = QString::number(*value->asInt());
  } else {
    f.shown = display;
  }
  updateMarks(f);
}

void ConfigFormWidget::updateMarks(Field& f) {
  const QString path = qs(f.spec.path);
  const QString error = !f.local_error.isEmpty() ? f.local_error : m_errors.value(path);
  f.error_mark->setVisible(!error.isEmpty());
  f.error_mark->setToolTip(error);
  f.reset->setVisible(f.differs && !f.spec.default_text.empty());
  const std::string default_shown = f.spec.default_text.empty() ? "(none)" : f.spec.default_text;
  f.reset->setToolTip(tr("Reset to the default: %1").arg(qs(default_shown)));

  QFont font = f.label->font();
  font.setBold(f.differs);
  font.setItalic(f.inherited);
  f.label->setFont(font);
  // Active and inactive only: a dimmed (disabled) label keeps its grey.
  QPalette pal = f.label->palette();
  for (const auto group : {QPalette::Active, QPalette::Inactive})
    pal.setColor(
        group, QPalette::WindowText,
        !error.isEmpty() ? QColor(0xd0, 0x30, 0x30) : palette().color(group, QPalette::WindowText));
  f.label->setPalette(pal);

  QStringList tip;
  tip << QStringLiteral("<b>%1</b>").arg(path.toHtmlEscaped());
  if (!f.spec.help.empty()) tip << qs(f.spec.help).toHtmlEscaped();
  const QString bounds = boundText(f.spec);
  if (!bounds.isEmpty() &&
      (f.spec.kind == FieldSpec::Kind::Int || f.spec.kind == FieldSpec::Kind::Double))
    tip << tr("Range: %1").arg(bounds);
  tip << tr("Default: %1").arg(qs(default_shown).toHtmlEscaped());
  if (!f.origin.isEmpty())
    tip << (f.inherited ? tr("Inherited from %1") : tr("Set at %1")).arg(f.origin.toHtmlEscaped());
  if (!error.isEmpty())
    tip << QStringLiteral("<span style='color:#d03030'>%1</span>").arg(error.toHtmlEscaped());
  const QString html = tip.join(QStringLiteral("<br>"));
  f.label->setToolTip(html);
  f.editor->setToolTip(html);
}

void ConfigFormWidget::updateRelevance() {
  // Dim the labels of keys the current choices ignore (they still edit: switching the
  // optimiser later picks them up).
  auto text = [this](const char* path) {
    const Field* f = find(QLatin1StringView(path));
    return f != nullptr ? currentText(*f) : QString();
  };
  const QString optim = text("optim.name");
  const QString sched = text("scheduler.name");
  const bool es = text("trainer.early_stopping.enabled") == QStringLiteral("true");
  auto dim = [this](const char* path, bool used, const QString& when) {
    Field* f = find(QLatin1StringView(path));
    if (f == nullptr) return;
    f->label->setEnabled(used);
    f->label->setStatusTip(used ? QString() : tr("Used only with %1").arg(when));
  };
  dim("optim.momentum", optim == QStringLiteral("sgd"), QStringLiteral("sgd"));
  dim("optim.betas", optim.startsWith(QStringLiteral("adam")), QStringLiteral("adam, adamw"));
  dim("scheduler.step_size", sched == QStringLiteral("step"), QStringLiteral("step"));
  dim("scheduler.gamma", sched == QStringLiteral("step"), QStringLiteral("step"));
  dim("scheduler.patience", sched == QStringLiteral("reduce_on_plateau"),
      QStringLiteral("reduce_on_plateau"));
  dim("scheduler.factor", sched == QStringLiteral("reduce_on_plateau"),
      QStringLiteral("reduce_on_plateau"));
  dim("scheduler.min_lr",
      sched == QStringLiteral("cosine") || sched == QStringLiteral("reduce_on_plateau"),
      QStringLiteral("cosine, reduce_on_plateau"));
  for (const char* key : {"trainer.early_stopping.monitor", "trainer.early_stopping.mode",
                          "trainer.early_stopping.patience", "trainer.early_stopping.min_delta"})
    dim(key, es, QStringLiteral("early stopping enabled"));
}

ConfigFormWidget::Field* ConfigFormWidget::find(const QString& path) const {
  const std::string key = path.toStdString();
  for (const auto& f : m_fields)
    if (f->spec.path == key) return f.get();
  for (const auto& f : m_model_fields)
    if (f->spec.path == key) return f.get();
  return nullptr;
}

void ConfigFormWidget::setDatasetRefs(const QStringList& refs) {
  m_dataset_refs = refs;
  Field* f = find(QStringLiteral("data.dataset"));
  if (f == nullptr) return;
  auto* combo = static_cast<QComboBox*>(f->editor);
  const QSignalBlocker block(combo);
  const QSignalBlocker block_edit(combo->lineEdit());
  const QString text = combo->currentText();
  combo->clear();
  combo->addItems(refs);
  combo->setEditText(text);
}

QStringList ConfigFormWidget::modelTypes() const {
  QStringList types;
  for (const auto& m : m_catalog.value(QStringLiteral("models")).toArray()) {
    const QString type = m.toObject().value(QStringLiteral("type")).toString();
    if (!type.isEmpty()) types << type;
  }
  if (types.isEmpty())
    for (const auto& name : config::modelTypeNames()) types << qs(name);
  return types;
}

void ConfigFormWidget::setModelCatalog(const QJsonObject& catalog) {
  m_catalog = catalog;
  {
    const QSignalBlocker block(m_model_type_combo);
    m_model_type_combo->clear();
    for (const QString& type : modelTypes()) m_model_type_combo->addItem(type);
    for (const auto& m : m_catalog.value(QStringLiteral("models")).toArray()) {
      const QJsonObject o = m.toObject();
      const int index = m_model_type_combo->findText(o.value(QStringLiteral("type")).toString());
      if (index >= 0)
        m_model_type_combo->setItemData(index, o.value(QStringLiteral("description")).toString(),
                                        Qt::ToolTipRole);
    }
  }
  m_model_type.clear();  // rebuild the parameters from the new catalog
  setTree(m_tree, m_primary_file);
}

void ConfigFormWidget::setConfig(const config::ExperimentConfig& config) {
  setTree(config::toNode(config), m_primary_file);
}

void ConfigFormWidget::setTree(const ConfigNode& tree, const QString& primary_file) {
  m_tree = tree;
  m_primary_file = primary_file;
  // `early_stopping: true` is shorthand for {enabled: true}.
  const ConfigNode* es = tree.findPath("trainer.early_stopping");
  const bool es_shorthand = es != nullptr && es->isScalar();
  for (const auto& f : m_fields) {
    if (f->spec.path == "model.type") continue;
    if (es_shorthand && f->spec.path == "trainer.early_stopping.enabled") {
      showValue(*f, es);
      continue;
    }
    showValue(*f, tree.findPath(f->spec.path));
  }
  // Model type, then its parameters.
  Field* type_field = find(QStringLiteral("model.type"));
  const ConfigNode* type_node = tree.findPath("model.type");
  showValue(*type_field, type_node);
  const QString type = m_model_type_combo->currentText();
  const ConfigNode* model = tree.find("model");
  // Rebuild when the type or the set of keys changes; otherwise refresh in place.
  QStringList wanted;
  for (const auto& m : m_catalog.value(QStringLiteral("models")).toArray()) {
    const QJsonObject o = m.toObject();
    if (o.value(QStringLiteral("type")).toString() == type)
      wanted = o.value(QStringLiteral("params")).toObject().keys();
  }
  if (model != nullptr && model->isMap())
    for (const auto& child : model->children)
      if (child.key != "type" && !wanted.contains(qs(child.key))) wanted << qs(child.key);
  QStringList have;
  for (const auto& f : m_model_fields) have << qs(f->spec.path).mid(6);
  if (type != m_model_type || wanted != have) {
    rebuildModelParams(type, model);
  } else {
    for (const auto& f : m_model_fields)
      showValue(*f, model != nullptr ? model->find(f->spec.name()) : nullptr);
  }
  updateRelevance();
}

void ConfigFormWidget::rebuildModelParams(const QString& type, const ConfigNode* model) {
  for (const auto& f : m_model_fields) m_model_params_layout->removeRow(f->row);
  m_model_fields.clear();
  m_model_type = type;

  QJsonObject params;
  QString description;
  for (const auto& m : m_catalog.value(QStringLiteral("models")).toArray()) {
    const QJsonObject o = m.toObject();
    if (o.value(QStringLiteral("type")).toString() != type) continue;
    params = o.value(QStringLiteral("params")).toObject();
    description = o.value(QStringLiteral("description")).toString();
  }
  if (description.isEmpty() && m_catalog.isEmpty())
    description = tr("Hyperparameters appear here when the model catalog is loaded.");
  m_model_description->setText(description);
  m_model_description->setVisible(!description.isEmpty());

  for (auto it = params.begin(); it != params.end(); ++it) {
    FieldSpec spec;
    spec.path = "model." + it.key().toStdString();
    spec.kind = guessKind(it.key(), it.value());
    spec.default_text = jsonYaml(toNlohmann(it.value()));
    if (spec.kind == FieldSpec::Kind::String)
      spec.default_text = it.value().toString().toStdString();
    spec.help = tr("Hyperparameter of %1.").arg(type).toStdString();
    Field& f = addField(spec, m_model_params_layout, true);
    showValue(f, model != nullptr ? model->find(spec.name()) : nullptr);
  }
  if (model != nullptr && model->isMap()) {
    for (const auto& child : model->children) {
      if (child.key == "type" || params.contains(qs(child.key))) continue;
      FieldSpec spec;
      spec.path = "model." + child.key;
      spec.kind = FieldSpec::Kind::Json;
      spec.help = m_catalog.isEmpty()
                      ? tr("Model hyperparameter.").toStdString()
                      : tr("Not a parameter the catalog lists for %1.").arg(type).toStdString();
      Field& f = addField(spec, m_model_params_layout, true);
      showValue(f, &child);
    }
  }
}

void ConfigFormWidget::onModelTypeActivated() {
  Field* f = find(QStringLiteral("model.type"));
  const QString type = m_model_type_combo->currentText();
  if (f == nullptr || type.isEmpty() || type == f->shown) return;
  // Parameters the new type does not take would fail the model factory: drop them.
  QStringList keep;
  for (const auto& m : m_catalog.value(QStringLiteral("models")).toArray()) {
    const QJsonObject o = m.toObject();
    if (o.value(QStringLiteral("type")).toString() == type)
      keep = o.value(QStringLiteral("params")).toObject().keys();
  }
  if (!m_catalog.isEmpty()) {
    for (const auto& p : m_model_fields)
      if (p->present && !keep.contains(qs(p->spec.name()))) Q_EMIT valueRemoved(qs(p->spec.path));
  }
  f->shown = type;
  f->present = true;
  f->differs = true;
  updateMarks(*f);
  Q_EMIT valueEdited(QStringLiteral("model.type"), type);
  rebuildModelParams(type, nullptr);
}

void ConfigFormWidget::setFieldErrors(const QHash<QString, QString>& errors) {
  m_errors = errors;
  for (const auto& f : m_fields) updateMarks(*f);
  for (const auto& f : m_model_fields) updateMarks(*f);
}

QWidget* ConfigFormWidget::editorFor(const QString& path) const {
  const Field* f = find(path);
  return f != nullptr ? f->editor : nullptr;
}

QStringList ConfigFormWidget::fieldPaths() const {
  QStringList out;
  for (const auto& f : m_fields) out << qs(f->spec.path);
  for (const auto& f : m_model_fields) out << qs(f->spec.path);
  return out;
}

QString ConfigFormWidget::valueText(const QString& path) const {
  const Field* f = find(path);
  return f != nullptr ? currentText(*f) : QString();
}

bool ConfigFormWidget::differsFromDefault(const QString& path) const {
  const Field* f = find(path);
  return f != nullptr && f->differs;
}

QString ConfigFormWidget::fieldError(const QString& path) const {
  const Field* f = find(path);
  if (f == nullptr) return {};
  return !f->local_error.isEmpty() ? f->local_error : m_errors.value(path);
}

}  // namespace wb::ui
