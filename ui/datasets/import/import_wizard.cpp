#include "ui/datasets/import/import_wizard.h"

#include <QAbstractButton>

#include "ui/datasets/import/import_options_page.h"
#include "ui/datasets/import/import_run_page.h"
#include "ui/datasets/import/import_source_page.h"

namespace wb::ui {

ImportWizard::ImportWizard(const Workspace& workspace, QWidget* parent)
    : QWizard(parent),
      m_workspace(workspace),
      m_source(new ImportSourcePage(this)),
      m_options(new ImportOptionsPage(m_source, this)),
      m_run(new ImportRunPage(this)) {
  setObjectName(QStringLiteral("importWizard"));
  setWindowTitle(tr("Import Dataset"));
  setWizardStyle(QWizard::ClassicStyle);
  setOption(QWizard::NoBackButtonOnStartPage, true);
  setOption(QWizard::NoCancelButtonOnLastPage, false);
  setPage(kSourcePage, m_source);
  setPage(kOptionsPage, m_options);
  setPage(kRunPage, m_run);
  resize(760, 620);
  connect(m_run, &ImportRunPage::finished, this, [this](bool ok, const QString& ref) {
    if (ok) Q_EMIT imported(ref);
  });
}

void ImportWizard::setExistingDatasets(const QStringList& names) {
  m_options->setExistingDatasets(names);
}

data::ImportOptions ImportWizard::options() const {
  data::ImportOptions o;
  o.format = m_source->sourceFormat();
  o.source = m_source->sourcePath().toStdString();
  o.labels = m_source->labelsPath().toStdString();
  m_options->apply(o);
  return o;
}

void ImportWizard::initializePage(int id) {
  QWizard::initializePage(id);
  if (id == kRunPage) m_run->start(m_workspace, options());
}

void ImportWizard::reject() {
  // Closing while importing stops the import.
  m_run->cancel();
  QWizard::reject();
}

}  // namespace wb::ui
