#include "ui/registry/promote_dialog.h"

#include <set>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/registry/registry_task.h"

namespace wb::ui {

namespace {
const QColor kPass(0x2e, 0x7d, 0x32);
const QColor kFail(0xc6, 0x28, 0x28);
}  // namespace

PromoteDialog::PromoteDialog(const Workspace& workspace, RegistrySnapshotPtr snapshot,
                             const QString& model, const QString& from, QWidget* parent)
    : QDialog(parent), m_workspace(workspace), m_snapshot(std::move(snapshot)) {
  setWindowTitle(tr("Promote Through a Gate"));
  setObjectName(QStringLiteral("PromoteDialog"));
  auto* form = new QFormLayout;
  m_model = new QComboBox(this);
  for (const auto& m : m_snapshot->models) m_model->addItem(QString::fromStdString(m.name));
  m_model->setCurrentText(model);
  form->addRow(tr("&Model:"), m_model);
  m_from = new QComboBox(this);
  m_from->setEditable(true);
  m_from->setToolTip(tr("The candidate: an alias or a version number (empty: the latest version)"));
  form->addRow(tr("&From:"), m_from);
  m_to = new QComboBox(this);
  m_to->setEditable(true);
  m_to->setToolTip(tr("The alias that moves to the candidate when the gate passes"));
  form->addRow(tr("&To alias:"), m_to);
  m_conditions = new QPlainTextEdit(this);
  m_conditions->setPlaceholderText(
      tr("One condition per line, as in the Runs filter, e.g.\n"
         "test/accuracy >= 0.95\nval/loss.min < 0.2"));
  m_conditions->setMaximumHeight(90);
  form->addRow(tr("&Require:"), m_conditions);
  m_better_than = new QComboBox(this);
  m_better_than->setEditable(true);
  m_better_than->setToolTip(
      tr("Optional: the candidate must beat this alias or version on the metric"));
  m_metric = new QComboBox(this);
  m_metric->setEditable(true);
  auto* better = new QHBoxLayout;
  better->addWidget(m_better_than, 1);
  better->addWidget(new QLabel(tr("on"), this));
  better->addWidget(m_metric, 2);
  form->addRow(tr("&Better than:"), better);
  m_reason = new QLineEdit(this);
  m_reason->setPlaceholderText(tr("Why (kept in the alias history)"));
  form->addRow(tr("Reason:"), m_reason);

  m_checks = new QTableWidget(0, 3, this);
  m_checks->setHorizontalHeaderLabels({tr("Result"), tr("Check"), tr("Values")});
  m_checks->verticalHeader()->hide();
  m_checks->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_checks->horizontalHeader()->setStretchLastSection(true);
  m_checks->setMinimumHeight(120);
  m_verdict = new QLabel(this);
  m_verdict->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  m_check = buttons->addButton(tr("&Check"), QDialogButtonBox::ActionRole);
  m_check->setToolTip(tr("Evaluate the gate without moving anything"));
  m_promote = buttons->addButton(tr("&Promote"), QDialogButtonBox::ApplyRole);
  m_promote->setDefault(true);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_check, &QPushButton::clicked, this, [this] { run(true); });
  connect(m_promote, &QPushButton::clicked, this, [this] { run(false); });
  connect(m_model, &QComboBox::currentTextChanged, this, [this] { fillChoices(); });

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(m_checks, 1);
  layout->addWidget(m_verdict);
  layout->addWidget(buttons);
  resize(620, 520);
  fillChoices();
  if (!from.isEmpty()) m_from->setCurrentText(from);
}

void PromoteDialog::fillChoices() {
  const std::string name = m_model->currentText().toStdString();
  QStringList refs, aliases = {QStringLiteral("production"), QStringLiteral("staging"),
                               QStringLiteral("champion")};
  std::set<std::string> metrics;
  if (const auto* m = m_snapshot->findModel(name))
    for (const auto& [alias, v] : m->aliases) {
      refs << QString::fromStdString(alias);
      if (!aliases.contains(QString::fromStdString(alias)))
        aliases << QString::fromStdString(alias);
    }
  for (const auto& v : m_snapshot->versions) {
    if (v.model != name) continue;
    refs << QString::number(v.version);
    if (v.metrics.is_object())
      for (auto it = v.metrics.begin(); it != v.metrics.end(); ++it) metrics.insert(it.key());
  }
  m_from->clear();
  m_from->addItems(QStringList{QString()} + refs);
  m_to->clear();
  m_to->addItems(aliases);
  m_better_than->clear();
  m_better_than->addItems(QStringList{QString()} + refs);
  m_metric->clear();
  for (const auto& k : metrics) m_metric->addItem(QString::fromStdString(k));
  const int test_acc = m_metric->findText(QStringLiteral("test/accuracy"));
  if (test_acc >= 0) m_metric->setCurrentIndex(test_acc);
}

registry::PromoteRequest PromoteDialog::request(bool dry_run) const {
  registry::PromoteRequest r;
  r.name = m_model->currentText().toStdString();
  r.from = m_from->currentText().trimmed().toStdString();
  r.to = m_to->currentText().trimmed().toStdString();
  for (const QString& line :
       m_conditions->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
    if (!line.trimmed().isEmpty()) r.require.push_back(line.trimmed().toStdString());
  r.better_than = m_better_than->currentText().trimmed().toStdString();
  if (!r.better_than.empty()) r.metric = m_metric->currentText().trimmed().toStdString();
  r.reason = m_reason->text().trimmed().toStdString();
  if (r.reason.empty()) r.reason = "promoted in the GUI";
  r.actor = "gui";
  r.dry_run = dry_run;
  return r;
}

void PromoteDialog::run(bool dry_run) {
  if (m_busy) return;
  const registry::PromoteRequest req = request(dry_run);
  if (req.to.empty()) {
    m_verdict->setText(tr("Choose the alias to move."));
    return;
  }
  if (!dry_run && req.to == "production" && m_confirm) {
    // Say from which version to which before production moves (the gate may still refuse).
    const auto* m = m_snapshot->findModel(req.name);
    QString from_text = tr("no version yet"), cand = tr("the latest version");
    if (m) {
      if (auto it = m->aliases.find("production"); it != m->aliases.end())
        from_text = tr("version %1").arg(it->second);
      bool numeric = false;
      const int n = QString::fromStdString(req.from).toInt(&numeric);
      if (req.from.empty() || req.from == "latest")
        cand = tr("version %1").arg(m->latest_version);
      else if (numeric)
        cand = tr("version %1").arg(n);
      else if (auto a = m->aliases.find(req.from); a != m->aliases.end())
        cand = tr("version %1").arg(a->second);
    }
    if (!m_confirm(tr("Move production"),
                   tr("Move production of %1 from %2 to %3?\n\nIt moves only if every check "
                      "passes.")
                       .arg(QString::fromStdString(req.name), from_text, cand)))
      return;
  }
  m_busy = true;
  m_check->setEnabled(false);
  m_promote->setEnabled(false);
  m_verdict->setText(dry_run ? tr("Checking…") : tr("Promoting…"));
  runRegistryTask<registry::GateResult>(
      m_workspace, this, [req](registry::ModelRegistry& reg) { return reg.promote(req); },
      [this, dry_run](const RegistryOutcome<registry::GateResult>& r) {
        m_busy = false;
        m_check->setEnabled(true);
        m_promote->setEnabled(true);
        if (!r.ok()) {
          m_checks->setRowCount(0);
          m_verdict->setText(QStringLiteral("<span style=\"color:%1\">%2</span>")
                                 .arg(kFail.name(), r.error.toHtmlEscaped()));
          Q_EMIT evaluated(false);
          return;
        }
        showResult(*r.value, dry_run);
      });
}

void PromoteDialog::showResult(const registry::GateResult& result, bool dry_run) {
  m_checks->setRowCount(static_cast<int>(result.checks.size()));
  for (int i = 0; i < static_cast<int>(result.checks.size()); ++i) {
    const auto& c = result.checks[static_cast<std::size_t>(i)];
    auto* verdict = new QTableWidgetItem(c.passed ? tr("PASS") : tr("FAIL"));
    verdict->setForeground(c.passed ? kPass : kFail);
    QFont f = verdict->font();
    f.setBold(true);
    verdict->setFont(f);
    m_checks->setItem(i, 0, verdict);
    m_checks->setItem(i, 1, new QTableWidgetItem(QString::fromStdString(c.condition)));
    auto* detail = new QTableWidgetItem(QString::fromStdString(c.detail));
    detail->setToolTip(detail->text());
    m_checks->setItem(i, 2, detail);
  }
  m_checks->resizeColumnToContents(0);
  m_checks->resizeColumnToContents(1);
  const QString name = m_model->currentText(), to = m_to->currentText().trimmed();
  const QString previous = result.previous ? tr("version %1").arg(*result.previous) : tr("nowhere");
  QString text;
  if (!result.passed)
    text =
        tr("<b style=\"color:%1\">Gate failed</b>: version %2 does not qualify; nothing changed.")
            .arg(kFail.name())
            .arg(result.candidate);
  else if (dry_run)
    text =
        tr("<b style=\"color:%1\">Gate passes</b>: Promote would move %2@%3 from %4 to version %5.")
            .arg(kPass.name(), name.toHtmlEscaped(), to.toHtmlEscaped(), previous)
            .arg(result.candidate);
  else
    text = tr("<b style=\"color:%1\">Promoted</b>: %2@%3 moved from %4 to version %5.")
               .arg(kPass.name(), name.toHtmlEscaped(), to.toHtmlEscaped(), previous)
               .arg(result.candidate);
  m_verdict->setText(text);
  Q_EMIT evaluated(result.passed);
  if (!dry_run && result.passed)
    Q_EMIT promoted(tr("%1@%2 promoted to version %3").arg(name, to).arg(result.candidate));
}

}  // namespace wb::ui
