#include "ui/datasets/import/import_source_page.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace wb::ui {

namespace {
bool isIdxName(const QString& name) {
  return name.contains(QStringLiteral("ubyte")) || name.contains(QStringLiteral(".idx"));
}
}  // namespace

ImportSourcePage::ImportSourcePage(QWidget* parent)
    : QWizardPage(parent),
      m_format(new QComboBox(this)),
      m_source(new QLineEdit(this)),
      m_browse_source(new QPushButton(tr("&Browse…"), this)),
      m_labels_label(new QLabel(tr("&Labels file:"), this)),
      m_labels(new QLineEdit(this)),
      m_browse_labels(new QPushButton(tr("B&rowse…"), this)),
      m_hint(new QLabel(this)),
      m_status(new QLabel(this)) {
  setObjectName(QStringLiteral("importSourcePage"));
  setTitle(tr("Source"));
  setSubTitle(tr("Choose what to import. Every import becomes a new, immutable dataset version."));
  m_format->setObjectName(QStringLiteral("formatCombo"));
  m_source->setObjectName(QStringLiteral("sourceEdit"));
  m_labels->setObjectName(QStringLiteral("labelsEdit"));
  m_format->addItem(tr("Image folder (one subfolder per class)"),
                    static_cast<int>(ImportFormat::ImageFolder));
  m_format->addItem(tr("Image folder + labels CSV (path,label)"),
                    static_cast<int>(ImportFormat::ImageFolderWithLabels));
  m_format->addItem(tr("MNIST IDX files (images + labels)"), static_cast<int>(ImportFormat::Mnist));
  m_format->addItem(tr("Table (CSV / TSV)"), static_cast<int>(ImportFormat::Table));
  m_format->addItem(tr("Text (CSV / JSONL)"), static_cast<int>(ImportFormat::Text));

  m_source->setPlaceholderText(tr("A folder or a file"));
  m_source->setClearButtonEnabled(true);
  auto* completer = new QCompleter(this);
  auto* fs_model = new QFileSystemModel(completer);
  fs_model->setRootPath(QString());
  completer->setModel(fs_model);
  m_source->setCompleter(completer);
  m_labels->setClearButtonEnabled(true);
  m_hint->setWordWrap(true);
  m_hint->setStyleSheet(QStringLiteral("color: palette(mid);"));
  m_status->setWordWrap(true);

  auto* source_row = new QHBoxLayout;
  source_row->addWidget(m_source, 1);
  source_row->addWidget(m_browse_source);
  auto* labels_row = new QHBoxLayout;
  labels_row->addWidget(m_labels, 1);
  labels_row->addWidget(m_browse_labels);
  auto* form = new QFormLayout(this);
  auto* format_label = new QLabel(tr("&Format:"), this);
  format_label->setBuddy(m_format);
  auto* source_label = new QLabel(tr("&Source:"), this);
  source_label->setBuddy(m_source);
  m_labels_label->setBuddy(m_labels);
  form->addRow(format_label, m_format);
  form->addRow(source_label, source_row);
  form->addRow(m_labels_label, labels_row);
  form->addRow(QString(), m_hint);
  form->addRow(QString(), m_status);

  connect(m_format, &QComboBox::currentIndexChanged, this, [this] { updateFormUi(); });
  connect(m_source, &QLineEdit::textChanged, this, [this](const QString& path) {
    const ImportFormat guess = guessFormat(path, format());
    if (guess != ImportFormat::Unknown && guess != format()) setFormat(guess);
    // MNIST: the labels file usually sits beside the images file.
    if (format() == ImportFormat::Mnist && m_labels->text().isEmpty()) {
      const QFileInfo info(path);
      QString name = info.fileName();
      if (name.contains(QStringLiteral("images"))) {
        name.replace(QStringLiteral("images"), QStringLiteral("labels"));
        name.replace(QStringLiteral("idx3"), QStringLiteral("idx1"));
        const QString labels = info.dir().filePath(name);
        if (QFileInfo::exists(labels)) m_labels->setText(labels);
      }
    }
    updateFormUi();
  });
  connect(m_labels, &QLineEdit::textChanged, this, [this] { updateFormUi(); });
  connect(m_browse_source, &QPushButton::clicked, this, &ImportSourcePage::browseSource);
  connect(m_browse_labels, &QPushButton::clicked, this, &ImportSourcePage::browseLabels);
  updateFormUi();
}

ImportFormat ImportSourcePage::format() const {
  return static_cast<ImportFormat>(m_format->currentData().toInt());
}

void ImportSourcePage::setFormat(ImportFormat format) {
  const int i = m_format->findData(static_cast<int>(format));
  if (i >= 0) m_format->setCurrentIndex(i);
}

QString ImportSourcePage::sourcePath() const { return m_source->text().trimmed(); }
QString ImportSourcePage::labelsPath() const {
  return needsLabels() ? m_labels->text().trimmed() : QString();
}
void ImportSourcePage::setSourcePath(const QString& path) { m_source->setText(path); }
void ImportSourcePage::setLabelsPath(const QString& path) { m_labels->setText(path); }

data::SourceFormat ImportSourcePage::sourceFormat() const {
  switch (format()) {
    case ImportFormat::ImageFolder:
    case ImportFormat::ImageFolderWithLabels:
      return data::SourceFormat::ImageFolder;
    case ImportFormat::Mnist:
      return data::SourceFormat::Mnist;
    case ImportFormat::Table:
      return data::SourceFormat::Table;
    case ImportFormat::Text:
      return data::SourceFormat::Text;
    case ImportFormat::Unknown:
      break;
  }
  return data::SourceFormat::Unknown;
}

bool ImportSourcePage::needsLabels() const {
  return format() == ImportFormat::ImageFolderWithLabels || format() == ImportFormat::Mnist;
}

bool ImportSourcePage::labelsRequired() const { return needsLabels(); }

ImportFormat ImportSourcePage::guessFormat(const QString& path, ImportFormat current) {
  const QFileInfo info(path.trimmed());
  if (path.trimmed().isEmpty() || !info.exists()) return ImportFormat::Unknown;
  if (info.isDir())
    return current == ImportFormat::ImageFolderWithLabels ? current : ImportFormat::ImageFolder;
  const QString name = info.fileName().toLower();
  if (isIdxName(name)) return ImportFormat::Mnist;
  const QString ext = info.suffix().toLower();
  if (ext == QStringLiteral("jsonl") || ext == QStringLiteral("ndjson")) return ImportFormat::Text;
  if (ext == QStringLiteral("csv") || ext == QStringLiteral("tsv") || ext == QStringLiteral("txt"))
    return current == ImportFormat::Text ? current : ImportFormat::Table;
  return ImportFormat::Unknown;
}

void ImportSourcePage::updateFormUi() {
  const ImportFormat f = format();
  const bool labels = needsLabels();
  m_labels_label->setVisible(labels);
  m_labels->setVisible(labels);
  m_browse_labels->setVisible(labels);
  switch (f) {
    case ImportFormat::ImageFolder:
      m_hint->setText(
          tr("JPEG and PNG files; the class is the first folder below the source "
             "(cats/001.jpg → class “cats”)."));
      m_labels_label->setText(tr("&Labels file:"));
      break;
    case ImportFormat::ImageFolderWithLabels:
      m_hint->setText(
          tr("JPEG and PNG files anywhere below the source; a CSV with columns path,label "
             "(paths relative to the source folder) gives each file its class."));
      m_labels_label->setText(tr("&Labels CSV:"));
      break;
    case ImportFormat::Mnist:
      m_hint->setText(
          tr("IDX files as published for MNIST and Fashion-MNIST (raw or .gz): the images "
             "file as source, the labels file below."));
      m_labels_label->setText(tr("&Labels IDX:"));
      break;
    case ImportFormat::Table:
      m_hint->setText(
          tr("Delimited text with a header row; the delimiter is detected. You pick the "
             "target column on the next page."));
      break;
    case ImportFormat::Text:
      m_hint->setText(
          tr("CSV with text columns and a label column, or JSON Lines (one object per line)."));
      break;
    case ImportFormat::Unknown:
      m_hint->clear();
      break;
  }
  // Say what is wrong with the paths, quietly.
  QString status;
  const QString source = sourcePath();
  if (!source.isEmpty()) {
    const QFileInfo info(source);
    const bool want_dir =
        f == ImportFormat::ImageFolder || f == ImportFormat::ImageFolderWithLabels;
    if (!info.exists())
      status = tr("No such file or folder.");
    else if (want_dir && !info.isDir())
      status = tr("Choose a folder for this format.");
    else if (!want_dir && info.isDir())
      status = tr("Choose a file for this format.");
    else if (labels && !labelsPath().isEmpty() && !QFileInfo(labelsPath()).isFile())
      status = tr("The labels file does not exist.");
  }
  m_status->setText(status.isEmpty()
                        ? QString()
                        : QStringLiteral("<span style='color:#c62828'>%1</span>").arg(status));
  Q_EMIT completeChanged();
}

bool ImportSourcePage::isComplete() const {
  const QString source = sourcePath();
  if (source.isEmpty()) return false;
  const QFileInfo info(source);
  const bool want_dir =
      format() == ImportFormat::ImageFolder || format() == ImportFormat::ImageFolderWithLabels;
  if (!info.exists() || info.isDir() != want_dir) return false;
  if (labelsRequired() && !QFileInfo(labelsPath()).isFile()) return false;
  return true;
}

bool ImportSourcePage::validatePage() {
  // A completion popup left open would keep taking keystrokes on the next pages.
  if (auto* completer = m_source->completer(); completer && completer->popup())
    completer->popup()->hide();
  return isComplete();
}

void ImportSourcePage::browseSource() {
  const QString start =
      sourcePath().isEmpty() ? QDir::homePath() : QFileInfo(sourcePath()).absolutePath();
  QString path;
  switch (format()) {
    case ImportFormat::ImageFolder:
    case ImportFormat::ImageFolderWithLabels:
      path = QFileDialog::getExistingDirectory(this, tr("Image Folder"), start);
      break;
    case ImportFormat::Mnist:
      path = QFileDialog::getOpenFileName(this, tr("MNIST Images File"), start,
                                          tr("IDX files (*ubyte* *.idx* *.gz);;All files (*)"));
      break;
    case ImportFormat::Table:
      path = QFileDialog::getOpenFileName(this, tr("Table"), start,
                                          tr("Delimited text (*.csv *.tsv *.txt);;All files (*)"));
      break;
    case ImportFormat::Text:
    case ImportFormat::Unknown:
      path = QFileDialog::getOpenFileName(
          this, tr("Text Dataset"), start,
          tr("Text data (*.csv *.tsv *.jsonl *.ndjson);;All files (*)"));
      break;
  }
  if (!path.isEmpty()) m_source->setText(QDir::toNativeSeparators(path));
}

void ImportSourcePage::browseLabels() {
  const QString start =
      sourcePath().isEmpty() ? QDir::homePath() : QFileInfo(sourcePath()).absolutePath();
  const QString filter = format() == ImportFormat::Mnist
                             ? tr("IDX files (*ubyte* *.idx* *.gz);;All files (*)")
                             : tr("CSV files (*.csv *.tsv);;All files (*)");
  const QString path = QFileDialog::getOpenFileName(this, tr("Labels File"), start, filter);
  if (!path.isEmpty()) m_labels->setText(QDir::toNativeSeparators(path));
}

}  // namespace wb::ui
