#pragma once

#include <memory>
#include <vector>

#include <QHash>
#include <QJsonObject>
#include <QStringList>
#include <QWidget>

#include "core/config/config_node.h"
#include "core/config/config_schema.h"
#include "core/config/experiment_config.h"

class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QToolButton;
class QVBoxLayout;

namespace wb::ui {

/// The form side of the config editor, generated from config::experimentFields(): one group
/// per section, an editor per key (combo for choices, spin box for integers, a line edit that
/// takes scientific notation for reals, check box for booleans, flow text for lists), and a
/// Model group whose hyperparameter fields follow the chosen model type (from the catalog of
/// `wb models types --json`). Values are set without emitting; each user edit emits the key and its
/// new value as YAML, for the caller to write into the text.
class ConfigFormWidget : public QWidget {
  Q_OBJECT
 public:
  explicit ConfigFormWidget(QWidget* parent = nullptr);
  ~ConfigFormWidget() override;

  /// Suggestions for data.dataset ("digits@1", "digits@latest"…).
  void setDatasetRefs(const QStringList& refs);
  /// The model catalog: {"models":[{"type":"mlp","description":"…","params":{"hidden":[64,64],
  /// "dropout":0.0}}, …]}. A parameter's editor is guessed from its default's JSON type.
  void setModelCatalog(const QJsonObject& catalog);

  /// Shows a validated config. Emits nothing.
  void setConfig(const config::ExperimentConfig& config);
  /// Shows a composed tree, valid or not: absent keys show their defaults, values set in
  /// another file than PRIMARY_FILE (as origins name it) are marked as inherited. Emits nothing.
  /// A field being edited (it has the focus) keeps what the user is typing.
  void setTree(const config::ConfigNode& tree, const QString& primary_file = {});
  /// Marks fields with problems: dotted key -> message. Keys without a field are ignored.
  void setFieldErrors(const QHash<QString, QString>& errors);

  /// The editor of a field ("optim.lr", "model.type", "model.hidden"); nullptr when absent.
  QWidget* editorFor(const QString& path) const;
  /// Every field's dotted key, schema fields first, then the current model's parameters.
  QStringList fieldPaths() const;
  /// What a field shows, as YAML.
  QString valueText(const QString& path) const;
  bool differsFromDefault(const QString& path) const;
  QString fieldError(const QString& path) const;
  /// Model types offered (the catalog's, else the validator's).
  QStringList modelTypes() const;

 Q_SIGNALS:
  /// The user changed a field: write VALUE_YAML at DOTTED_KEY.
  void valueEdited(const QString& dotted_key, const QString& value_yaml);
  /// The user cleared an optional field, or a model parameter no longer applies.
  void valueRemoved(const QString& dotted_key);

 private:
  struct Field;

  void buildForm();
  Field& addField(const config::FieldSpec& spec, QFormLayout* layout, bool model_param);
  QWidget* makeEditor(Field& field);
  void commit(Field& field);
  void showValue(Field& field, const config::ConfigNode* node);
  void updateMarks(Field& field);
  void updateRelevance();
  void rebuildModelParams(const QString& type, const config::ConfigNode* model_node);
  void onModelTypeActivated();
  Field* find(const QString& path) const;
  QString currentText(const Field& field) const;

  std::vector<std::unique_ptr<Field>> m_fields;        // schema fields, fixed
  std::vector<std::unique_ptr<Field>> m_model_fields;  // rebuilt with the model type
  QHash<QString, QString> m_errors;
  QStringList m_dataset_refs;
  QJsonObject m_catalog;
  QString m_primary_file;
  QString m_model_type;       // the type whose parameters are shown
  config::ConfigNode m_tree;  // last tree shown
  int m_label_width = 0;

  QComboBox* m_model_type_combo = nullptr;
  QLabel* m_model_description = nullptr;
  QFormLayout* m_model_params_layout = nullptr;
};

}  // namespace wb::ui
