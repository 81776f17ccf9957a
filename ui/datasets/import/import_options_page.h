#pragma once

#include <optional>

#include <QStringList>
#include <QWizardPage>

#include "core/data/importer.h"
#include "core/data/table_parse.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace wb::ui {

class ImportSourcePage;

/// Import wizard, page 2: the dataset name, storage (images), for tables and text the
/// detected columns with the target/label, task and text columns, then split and message.
/// Columns come from parsing the start of the file off the GUI thread.
class ImportOptionsPage : public QWizardPage {
  Q_OBJECT
 public:
  /// Rows parsed for the column preview.
  static constexpr std::size_t kPreviewRows = 500;
  static constexpr qint64 kPreviewBytes = 1 << 20;

  explicit ImportOptionsPage(ImportSourcePage* source, QWidget* parent = nullptr);

  /// Names of existing datasets (importing into one adds a version).
  void setExistingDatasets(const QStringList& names);
  /// Fills the importer's options from the form.
  void apply(data::ImportOptions& options) const;

  QLineEdit* nameEdit() const { return m_name; }
  QComboBox* storageCombo() const { return m_storage; }
  QComboBox* targetCombo() const { return m_target; }
  QComboBox* taskCombo() const { return m_task; }
  QComboBox* keyCombo() const { return m_key; }
  QTableWidget* columnsView() const { return m_columns; }
  QSpinBox* trainSpin() const { return m_train; }
  QSpinBox* valSpin() const { return m_val; }
  QSpinBox* testSpin() const { return m_test; }
  QSpinBox* seedSpin() const { return m_seed; }
  QLineEdit* messageEdit() const { return m_message; }
  /// The preview's columns, once parsed.
  const std::optional<data::Table>& previewTable() const { return m_preview; }
  QStringList checkedTextColumns() const;
  void setTextColumnChecked(const QString& column, bool checked);

  void initializePage() override;
  bool isComplete() const override;
  bool validatePage() override;

 Q_SIGNALS:
  void columnsLoaded(int count);

 private:
  void loadColumns();
  void fillColumns();
  void updateNameStatus();
  void updateSplitStatus();

  ImportSourcePage* m_source_page;
  QStringList m_existing;
  QString m_last_source;
  bool m_name_edited = false;
  int m_generation = 0;
  bool m_columns_loading = false;
  std::optional<data::Table> m_preview;

  QLineEdit* m_name;
  QLabel* m_name_status;
  QLabel* m_storage_label;
  QComboBox* m_storage;
  QGroupBox* m_columns_box;
  QLabel* m_columns_status;
  QTableWidget* m_columns;
  QLabel* m_target_label;
  QComboBox* m_target;
  QComboBox* m_key;
  QLabel* m_task_label;
  QComboBox* m_task;
  QSpinBox* m_train;
  QSpinBox* m_val;
  QSpinBox* m_test;
  QSpinBox* m_seed;
  QLabel* m_split_status;
  QLineEdit* m_message;
};

}  // namespace wb::ui
