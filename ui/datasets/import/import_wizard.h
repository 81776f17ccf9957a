#pragma once

#include <QStringList>
#include <QWizard>

#include "core/data/importer.h"
#include "core/workspace/workspace.h"

namespace wb::ui {

class ImportOptionsPage;
class ImportRunPage;
class ImportSourcePage;

/// File ▸ Import Dataset…: source and format, options, then the import itself with progress,
/// cancel, the result and the problems found. `imported` fires as soon as a version exists.
class ImportWizard : public QWizard {
  Q_OBJECT
 public:
  enum PageId { kSourcePage = 0, kOptionsPage, kRunPage };

  explicit ImportWizard(const Workspace& workspace, QWidget* parent = nullptr);

  /// Names of existing datasets (the name field completes them and says a version is added).
  void setExistingDatasets(const QStringList& names);
  /// The importer options the pages describe.
  data::ImportOptions options() const;

  ImportSourcePage* sourcePage() const { return m_source; }
  ImportOptionsPage* optionsPage() const { return m_options; }
  ImportRunPage* runPage() const { return m_run; }

  void initializePage(int id) override;
  void reject() override;

 Q_SIGNALS:
  void imported(const QString& ref);

 private:
  Workspace m_workspace;
  ImportSourcePage* m_source;
  ImportOptionsPage* m_options;
  ImportRunPage* m_run;
};

}  // namespace wb::ui
