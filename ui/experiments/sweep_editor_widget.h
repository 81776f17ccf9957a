#pragma once

#include <cstddef>
#include <optional>

#include <QString>
#include <QStringList>
#include <QWidget>

#include "core/config/config_node.h"
#include "core/config/sweep.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QVBoxLayout;

namespace wb::ui {

/// Edits a config's `sweep:` block in W&B's shape: method (grid or random), the metric and its
/// goal, run cap and seed, and a table of swept keys, each with a list of values or a
/// distribution over [min, max]. Every committed change emits the whole block as YAML, for
/// the caller to write at the `sweep` key; the run count comes back through setRunCount.
class SweepEditorWidget : public QWidget {
  Q_OBJECT
 public:
  /// Table columns.
  enum Column { kKeyColumn, kKindColumn, kValuesColumn, kMinColumn, kMaxColumn, kColumnCount };

  explicit SweepEditorWidget(QWidget* parent = nullptr);

  /// Loads a `sweep:` block; nullptr or null turns the sweep off. Emits nothing. Ignored while
  /// one of the editor's fields has the focus (the user is typing there).
  void setSweep(const config::ConfigNode* block);
  /// The keys the parameter combos offer (schema paths, model parameters, group names).
  void setParameterKeys(const QStringList& keys);
  /// Metric names the metric combo offers ("val_loss", "val_accuracy"…).
  void setMetricNames(const QStringList& names);
  /// How many runs the sweep makes (countSweep), or why it cannot be counted.
  void setRunCount(std::optional<std::size_t> count, const QString& error = {});

  /// The block as YAML (block style, starting at column 0); empty when the sweep is off.
  QString blockYaml() const;
  bool sweepEnabled() const;
  /// Turns the sweep on or off, as the check box does (emits).
  void setSweepEnabled(bool enabled);

  /// Adds a parameter as the Add button and the row's fields would, and emits. VALUES is
  /// comma separated ("0.1, 0.01"); MIN and MAX are for distributions. Returns the row.
  int addParameter(const QString& key,
                   config::Distribution kind = config::Distribution::Categorical,
                   const QString& values = {}, const QString& min = {}, const QString& max = {});
  void removeParameter(int row);
  int parameterCount() const;

  QTableWidget* table() const { return m_table; }
  QLabel* runCountLabel() const { return m_run_count; }

 Q_SIGNALS:
  /// The block changed: replace the `sweep` key's value with BLOCK_YAML.
  void sweepEdited(const QString& block_yaml);
  /// The sweep was turned off: remove the `sweep` key.
  void sweepRemoved();

 private:
  struct Row {
    QString key;
    config::Distribution kind = config::Distribution::Categorical;
    QString values;  // comma separated YAML values
    QString min;
    QString max;
  };

  // Construction steps, run in this order: widget creation order is the tab order.
  QHBoxLayout* buildHeader();
  QFormLayout* buildSettingsForm();
  QTableWidget* buildParameterTable();
  void buildParameterButtons(QVBoxLayout* body);
  void connectSignals();

  int appendRow(const Row& row);
  Row rowAt(int row) const;
  void updateRowState(int row);
  void updateEnabled();
  void edited();
  bool hasFocusInside() const;

  QCheckBox* m_enabled;
  QWidget* m_body;
  QComboBox* m_method;
  QComboBox* m_metric;
  QComboBox* m_goal;
  QSpinBox* m_run_cap;
  QSpinBox* m_seed;
  QTableWidget* m_table;
  QPushButton* m_add;
  QPushButton* m_remove;
  QLabel* m_run_count;
  QStringList m_keys;
  QString m_last_emitted;
  bool m_loading = false;
};

}  // namespace wb::ui
