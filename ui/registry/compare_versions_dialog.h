#pragma once

#include <QDialog>

#include "ui/registry/registry_snapshot.h"

class QCheckBox;
class QComboBox;
class QTableWidget;

namespace wb::ui {

/// Two versions side by side: their metrics (with the difference) and their signature and
/// lineage field by field, differences highlighted. Reads the snapshot only: instant.
class CompareVersionsDialog : public QDialog {
  Q_OBJECT
 public:
  /// A and B are references as "iris/3".
  CompareVersionsDialog(RegistrySnapshotPtr snapshot, const QString& a, const QString& b,
                        QWidget* parent = nullptr);

  QComboBox* leftBox() const { return m_left; }
  QComboBox* rightBox() const { return m_right; }
  QTableWidget* metricsTable() const { return m_metrics; }
  QTableWidget* fieldsTable() const { return m_fields; }
  QCheckBox* onlyDifferencesBox() const { return m_only_diff; }

 private:
  void refresh();
  const registry::ModelVersion* find(const QString& ref) const;
  void fillMetrics(const registry::ModelVersion& a, const registry::ModelVersion& b);
  void fillFields(const registry::ModelVersion& a, const registry::ModelVersion& b);

  RegistrySnapshotPtr m_snapshot;
  QComboBox* m_left = nullptr;
  QComboBox* m_right = nullptr;
  QCheckBox* m_only_diff = nullptr;
  QTableWidget* m_metrics = nullptr;
  QTableWidget* m_fields = nullptr;
};

}  // namespace wb::ui
