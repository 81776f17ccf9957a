#include "ui/registry/export_model_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/common/formatting.h"
#include "ui/registry/registry_format.h"

namespace wb::ui {

namespace {

constexpr double kParityLimit = 1e-4;  // what the issue asks every exported type to stay under

/// The first value under KEY anywhere in VALUE (the CLI's answer nests the parity result).
QJsonValue findKey(const QJsonValue& value, const QString& key) {
  if (value.isObject()) {
    const QJsonObject o = value.toObject();
    if (o.contains(key)) return o.value(key);
    for (auto it = o.begin(); it != o.end(); ++it)
      if (QJsonValue found = findKey(it.value(), key); !found.isUndefined()) return found;
  } else if (value.isArray()) {
    for (const QJsonValue& e : value.toArray())
      if (QJsonValue found = findKey(e, key); !found.isUndefined()) return found;
  }
  return QJsonValue(QJsonValue::Undefined);
}

QString extensionOf(const QString& format) {
  if (format == QLatin1String("onnx")) return QStringLiteral(".onnx");
  if (format == QLatin1String("safetensors")) return QStringLiteral(".safetensors");
  return QStringLiteral(".zip");
}

}  // namespace

ExportModelDialog::ExportModelDialog(const QString& cli_path, const QString& workspace_root,
                                     const registry::ModelVersion& version, QWidget* parent)
    : QDialog(parent),
      m_version(version),
      m_root(workspace_root),
      m_command(new WbCommand(cli_path, workspace_root, this)) {
  setWindowTitle(tr("Export %1").arg(registry_format::versionRef(version)));
  setObjectName(QStringLiteral("ExportModelDialog"));
  auto* form = new QFormLayout;
  m_format = new QComboBox(this);
  m_format->addItem(tr("Bundle — one file that serves anywhere (zip)"), QStringLiteral("bundle"));
  m_format->addItem(tr("ONNX — with a parity check in OpenCV"), QStringLiteral("onnx"));
  m_format->addItem(tr("safetensors — weights + JSON signature for PyTorch"),
                    QStringLiteral("safetensors"));
  form->addRow(tr("&Format:"), m_format);
  m_file = new QLineEdit(this);
  m_browse = new QPushButton(tr("Browse…"), this);
  auto* file_row = new QHBoxLayout;
  file_row->addWidget(m_file, 1);
  file_row->addWidget(m_browse);
  form->addRow(tr("&File:"), file_row);
  m_result = new QLabel(this);
  m_result->setWordWrap(true);
  m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 0);
  m_progress->setVisible(false);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  m_export = buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole);
  m_export->setDefault(true);
  connect(buttons, &QDialogButtonBox::rejected, this, &ExportModelDialog::reject);
  connect(m_export, &QPushButton::clicked, this, [this] { submit(); });
  connect(m_browse, &QPushButton::clicked, this, &ExportModelDialog::browse);
  connect(m_format, &QComboBox::currentIndexChanged, this, &ExportModelDialog::formatChanged);
  connect(m_command, &WbCommand::finished, this, &ExportModelDialog::onFinished);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(m_progress);
  layout->addWidget(m_result, 1);
  layout->addWidget(buttons);
  resize(600, 240);
  m_file->setText(QDir(m_root).filePath(QStringLiteral("%1-v%2%3")
                                            .arg(QString::fromStdString(version.model))
                                            .arg(version.version)
                                            .arg(extensionOf(QStringLiteral("bundle")))));
}

void ExportModelDialog::formatChanged() {
  const QString format = m_format->currentData().toString();
  QString path = m_file->text();
  for (const QString& ext :
       {QStringLiteral(".zip"), QStringLiteral(".onnx"), QStringLiteral(".safetensors")})
    if (path.endsWith(ext)) path.chop(ext.size());
  if (!path.isEmpty()) m_file->setText(path + extensionOf(format));
}

void ExportModelDialog::browse() {
  const QString format = m_format->currentData().toString();
  const QString file = QFileDialog::getSaveFileName(
      this, tr("Export to"), m_file->text(),
      tr("%1 files (*%2);;All files (*)").arg(format, extensionOf(format)));
  if (!file.isEmpty()) m_file->setText(file);
}

bool ExportModelDialog::submit() {
  if (isBusy()) return false;
  const QString file = m_file->text().trimmed();
  if (file.isEmpty()) {
    m_result->setText(tr("Choose the file to write."));
    return false;
  }
  setBusy(true);
  const QString format = m_format->currentData().toString();
  m_result->setText(format == QLatin1String("onnx")
                        ? tr("Exporting to ONNX and checking it in OpenCV against LibTorch…")
                        : tr("Exporting…"));
  m_command->start({QStringLiteral("models"), QStringLiteral("export"),
                    registry_format::versionRef(m_version), QStringLiteral("--format"), format,
                    QStringLiteral("-o"), QFileInfo(file).absoluteFilePath()});
  return true;
}

void ExportModelDialog::setBusy(bool busy) {
  m_progress->setVisible(busy);
  m_export->setEnabled(!busy);
  m_format->setEnabled(!busy);
  m_file->setEnabled(!busy);
  m_browse->setEnabled(!busy);
}

void ExportModelDialog::reject() {
  if (isBusy()) {
    m_result->setText(tr("Cancelling…"));
    m_command->cancel();
    return;
  }
  QDialog::reject();
}

void ExportModelDialog::onFinished(const WbCommand::Outcome& outcome) {
  setBusy(false);
  if (outcome.cancelled) {
    m_result->setText(tr("Cancelled."));
    return;
  }
  if (!outcome.ok) {
    m_result->setText(QStringLiteral("<span style=\"color:#c62828\">%1</span>")
                          .arg(outcome.error.toHtmlEscaped()));
    Q_EMIT failed(outcome.error);
    return;
  }
  const QString file = QFileInfo(m_file->text().trimmed()).absoluteFilePath();
  QString text =
      tr("Wrote <b>%1</b> (%2).").arg(file.toHtmlEscaped(), formatBytes(QFileInfo(file).size()));
  const QJsonValue diff = findKey(outcome.result, QStringLiteral("max_abs_diff"));
  if (diff.isDouble()) {
    QJsonValue runtime = findKey(outcome.result, QStringLiteral("runtime"));
    if (runtime.isUndefined()) runtime = findKey(outcome.result, QStringLiteral("checked_by"));
    const QJsonValue examples = findKey(outcome.result, QStringLiteral("examples"));
    const bool ok = diff.toDouble() < kParityLimit;
    text +=
        QStringLiteral("<br>") +
        tr("Parity: max |ONNX − LibTorch| = <b style=\"color:%1\">%2</b> over %3 example(s)%4 — %5")
            .arg(ok ? QStringLiteral("#2e7d32") : QStringLiteral("#c62828"),
                 formatValue(diff.toDouble()))
            .arg(examples.isDouble() ? examples.toInt() : 0)
            .arg(runtime.isString() ? tr(" in %1").arg(runtime.toString().toHtmlEscaped())
                                    : QString(),
                 ok ? tr("within %1").arg(formatValue(kParityLimit))
                    : tr("above %1!").arg(formatValue(kParityLimit)));
  }
  m_result->setText(text);
  Q_EMIT exported(file);
}

}  // namespace wb::ui
