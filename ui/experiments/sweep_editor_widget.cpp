#include "ui/experiments/sweep_editor_widget.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

#include <climits>

#include "core/config/yaml_edit.h"

namespace wb::ui {

using config::ConfigNode;
using config::Distribution;

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

struct KindName {
  Distribution kind;
  const char* name;   // as written in the block ("values" = a categorical list)
  const char* label;  // as shown
};
const KindName kKinds[] = {
    {Distribution::Categorical, "values", "values"},
    {Distribution::Uniform, "uniform", "uniform"},
    {Distribution::LogUniform, "log_uniform", "log uniform"},
    {Distribution::IntUniform, "int_uniform", "int uniform"},
};

// Splits "0.1, [8, 8], 'a,b'" at the commas outside brackets and quotes.
QStringList splitValues(const QString& text) {
  QStringList out;
  QString current;
  int depth = 0;
  QChar quote;
  for (const QChar c : text) {
    if (!quote.isNull()) {
      if (c == quote) quote = QChar();
    } else if (c == u'\'' || c == u'"') {
      quote = c;
    } else if (c == u'[' || c == u'{') {
      ++depth;
    } else if ((c == u']' || c == u'}') && depth > 0) {
      --depth;
    } else if (c == u',' && depth == 0) {
      out << current.trimmed();
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.trimmed().isEmpty() || !out.isEmpty()) out << current.trimmed();
  out.removeAll(QString());
  return out;
}

// One value as flow YAML: typed when it reads as YAML, else a string.
QString valueYaml(const QString& item) {
  std::vector<config::ConfigError> errors;
  auto node = config::parseYaml(item.toStdString(), "value", &errors);
  if (node && errors.empty() && !node->isMap()) return qs(config::flowYaml(*node));
  return qs(config::quoteYamlString(item.toStdString()));
}

QString numberYaml(const QString& text) {
  const QString t = text.trimmed();
  return t.isEmpty() ? QStringLiteral("null") : valueYaml(t);
}

}  // namespace

SweepEditorWidget::SweepEditorWidget(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("sweepEditor"));
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(10, 10, 10, 10);
  outer->setSpacing(10);

  outer->addLayout(buildHeader());

  m_body = new QWidget(this);
  auto* body = new QVBoxLayout(m_body);
  body->setContentsMargins(0, 0, 0, 0);
  body->setSpacing(8);
  body->addLayout(buildSettingsForm());
  body->addWidget(buildParameterTable(), 1);
  buildParameterButtons(body);
  outer->addWidget(m_body, 1);
  connectSignals();
  updateEnabled();
}

QHBoxLayout* SweepEditorWidget::buildHeader() {
  auto* header = new QHBoxLayout;
  m_enabled = new QCheckBox(tr("Sweep over parameters"), this);
  m_enabled->setObjectName(QStringLiteral("sweepEnabled"));
  m_enabled->setToolTip(
      tr("Adds a sweep: block; the Sweep button then launches one run per "
         "combination (grid), per sample (random) or per proposal from the results so far "
         "(bayes)."));
  header->addWidget(m_enabled);
  header->addStretch(1);
  m_run_count = new QLabel(tr("1 run"), this);
  m_run_count->setObjectName(QStringLiteral("sweepRunCount"));
  QFont big = m_run_count->font();
  big.setBold(true);
  big.setPointSizeF(big.pointSizeF() * 1.15);
  m_run_count->setFont(big);
  header->addWidget(m_run_count);
  return header;
}

QFormLayout* SweepEditorWidget::buildSettingsForm() {
  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
  form->setHorizontalSpacing(10);

  m_method = new QComboBox(m_body);
  m_method->setObjectName(QStringLiteral("sweepMethod"));
  m_method->addItem(tr("grid: every combination"), QStringLiteral("grid"));
  m_method->addItem(tr("random: sample run cap configs"), QStringLiteral("random"));
  m_method->addItem(tr("bayes: each run proposed from the results so far"),
                    QStringLiteral("bayes"));
  form->addRow(tr("Method"), m_method);

  auto* metric_row = new QHBoxLayout;
  m_metric = new QComboBox(m_body);
  m_metric->setObjectName(QStringLiteral("sweepMetric"));
  m_metric->setEditable(true);
  m_metric->setInsertPolicy(QComboBox::NoInsert);
  m_metric->lineEdit()->setPlaceholderText(tr("optional, e.g. val_loss"));
  setMetricNames({QStringLiteral("val_loss"), QStringLiteral("val_accuracy"),
                  QStringLiteral("train_loss"), QStringLiteral("train_accuracy")});
  m_goal = new QComboBox(m_body);
  m_goal->setObjectName(QStringLiteral("sweepGoal"));
  m_goal->addItem(tr("minimize"), QStringLiteral("minimize"));
  m_goal->addItem(tr("maximize"), QStringLiteral("maximize"));
  metric_row->addWidget(m_metric, 1);
  metric_row->addWidget(m_goal);
  form->addRow(tr("Metric"), metric_row);

  auto* limits = new QHBoxLayout;
  m_run_cap = new QSpinBox(m_body);
  m_run_cap->setObjectName(QStringLiteral("sweepRunCap"));
  m_run_cap->setRange(0, 1000000);
  m_run_cap->setSpecialValueText(tr("no cap"));
  m_run_cap->setKeyboardTracking(false);
  m_run_cap->setToolTip(tr("Most runs to launch; required for random and bayes search."));
  m_seed = new QSpinBox(m_body);
  m_seed->setObjectName(QStringLiteral("sweepSeed"));
  m_seed->setRange(-1, INT_MAX);
  m_seed->setSpecialValueText(tr("trainer.seed"));
  m_seed->setValue(-1);
  m_seed->setKeyboardTracking(false);
  m_seed->setToolTip(tr("Seed of the random search (default: the config's trainer.seed)."));
  limits->addWidget(m_run_cap, 1);
  limits->addSpacing(12);
  limits->addWidget(new QLabel(tr("Seed"), m_body));
  limits->addWidget(m_seed, 1);
  form->addRow(tr("Run cap"), limits);
  return form;
}

QTableWidget* SweepEditorWidget::buildParameterTable() {
  m_table = new QTableWidget(0, kColumnCount, m_body);
  m_table->setObjectName(QStringLiteral("sweepParameters"));
  m_table->setHorizontalHeaderLabels(
      {tr("Key"), tr("Kind"), tr("Values (comma separated)"), tr("Min"), tr("Max")});
  m_table->verticalHeader()->hide();
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);  // cells are widgets
  m_table->horizontalHeader()->setSectionResizeMode(kKeyColumn, QHeaderView::Stretch);
  m_table->horizontalHeader()->setSectionResizeMode(kKindColumn, QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(kValuesColumn, QHeaderView::Stretch);
  m_table->horizontalHeader()->setSectionResizeMode(kMinColumn, QHeaderView::Interactive);
  m_table->horizontalHeader()->setSectionResizeMode(kMaxColumn, QHeaderView::Interactive);
  m_table->setColumnWidth(kMinColumn, 80);
  m_table->setColumnWidth(kMaxColumn, 80);
  m_table->verticalHeader()->setDefaultSectionSize(QComboBox().sizeHint().height() + 6);
  m_table->setMinimumHeight(160);
  return m_table;
}

void SweepEditorWidget::buildParameterButtons(QVBoxLayout* body) {
  auto* buttons = new QHBoxLayout;
  m_add = new QPushButton(style()->standardIcon(QStyle::SP_FileDialogNewFolder),
                          tr("Add parameter"), m_body);
  m_add->setObjectName(QStringLiteral("sweepAddParameter"));
  m_remove = new QPushButton(tr("Remove"), m_body);
  m_remove->setObjectName(QStringLiteral("sweepRemoveParameter"));
  buttons->addWidget(m_add);
  buttons->addWidget(m_remove);
  buttons->addStretch(1);
  body->addLayout(buttons);
  auto* hint = new QLabel(tr("A key is a dotted config key (optim.lr) or a defaults group "
                             "(optim: its options as values). Values are YAML, comma separated: "
                             "0.1, 0.01 or [8], [32, 32]."),
                          m_body);
  hint->setWordWrap(true);
  hint->setForegroundRole(QPalette::PlaceholderText);
  body->addWidget(hint);
}

void SweepEditorWidget::connectSignals() {
  connect(m_enabled, &QCheckBox::toggled, this, [this] {
    updateEnabled();
    edited();
  });
  connect(m_method, &QComboBox::currentIndexChanged, this, [this] {
    // Random and bayes search need a cap; offer one rather than an error.
    if (!m_loading && m_method->currentData().toString() != QStringLiteral("grid") &&
        m_run_cap->value() == 0) {
      const QSignalBlocker block(m_run_cap);
      m_run_cap->setValue(10);
    }
    for (int r = 0; r < m_table->rowCount(); ++r) updateRowState(r);
    edited();
  });
  connect(m_metric, &QComboBox::activated, this, [this] { edited(); });
  connect(m_metric->lineEdit(), &QLineEdit::editingFinished, this, [this] { edited(); });
  connect(m_goal, &QComboBox::currentIndexChanged, this, [this] { edited(); });
  connect(m_run_cap, &QSpinBox::valueChanged, this, [this] { edited(); });
  connect(m_seed, &QSpinBox::valueChanged, this, [this] { edited(); });
  connect(m_add, &QPushButton::clicked, this, [this] {
    const int row = appendRow(Row{});
    m_table->setCurrentCell(row, kKeyColumn);
    if (QWidget* key = m_table->cellWidget(row, kKeyColumn)) key->setFocus();
  });
  connect(m_remove, &QPushButton::clicked, this, [this] {
    int row = m_table->currentRow();
    for (int r = 0; r < m_table->rowCount(); ++r)
      for (int c = 0; c < kColumnCount; ++c)
        if (QWidget* w = m_table->cellWidget(r, c);
            w != nullptr && w->isAncestorOf(QApplication::focusWidget()))
          row = r;
    if (row < 0) row = m_table->rowCount() - 1;
    if (row >= 0) removeParameter(row);
  });
}

void SweepEditorWidget::setMetricNames(const QStringList& names) {
  const QSignalBlocker block(m_metric);
  const QString text = m_metric->currentText();
  m_metric->clear();
  m_metric->addItems(names);
  m_metric->setEditText(text);
}

void SweepEditorWidget::setParameterKeys(const QStringList& keys) {
  m_keys = keys;
  for (int r = 0; r < m_table->rowCount(); ++r) {
    auto* combo = static_cast<QComboBox*>(m_table->cellWidget(r, kKeyColumn));
    const QSignalBlocker block(combo);
    const QString text = combo->currentText();
    combo->clear();
    combo->addItems(keys);
    combo->setEditText(text);
  }
}

int SweepEditorWidget::appendRow(const Row& data) {
  const int row = m_table->rowCount();
  m_table->insertRow(row);
  const bool was_loading = m_loading;
  m_loading = true;

  auto* key = new QComboBox(m_table);
  key->setObjectName(QStringLiteral("sweepKey"));
  key->setEditable(true);
  key->setInsertPolicy(QComboBox::NoInsert);
  key->addItems(m_keys);
  key->setEditText(data.key);
  key->lineEdit()->setPlaceholderText(tr("optim.lr"));
  m_table->setCellWidget(row, kKeyColumn, key);

  auto* kind = new QComboBox(m_table);
  kind->setObjectName(QStringLiteral("sweepKind"));
  for (const KindName& k : kKinds) kind->addItem(tr(k.label), QLatin1StringView(k.name));
  for (int i = 0; i < kind->count(); ++i)
    if (kKinds[i].kind == data.kind) kind->setCurrentIndex(i);
  m_table->setCellWidget(row, kKindColumn, kind);

  auto* values = new QLineEdit(data.values, m_table);
  values->setObjectName(QStringLiteral("sweepValues"));
  values->setPlaceholderText(tr("0.1, 0.01, 0.001"));
  m_table->setCellWidget(row, kValuesColumn, values);
  auto* min = new QLineEdit(data.min, m_table);
  min->setObjectName(QStringLiteral("sweepMin"));
  auto* max = new QLineEdit(data.max, m_table);
  max->setObjectName(QStringLiteral("sweepMax"));
  m_table->setCellWidget(row, kMinColumn, min);
  m_table->setCellWidget(row, kMaxColumn, max);

  connect(key, &QComboBox::activated, this, [this] { edited(); });
  connect(key->lineEdit(), &QLineEdit::editingFinished, this, [this] { edited(); });
  connect(kind, &QComboBox::currentIndexChanged, this, [this, kind] {
    for (int r = 0; r < m_table->rowCount(); ++r)
      if (m_table->cellWidget(r, kKindColumn) == kind) updateRowState(r);
    edited();
  });
  for (QLineEdit* edit : {values, min, max})
    connect(edit, &QLineEdit::editingFinished, this, [this] { edited(); });
  updateRowState(row);
  m_loading = was_loading;
  return row;
}

void SweepEditorWidget::updateRowState(int row) {
  auto* kind = static_cast<QComboBox*>(m_table->cellWidget(row, kKindColumn));
  const bool categorical = kind->currentIndex() <= 0;
  m_table->cellWidget(row, kValuesColumn)->setEnabled(categorical);
  m_table->cellWidget(row, kMinColumn)->setEnabled(!categorical);
  m_table->cellWidget(row, kMaxColumn)->setEnabled(!categorical);
  const bool grid = m_method->currentData().toString() == QStringLiteral("grid");
  kind->setToolTip(
      grid && !categorical
          ? tr("Grid search needs a list of values; distributions need random or bayes.")
          : QString());
}

SweepEditorWidget::Row SweepEditorWidget::rowAt(int row) const {
  Row r;
  r.key = static_cast<QComboBox*>(m_table->cellWidget(row, kKeyColumn))->currentText().trimmed();
  const int kind = static_cast<QComboBox*>(m_table->cellWidget(row, kKindColumn))->currentIndex();
  r.kind = kKinds[std::max(0, kind)].kind;
  r.values = static_cast<QLineEdit*>(m_table->cellWidget(row, kValuesColumn))->text();
  r.min = static_cast<QLineEdit*>(m_table->cellWidget(row, kMinColumn))->text();
  r.max = static_cast<QLineEdit*>(m_table->cellWidget(row, kMaxColumn))->text();
  return r;
}

void SweepEditorWidget::updateEnabled() { m_body->setEnabled(m_enabled->isChecked()); }

bool SweepEditorWidget::sweepEnabled() const { return m_enabled->isChecked(); }

void SweepEditorWidget::setSweepEnabled(bool enabled) { m_enabled->setChecked(enabled); }

QString SweepEditorWidget::blockYaml() const {
  if (!m_enabled->isChecked()) return {};
  QStringList lines;
  lines << QStringLiteral("method: ") + m_method->currentData().toString();
  const QString metric = m_metric->currentText().trimmed();
  if (!metric.isEmpty())
    lines << QStringLiteral("metric: {name: %1, goal: %2}")
                 .arg(qs(config::quoteYamlString(metric.toStdString())),
                      m_goal->currentData().toString());
  if (m_run_cap->value() > 0) lines << QStringLiteral("run_cap: %1").arg(m_run_cap->value());
  if (m_seed->value() >= 0) lines << QStringLiteral("seed: %1").arg(m_seed->value());
  QStringList params;
  for (int r = 0; r < m_table->rowCount(); ++r) {
    const Row row = rowAt(r);
    if (row.key.isEmpty()) continue;  // a row being filled in
    const QString key = qs(config::quoteYamlString(row.key.toStdString()));
    QString value;
    if (row.kind == Distribution::Categorical) {
      QStringList items;
      for (const QString& item : splitValues(row.values)) items << valueYaml(item);
      value = QStringLiteral("{values: [%1]}").arg(items.join(QStringLiteral(", ")));
    } else {
      QString name;
      for (const KindName& k : kKinds)
        if (k.kind == row.kind) name = QLatin1StringView(k.name);
      value = QStringLiteral("{distribution: %1, min: %2, max: %3}")
                  .arg(name, numberYaml(row.min), numberYaml(row.max));
    }
    params << QStringLiteral("  ") + key + QStringLiteral(": ") + value;
  }
  if (params.isEmpty()) {
    lines << QStringLiteral("parameters: {}");
  } else {
    lines << QStringLiteral("parameters:");
    lines << params;
  }
  return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void SweepEditorWidget::edited() {
  if (m_loading) return;
  const QString block = blockYaml();
  if (block == m_last_emitted) return;
  m_last_emitted = block;
  if (block.isEmpty())
    Q_EMIT sweepRemoved();
  else
    Q_EMIT sweepEdited(block);
}

bool SweepEditorWidget::hasFocusInside() const {
  const QWidget* focus = QApplication::focusWidget();
  return focus != nullptr && isAncestorOf(focus) && focus != m_enabled && focus != m_add &&
         focus != m_remove;
}

void SweepEditorWidget::setSweep(const ConfigNode* block) {
  if (hasFocusInside()) return;
  const bool enabled = block != nullptr && !block->isNull();
  m_loading = true;
  const QSignalBlocker block_enabled(m_enabled);
  m_enabled->setChecked(enabled);
  // Clear everything, then fill what the block has (unknown keys: the error list names them).
  m_method->setCurrentIndex(0);
  m_metric->setEditText(QString());
  m_goal->setCurrentIndex(0);
  m_run_cap->setValue(0);
  m_seed->setValue(-1);
  m_table->setRowCount(0);
  if (enabled && block->isMap()) {
    if (const ConfigNode* method = block->find("method"); method && method->isScalar()) {
      const int index = m_method->findData(qs(method->scalar));
      m_method->setCurrentIndex(std::max(0, index));
    }
    if (const ConfigNode* metric = block->find("metric"); metric && metric->isMap()) {
      if (const ConfigNode* name = metric->find("name"); name && name->isScalar())
        m_metric->setEditText(qs(name->scalar));
      if (const ConfigNode* goal = metric->find("goal"); goal && goal->isScalar())
        m_goal->setCurrentIndex(std::max(0, m_goal->findData(qs(goal->scalar))));
    }
    if (const ConfigNode* cap = block->find("run_cap"); cap && cap->asInt())
      m_run_cap->setValue(static_cast<int>(std::clamp<std::int64_t>(*cap->asInt(), 0, 1000000)));
    if (const ConfigNode* seed = block->find("seed"); seed && seed->asInt())
      m_seed->setValue(static_cast<int>(std::clamp<std::int64_t>(*seed->asInt(), -1, INT_MAX)));
    if (const ConfigNode* params = block->find("parameters"); params && params->isMap()) {
      for (const ConfigNode& p : params->children) {
        Row row;
        row.key = qs(p.key);
        auto join = [](const std::vector<ConfigNode>& items) {
          QStringList out;
          for (const auto& item : items) out << qs(config::flowYaml(item));
          return out.join(QStringLiteral(", "));
        };
        if (p.isSequence()) {
          row.values = join(p.children);
        } else if (p.isMap()) {
          if (const ConfigNode* values = p.find("values"); values && values->isSequence())
            row.values = join(values->children);
          if (const ConfigNode* value = p.find("value")) row.values = qs(config::flowYaml(*value));
          const ConfigNode* dist = p.find("distribution");
          const ConfigNode* min = p.find("min");
          const ConfigNode* max = p.find("max");
          if (min) row.min = qs(config::flowYaml(*min));
          if (max) row.max = qs(config::flowYaml(*max));
          const std::string name = dist && dist->isScalar() ? dist->scalar : std::string();
          if (name == "uniform") row.kind = Distribution::Uniform;
          if (name == "log_uniform" || name == "log_uniform_values")
            row.kind = Distribution::LogUniform;
          if (name == "int_uniform") row.kind = Distribution::IntUniform;
          if (name.empty() && !p.find("values") && !p.find("value") && (min || max))
            row.kind = min && max && min->asInt() && max->asInt() ? Distribution::IntUniform
                                                                  : Distribution::Uniform;
        }
        appendRow(row);
      }
    }
  }
  updateEnabled();
  m_loading = false;
  m_last_emitted = blockYaml();
}

int SweepEditorWidget::addParameter(const QString& key, Distribution kind, const QString& values,
                                    const QString& min, const QString& max) {
  m_loading = true;
  if (!m_enabled->isChecked()) {
    const QSignalBlocker block(m_enabled);
    m_enabled->setChecked(true);
    updateEnabled();
  }
  Row row;
  row.key = key;
  row.kind = kind == Distribution::Unknown ? Distribution::Categorical : kind;
  row.values = values;
  row.min = min;
  row.max = max;
  const int index = appendRow(row);
  m_loading = false;
  edited();
  return index;
}

void SweepEditorWidget::removeParameter(int row) {
  if (row < 0 || row >= m_table->rowCount()) return;
  m_table->removeRow(row);
  edited();
}

int SweepEditorWidget::parameterCount() const { return m_table->rowCount(); }

void SweepEditorWidget::setRunCount(std::optional<std::size_t> count, const QString& error) {
  if (!count) {
    m_run_count->setText(tr("— runs"));
    m_run_count->setToolTip(error);
    return;
  }
  m_run_count->setText(*count == 1 ? tr("1 run") : tr("%1 runs").arg(*count));
  const QString method = m_method->currentData().toString();
  m_run_count->setToolTip(
      method == QStringLiteral("random") ? tr("Sampled configurations")
      : method == QStringLiteral("bayes")
          ? tr("Runs: a few random ones, then each proposed from the results (needs a metric)")
          : tr("Combinations of the parameters' values"));
}

}  // namespace wb::ui
