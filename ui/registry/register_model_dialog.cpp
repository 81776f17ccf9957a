#include "ui/registry/register_model_dialog.h"

#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/registry/model_ref.h"

namespace wb::ui {

namespace {
/// The version number in the CLI's answer: {"version": 3} or {"version": {"version": 3, …}}.
int versionOf(const QJsonObject& result) {
  const QJsonValue v = result.value(QStringLiteral("version"));
  if (v.isDouble()) return v.toInt();
  if (v.isObject()) return v.toObject().value(QStringLiteral("version")).toInt();
  return 0;
}
}  // namespace

RegisterModelDialog::RegisterModelDialog(const QString& cli_path, const QString& workspace_root,
                                         const QString& run_id, const QString& run_label,
                                         QWidget* parent)
    : QDialog(parent), m_run_id(run_id), m_command(new WbCommand(cli_path, workspace_root, this)) {
  setWindowTitle(tr("Register Model"));
  setObjectName(QStringLiteral("RegisterModelDialog"));
  auto* form = new QFormLayout;
  auto* run =
      new QLabel(run_label.toHtmlEscaped() + QStringLiteral(" <span style=\"color:#777\">(") +
                     run_id.left(12) + QStringLiteral(")</span>"),
                 this);
  run->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow(tr("Run:"), run);
  m_name = new QLineEdit(this);
  m_name->setPlaceholderText(tr("a new or existing model name, e.g. iris"));
  m_name->setToolTip(tr("A new name starts at version 1; an existing one gets its next version"));
  form->addRow(tr("&Model name:"), m_name);
  m_checkpoint = new QComboBox(this);
  m_checkpoint->addItem(tr("Best (the best validation checkpoint)"), QStringLiteral("best"));
  m_checkpoint->addItem(tr("Last (the end of training)"), QStringLiteral("last"));
  form->addRow(tr("&Checkpoint:"), m_checkpoint);
  m_alias = new QComboBox(this);
  m_alias->setEditable(true);
  m_alias->addItems({QString(), QStringLiteral("staging"), QStringLiteral("production"),
                     QStringLiteral("champion")});
  m_alias->setToolTip(tr("Optional: point this alias at the new version"));
  form->addRow(tr("&Alias:"), m_alias);
  m_description = new QPlainTextEdit(this);
  m_description->setPlaceholderText(tr("What this version is, what changed"));
  m_description->setMaximumHeight(80);
  form->addRow(tr("&Description:"), m_description);
  m_tags = new QLineEdit(this);
  m_tags->setPlaceholderText(tr("key=value, key=value"));
  form->addRow(tr("&Tags:"), m_tags);

  m_message = new QLabel(this);
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 0);  // busy: packaging reports no steps
  m_progress->setVisible(false);
  m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  m_register = m_buttons->addButton(tr("&Register"), QDialogButtonBox::AcceptRole);
  m_register->setDefault(true);
  connect(m_register, &QPushButton::clicked, this, [this] { submit(); });
  connect(m_buttons, &QDialogButtonBox::rejected, this, &RegisterModelDialog::reject);
  connect(m_command, &WbCommand::finished, this, &RegisterModelDialog::onFinished);
  connect(m_name, &QLineEdit::textChanged, this, [this] { m_message->clear(); });

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(m_message);
  layout->addWidget(m_progress);
  layout->addWidget(m_buttons);
  resize(520, sizeHint().height());
}

void RegisterModelDialog::setModelNames(const QStringList& names) {
  auto* completer = new QCompleter(names, m_name);
  completer->setCaseSensitivity(Qt::CaseInsensitive);
  completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
  m_name->setCompleter(completer);
}

void RegisterModelDialog::setExistingAliases(const QHash<QString, QHash<QString, int>>& aliases) {
  m_aliases = aliases;
}

QString RegisterModelDialog::validate() const {
  const QString name = m_name->text().trimmed();
  if (name.isEmpty()) return tr("Enter a model name.");
  if (!registry::isValidModelName(name.toStdString()))
    return tr("'%1' is not a valid model name: a letter or digit, then letters, digits, _ - . "
              "(at most 100)")
        .arg(name);
  const QString alias = m_alias->currentText().trimmed();
  if (!alias.isEmpty() && !registry::isValidAlias(alias.toStdString()))
    return tr("'%1' is not a valid alias: a lower-case letter, then lower-case letters, digits, "
              "_ - (not 'latest')")
        .arg(alias);
  for (const QString& tag : m_tags->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
    if (!tag.contains(QLatin1Char('=')) || tag.trimmed().startsWith(QLatin1Char('=')))
      return tr("Tags are key=value pairs separated by commas ('%1')").arg(tag.trimmed());
  return {};
}

QStringList RegisterModelDialog::arguments() const {
  QStringList args = {QStringLiteral("models"), QStringLiteral("register"), m_run_id,
                      QStringLiteral("--name"), m_name->text().trimmed()};
  if (m_checkpoint->currentData().toString() != QLatin1String("best"))
    args << QStringLiteral("--checkpoint") << m_checkpoint->currentData().toString();
  const QString alias = m_alias->currentText().trimmed();
  if (!alias.isEmpty()) args << QStringLiteral("--alias") << alias;
  const QString description = m_description->toPlainText().trimmed();
  if (!description.isEmpty()) args << QStringLiteral("-d") << description;
  for (const QString& tag : m_tags->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
    args << QStringLiteral("--tag") << tag.trimmed();
  return args;
}

bool RegisterModelDialog::submit() {
  if (isBusy()) return false;
  if (const QString problem = validate(); !problem.isEmpty()) {
    m_message->setText(
        QStringLiteral("<span style=\"color:#c62828\">%1</span>").arg(problem.toHtmlEscaped()));
    return false;
  }
  const QString name = m_name->text().trimmed(), alias = m_alias->currentText().trimmed();
  const auto existing = m_aliases.value(name);
  if (alias == QLatin1String("production") && existing.contains(alias) && m_confirm &&
      !m_confirm(tr("Move production?"),
                 tr("production of %1 points at version %2. Move it to the version this "
                    "registers?")
                     .arg(name)
                     .arg(existing.value(alias))))
    return false;
  setBusy(true);
  m_message->setText(tr("Packaging the checkpoint and registering… (%1)")
                         .arg(QStringLiteral("wb models register")));
  m_command->start(arguments());
  return true;
}

void RegisterModelDialog::setBusy(bool busy) {
  m_progress->setVisible(busy);
  m_register->setEnabled(!busy);
  for (QWidget* w : {static_cast<QWidget*>(m_name), static_cast<QWidget*>(m_alias),
                     static_cast<QWidget*>(m_description), static_cast<QWidget*>(m_checkpoint),
                     static_cast<QWidget*>(m_tags)})
    w->setEnabled(!busy);
}

void RegisterModelDialog::reject() {
  if (isBusy()) {
    m_message->setText(tr("Cancelling…"));
    m_command->cancel();  // onFinished re-enables the form; a second Cancel closes
    return;
  }
  QDialog::reject();
}

void RegisterModelDialog::onFinished(const WbCommand::Outcome& outcome) {
  setBusy(false);
  if (outcome.cancelled) {
    m_message->setText(tr("Cancelled: nothing was registered."));
    return;
  }
  if (!outcome.ok) {
    m_message->setText(QStringLiteral("<span style=\"color:#c62828\">%1</span>")
                           .arg(outcome.error.toHtmlEscaped()));
    return;
  }
  QString model = outcome.result.value(QStringLiteral("name")).toString();
  if (model.isEmpty()) model = outcome.result.value(QStringLiteral("model")).toString();
  if (model.isEmpty()) model = m_name->text().trimmed();
  Q_EMIT registered(model, versionOf(outcome.result));
  accept();
}

}  // namespace wb::ui
