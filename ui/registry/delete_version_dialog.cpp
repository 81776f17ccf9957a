#include "ui/registry/delete_version_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include "ui/common/formatting.h"
#include "ui/registry/registry_task.h"

namespace wb::ui {

DeleteVersionDialog::DeleteVersionDialog(const Workspace& workspace, const QString& model,
                                         int version, QWidget* parent)
    : QDialog(parent), m_workspace(workspace), m_model(model), m_version(version) {
  setWindowTitle(tr("Delete %1 version %2").arg(model).arg(version));
  setObjectName(QStringLiteral("DeleteVersionDialog"));
  m_message = new QLabel(
      tr("Working out what deleting %1 version %2 frees…").arg(model).arg(version), this);
  m_message->setWordWrap(true);
  m_message->setMinimumWidth(420);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  m_delete = buttons->addButton(tr("&Delete"), QDialogButtonBox::DestructiveRole);
  m_delete->setIcon(style()->standardIcon(QStyle::SP_TrashIcon));
  m_delete->setEnabled(false);
  buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_delete, &QPushButton::clicked, this, &DeleteVersionDialog::runDelete);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_message);
  layout->addWidget(buttons);
  loadPlan();
}

void DeleteVersionDialog::loadPlan() {
  const std::string name = m_model.toStdString();
  const int version = m_version;
  runRegistryTask<registry::DeletePlan>(
      m_workspace, this,
      [name, version](registry::ModelRegistry& reg) { return reg.planDelete(name, version); },
      [this](const RegistryOutcome<registry::DeletePlan>& r) {
        m_plan_loaded = true;
        if (!r.ok()) {
          m_message->setText(tr("Cannot plan the deletion: %1").arg(r.error));
          m_plan.blocking_aliases = {"?"};  // nothing to delete through this dialog
        } else {
          showPlan(*r.value);
        }
        Q_EMIT planLoaded();
      });
}

void DeleteVersionDialog::showPlan(const registry::DeletePlan& plan) {
  m_plan = plan;
  if (!plan.blocking_aliases.empty()) {
    QStringList aliases;
    for (const auto& a : plan.blocking_aliases) aliases << QString::fromStdString(a);
    m_message->setText(
        tr("<b>%1 version %2 cannot be deleted:</b> %n alias(es) point at it (%3).<br>Move or "
           "remove %4 first, then delete it.",
           nullptr, static_cast<int>(aliases.size()))
            .arg(m_model.toHtmlEscaped())
            .arg(m_version)
            .arg(aliases.join(QStringLiteral(", ")).toHtmlEscaped(),
                 aliases.size() == 1 ? tr("the alias") : tr("the aliases")));
    m_delete->setEnabled(false);
    return;
  }
  m_message->setText(
      tr("Delete <b>%1 version %2</b>?<br><br>This frees <b>%3</b> (stored files no other version "
         "or run uses). The version number is not reused; the alias history stays.")
          .arg(m_model.toHtmlEscaped())
          .arg(m_version)
          .arg(formatBytes(plan.reclaim_bytes)));
  m_delete->setEnabled(true);
}

void DeleteVersionDialog::runDelete() {
  m_delete->setEnabled(false);
  const std::string name = m_model.toStdString();
  const int version = m_version;
  runRegistryTask<registry::DeletePlan>(
      m_workspace, this,
      [name, version](registry::ModelRegistry& reg) {
        return reg.deleteVersion(name, version, "gui");
      },
      [this](const RegistryOutcome<registry::DeletePlan>& r) {
        if (!r.ok()) {
          m_message->setText(tr("<b>Not deleted:</b> %1").arg(r.error.toHtmlEscaped()));
          return;
        }
        Q_EMIT deleted(tr("%1 version %2 deleted, %3 freed")
                           .arg(m_model)
                           .arg(m_version)
                           .arg(formatBytes(r.value->reclaim_bytes)));
        accept();
      });
}

}  // namespace wb::ui
