#include "ui/datasets/import/import_options_page.h"

#include <fstream>

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/data/dataset_repository.h"
#include "ui/datasets/import/import_source_page.h"

namespace wb::ui {

namespace {

enum ColumnsColumn { kUse = 0, kName, kType, kDistinct, kMissing, kExamples, kColumnsCount };

struct PreviewResult {
  std::optional<data::Table> table;
  QString error;
  bool truncated = false;
};

// Parses the start of a table or JSONL file: enough rows to show the columns and their types.
PreviewResult parsePreview(const std::filesystem::path& path, bool jsonl, std::size_t max_rows,
                           std::uint64_t max_bytes) {
  PreviewResult out;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    out.error = QString::fromStdString(path.string() + ": " + ec.message());
    return out;
  }
  Result<data::Table> table = makeError("unreachable");
  if (size <= max_bytes) {
    data::TableParseOptions po;
    po.max_rows = max_rows;
    table = jsonl ? data::readJsonLinesFile(path) : data::readDelimitedFile(path, po);
  } else {
    // A big file: parse whole lines from its first max_bytes only.
    std::ifstream in(path, std::ios::binary);
    std::string text(max_bytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(max_bytes));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (const auto nl = text.rfind('\n'); nl != std::string::npos) text.resize(nl + 1);
    out.truncated = true;
    data::TableParseOptions po;
    po.max_rows = max_rows;
    const std::string name = path.filename().string();
    table = jsonl ? data::parseJsonLines(text, name) : data::parseDelimited(text, po, name);
  }
  if (!table) {
    out.error = QString::fromStdString(table.error().text());
    return out;
  }
  if (table->rows.size() >= max_rows) out.truncated = true;
  out.table = std::move(*table);
  return out;
}

QString defaultName(const QString& source) {
  const QFileInfo info(source);
  QString base = info.isDir() ? info.fileName() : info.completeBaseName();
  if (base.endsWith(QStringLiteral("-images-idx3-ubyte"))) base.chop(18);
  QString out;
  for (const QChar c : base) {
    if (c.isLetterOrNumber() && c.unicode() < 128)
      out += c;
    else if (c == QLatin1Char('-') || c == QLatin1Char('_') || c == QLatin1Char('.'))
      out += c;
    else if (!out.endsWith(QLatin1Char('-')))
      out += QLatin1Char('-');
  }
  while (out.endsWith(QLatin1Char('-')) || out.endsWith(QLatin1Char('.'))) out.chop(1);
  return out.left(64);
}

QSpinBox* percentSpin(int value, QWidget* parent) {
  auto* spin = new QSpinBox(parent);
  spin->setRange(0, 100);
  spin->setSuffix(QStringLiteral(" %"));
  spin->setValue(value);
  return spin;
}

}  // namespace

ImportOptionsPage::ImportOptionsPage(ImportSourcePage* source, QWidget* parent)
    : QWizardPage(parent),
      m_source_page(source),
      m_name(new QLineEdit(this)),
      m_name_status(new QLabel(this)),
      m_storage_label(new QLabel(tr("S&torage:"), this)),
      m_storage(new QComboBox(this)),
      m_columns_box(new QGroupBox(tr("Columns"), this)),
      m_columns_status(new QLabel(m_columns_box)),
      m_columns(new QTableWidget(0, kColumnsCount, m_columns_box)),
      m_target_label(new QLabel(tr("Tar&get column:"), m_columns_box)),
      m_target(new QComboBox(m_columns_box)),
      m_key(new QComboBox(m_columns_box)),
      m_task_label(new QLabel(tr("T&ask:"), m_columns_box)),
      m_task(new QComboBox(m_columns_box)),
      m_train(percentSpin(80, this)),
      m_val(percentSpin(10, this)),
      m_test(percentSpin(10, this)),
      m_seed(new QSpinBox(this)),
      m_split_status(new QLabel(this)),
      m_message(new QLineEdit(this)) {
  setObjectName(QStringLiteral("importOptionsPage"));
  setTitle(tr("Options"));
  setSubTitle(tr("Name the dataset and say how to read and split it."));
  setButtonText(QWizard::NextButton, tr("&Import"));
  m_name->setObjectName(QStringLiteral("nameEdit"));
  m_name->setValidator(new QRegularExpressionValidator(
      QRegularExpression(QStringLiteral("[A-Za-z0-9._-]{0,128}")), m_name));
  m_name->setPlaceholderText(tr("letters, digits, - _ ."));
  m_name_status->setWordWrap(true);
  m_storage->addItem(tr("Copy into the workspace (self-contained, deduplicated)"),
                     static_cast<int>(data::Storage::Objects));
  m_storage->addItem(tr("Track in place (hash only; the files must stay where they are)"),
                     static_cast<int>(data::Storage::InPlace));
  m_storage_label->setBuddy(m_storage);

  m_columns->setObjectName(QStringLiteral("columnsTable"));
  m_columns->setHorizontalHeaderLabels(
      {tr("Text input"), tr("Column"), tr("Type"), tr("Distinct"), tr("Missing"), tr("Examples")});
  m_columns->verticalHeader()->hide();
  m_columns->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_columns->setSelectionMode(QAbstractItemView::NoSelection);
  m_columns->horizontalHeader()->setStretchLastSection(true);
  m_columns->setWordWrap(false);
  m_columns->setMinimumHeight(150);
  m_target->setObjectName(QStringLiteral("targetCombo"));
  m_task->setObjectName(QStringLiteral("taskCombo"));
  m_target_label->setBuddy(m_target);
  m_task_label->setBuddy(m_task);
  m_key->setObjectName(QStringLiteral("keyCombo"));
  m_key->setToolTip(
      tr("A column that identifies rows across versions (diffs then see edits and "
         "relabels as such); without one, rows are identified by their content"));
  auto* key_label = new QLabel(tr("Row &key:"), m_columns_box);
  key_label->setBuddy(m_key);
  auto* target_row = new QHBoxLayout;
  target_row->addWidget(m_target_label);
  target_row->addWidget(m_target, 1);
  target_row->addSpacing(12);
  target_row->addWidget(m_task_label);
  target_row->addWidget(m_task, 1);
  target_row->addSpacing(12);
  target_row->addWidget(key_label);
  target_row->addWidget(m_key, 1);
  auto* columns_layout = new QVBoxLayout(m_columns_box);
  columns_layout->addWidget(m_columns_status);
  columns_layout->addWidget(m_columns, 1);
  columns_layout->addLayout(target_row);

  m_seed->setRange(0, std::numeric_limits<int>::max());
  m_seed->setValue(42);
  m_seed->setObjectName(QStringLiteral("seedSpin"));
  auto* split_row = new QHBoxLayout;
  for (auto [label, spin] : {std::pair{tr("Train"), m_train}, std::pair{tr("Val"), m_val},
                             std::pair{tr("Test"), m_test}, std::pair{tr("Seed"), m_seed}}) {
    auto* l = new QLabel(label, this);
    l->setBuddy(spin);
    split_row->addWidget(l);
    split_row->addWidget(spin);
    split_row->addSpacing(8);
  }
  split_row->addWidget(m_split_status, 1);
  m_message->setObjectName(QStringLiteral("messageEdit"));
  m_message->setPlaceholderText(tr("What this version is (optional)"));

  auto* form = new QFormLayout;
  auto* name_label = new QLabel(tr("&Name:"), this);
  name_label->setBuddy(m_name);
  form->addRow(name_label, m_name);
  form->addRow(QString(), m_name_status);
  form->addRow(m_storage_label, m_storage);
  auto* split_label = new QLabel(tr("Split:"), this);
  auto* message_label = new QLabel(tr("&Message:"), this);
  message_label->setBuddy(m_message);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(m_columns_box, 1);
  auto* form2 = new QFormLayout;
  form2->addRow(split_label, split_row);
  form2->addRow(message_label, m_message);
  layout->addLayout(form2);

  connect(m_name, &QLineEdit::textEdited, this, [this] { m_name_edited = true; });
  connect(m_name, &QLineEdit::textChanged, this, [this] {
    updateNameStatus();
    Q_EMIT completeChanged();
  });
  for (auto* spin : {m_train, m_val, m_test})
    connect(spin, &QSpinBox::valueChanged, this, [this] { updateSplitStatus(); });
  connect(m_target, &QComboBox::currentIndexChanged, this, [this] {
    // The target cannot be a text input; refresh the task guess.
    const QString target = m_target->currentText();
    for (int r = 0; r < m_columns->rowCount(); ++r) {
      auto* use = m_columns->item(r, kUse);
      if (!use) continue;
      const bool is_target = m_columns->item(r, kName)->text() == target;
      use->setFlags(is_target ? Qt::ItemIsUserCheckable
                              : (Qt::ItemIsUserCheckable | Qt::ItemIsEnabled));
      if (is_target) use->setCheckState(Qt::Unchecked);
    }
    if (m_preview && m_target->currentIndex() >= 0) {
      const auto& col = m_preview->columns[static_cast<std::size_t>(m_target->currentIndex())];
      m_task->setItemText(
          0, tr("Auto (%1)").arg(QString::fromUtf8(data::toString(data::guessTask(col)).data())));
    }
    Q_EMIT completeChanged();
  });
  m_task->addItem(tr("Auto"), static_cast<int>(data::Task::Unknown));
  m_task->addItem(tr("Classification"), static_cast<int>(data::Task::Classification));
  m_task->addItem(tr("Regression"), static_cast<int>(data::Task::Regression));
  updateSplitStatus();
}

void ImportOptionsPage::setExistingDatasets(const QStringList& names) {
  m_existing = names;
  auto* completer = new QCompleter(names, m_name);
  completer->setCaseSensitivity(Qt::CaseSensitive);
  m_name->setCompleter(completer);
  updateNameStatus();
}

void ImportOptionsPage::initializePage() {
  const QString source = m_source_page->sourcePath();
  const auto format = m_source_page->format();
  if (!m_name_edited || m_name->text().isEmpty()) m_name->setText(defaultName(source));
  const bool images =
      format == ImportFormat::ImageFolder || format == ImportFormat::ImageFolderWithLabels;
  m_storage_label->setVisible(images);
  m_storage->setVisible(images);
  if (!images) m_storage->setCurrentIndex(0);
  const bool tabular = m_source_page->isTabular();
  m_columns_box->setVisible(tabular);
  const bool text = format == ImportFormat::Text;
  m_columns->setColumnHidden(kUse, !text);
  m_task_label->setVisible(!text);
  m_task->setVisible(!text);
  m_columns_box->setTitle(text ? tr("Columns — tick the text inputs, pick the label")
                               : tr("Columns — pick the target"));
  m_target_label->setText(text ? tr("&Label column:") : tr("Tar&get column:"));
  const QString key = source + QLatin1Char('|') + QString::number(static_cast<int>(format));
  if (tabular && key != m_last_source) {
    m_last_source = key;
    loadColumns();
  }
  updateNameStatus();
}

void ImportOptionsPage::loadColumns() {
  const int generation = ++m_generation;
  m_preview.reset();
  m_columns_loading = true;
  m_columns->setRowCount(0);
  m_target->clear();
  m_key->clear();
  m_columns_status->setText(tr("Reading columns…"));
  Q_EMIT completeChanged();
  const std::filesystem::path path = m_source_page->sourcePath().toStdString();
  const QString ext = QFileInfo(m_source_page->sourcePath()).suffix().toLower();
  const bool jsonl = ext == QStringLiteral("jsonl") || ext == QStringLiteral("ndjson") ||
                     ext == QStringLiteral("json");
  auto* watcher = new QFutureWatcher<PreviewResult>(this);
  connect(watcher, &QFutureWatcher<PreviewResult>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    if (generation != m_generation) return;
    m_columns_loading = false;
    PreviewResult r = watcher->result();
    if (!r.table) {
      m_columns_status->setText(
          QStringLiteral("<span style='color:#c62828'>%1</span>")
              .arg(tr("Cannot read the file: %1").arg(r.error).toHtmlEscaped()));
      Q_EMIT completeChanged();
      Q_EMIT columnsLoaded(0);
      return;
    }
    m_preview = std::move(r.table);
    const QString delimiter = m_preview->delimiter == '\t' ? tr("tab")
                              : m_preview->delimiter == '\0'
                                  ? tr("JSON Lines")
                                  : QStringLiteral("“%1”").arg(QLatin1Char(m_preview->delimiter));
    m_columns_status->setText(
        tr("%n column(s) · %1 · types from %2", nullptr,
           static_cast<int>(m_preview->columns.size()))
            .arg(delimiter)
            .arg(r.truncated ? tr("the first %1 rows of a longer file").arg(m_preview->rows.size())
                             : tr("all %1 rows").arg(m_preview->rows.size())));
    fillColumns();
    Q_EMIT completeChanged();
    Q_EMIT columnsLoaded(static_cast<int>(m_preview->columns.size()));
  });
  watcher->setFuture(QtConcurrent::run([path, jsonl] {
    return parsePreview(path, jsonl, kPreviewRows, static_cast<std::uint64_t>(kPreviewBytes));
  }));
}

void ImportOptionsPage::fillColumns() {
  const auto& cols = m_preview->columns;
  const bool text = m_source_page->format() == ImportFormat::Text;
  // Defaults as the importer picks them: text → "label" else the last column.
  int target = static_cast<int>(cols.size()) - 1;
  for (std::size_t i = 0; text && i < cols.size(); ++i)
    if (cols[i].name == "label") target = static_cast<int>(i);
  {
    const QSignalBlocker block(m_target);
    m_target->clear();
    for (const auto& c : cols) m_target->addItem(QString::fromStdString(c.name));
    m_key->clear();
    m_key->addItem(tr("(none: by content)"), QString());
    for (const auto& c : cols)
      m_key->addItem(QString::fromStdString(c.name), QString::fromStdString(c.name));
  }
  m_columns->setRowCount(static_cast<int>(cols.size()));
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& c = cols[i];
    const int row = static_cast<int>(i);
    auto* use = new QTableWidgetItem;
    use->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
    use->setCheckState(text && c.type == data::ColumnType::Text && row != target ? Qt::Checked
                                                                                 : Qt::Unchecked);
    m_columns->setItem(row, kUse, use);
    m_columns->setItem(row, kName, new QTableWidgetItem(QString::fromStdString(c.name)));
    m_columns->setItem(row, kType,
                       new QTableWidgetItem(QString::fromUtf8(data::toString(c.type).data())));
    m_columns->setItem(row, kDistinct, new QTableWidgetItem(QString::number(c.distinct)));
    m_columns->setItem(row, kMissing, new QTableWidgetItem(QString::number(c.missing)));
    QStringList examples;
    for (std::size_t r = 0; r < m_preview->rows.size() && examples.size() < 3; ++r) {
      QString v = QString::fromStdString(m_preview->rows[r][i]).simplified();
      if (v.size() > 30) v = v.left(29) + QChar(0x2026);
      examples << v;
    }
    m_columns->setItem(row, kExamples, new QTableWidgetItem(examples.join(QStringLiteral(" | "))));
  }
  m_columns->resizeColumnsToContents();
  m_target->setCurrentIndex(target);
  // Nothing typed as text (short strings look categorical): offer the non-numeric columns.
  if (text && checkedTextColumns().isEmpty()) {
    for (std::size_t i = 0; i < cols.size(); ++i)
      if (static_cast<int>(i) != target && cols[i].type != data::ColumnType::Integer &&
          cols[i].type != data::ColumnType::Real)
        m_columns->item(static_cast<int>(i), kUse)->setCheckState(Qt::Checked);
  }
}

QStringList ImportOptionsPage::checkedTextColumns() const {
  QStringList out;
  for (int r = 0; r < m_columns->rowCount(); ++r)
    if (m_columns->item(r, kUse) && m_columns->item(r, kUse)->checkState() == Qt::Checked)
      out << m_columns->item(r, kName)->text();
  return out;
}

void ImportOptionsPage::setTextColumnChecked(const QString& column, bool checked) {
  for (int r = 0; r < m_columns->rowCount(); ++r)
    if (m_columns->item(r, kName)->text() == column)
      m_columns->item(r, kUse)->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

void ImportOptionsPage::updateNameStatus() {
  const QString name = m_name->text();
  QString text;
  if (name.isEmpty()) {
    text = tr("Give the dataset a name.");
  } else if (auto ref = data::DatasetRef::parse(name.toStdString()); !ref) {
    text = QStringLiteral("<span style='color:#c62828'>%1</span>")
               .arg(QString::fromStdString(ref.error().message));
  } else if (m_existing.contains(name)) {
    text = tr("“%1” exists: this import adds a new version to it.").arg(name);
  } else {
    text = tr("A new dataset.");
  }
  m_name_status->setText(text);
}

void ImportOptionsPage::updateSplitStatus() {
  const int sum = m_train->value() + m_val->value() + m_test->value();
  m_split_status->setText(
      sum == 0     ? QStringLiteral("<span style='color:#c62828'>%1</span>").arg(tr("all zero"))
      : sum == 100 ? QString()
                   : tr("sum %1: normalised to 100").arg(sum));
  Q_EMIT completeChanged();
}

bool ImportOptionsPage::isComplete() const {
  if (!data::DatasetRef::parse(m_name->text().toStdString())) return false;
  if (m_train->value() + m_val->value() + m_test->value() == 0) return false;
  if (m_source_page->isTabular() && (!m_preview || m_target->currentIndex() < 0)) return false;
  return true;
}

bool ImportOptionsPage::validatePage() {
  if (m_source_page->format() == ImportFormat::Text && checkedTextColumns().isEmpty()) {
    m_columns_status->setText(QStringLiteral("<span style='color:#c62828'>%1</span>")
                                  .arg(tr("Tick at least one text input column.")));
    return false;
  }
  return isComplete();
}

void ImportOptionsPage::apply(data::ImportOptions& o) const {
  o.dataset = m_name->text().toStdString();
  o.storage = static_cast<data::Storage>(m_storage->currentData().toInt());
  if (m_source_page->isTabular()) {
    o.target_column = m_target->currentText().toStdString();
    o.key_column = m_key->currentData().toString().toStdString();
    if (m_source_page->format() == ImportFormat::Table) {
      o.task = static_cast<data::Task>(m_task->currentData().toInt());
    } else {
      o.text_columns.clear();
      for (const auto& c : checkedTextColumns()) o.text_columns.push_back(c.toStdString());
    }
  }
  o.split.train = m_train->value() / 100.0;
  o.split.val = m_val->value() / 100.0;
  o.split.test = m_test->value() / 100.0;
  o.split.seed = static_cast<std::uint64_t>(m_seed->value());
  o.message = m_message->text().trimmed().toStdString();
}

}  // namespace wb::ui
