#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace wb::config {

/// One editable key of an experiment config, for generating a form. Choices, bounds and
/// defaults come from the same tables and structs the validator (experiment_config.cpp) uses.
struct FieldSpec {
  enum class Kind {
    Invalid,
    Int,
    Double,
    Bool,
    String,   // free text; CHOICES, when given, are suggestions (trainer.device)
    Choice,   // one of CHOICES
    IntList,  // a flow list of integers: [64, 64]
    Json,     // any YAML value, edited as flow text: [0.9, 0.999], [{name: normalize}]
  };

  std::string path;  // dotted key: "optim.lr"
  Kind kind = Kind::Invalid;
  std::vector<std::string> choices;
  double min = -std::numeric_limits<double>::infinity();  // Int, Double
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  // "> min" rather than ">= min" (optim.lr > 0)
  bool max_exclusive = false;
  std::string default_text;  // the value when the key is absent, as YAML ("" = none: required)
  std::string help;
  bool required = false;

  /// The section a form groups the field under: "optim", "trainer.early_stopping", "" (top).
  std::string section() const;
  /// The last part of the path: "lr".
  std::string name() const;
  /// Whether a number lies within [min, max] (with the exclusive ends).
  bool inRange(double value) const;
};

/// Every key the validator accepts outside the free-form sections (`model` hyperparameters,
/// `data.transforms` steps and `tags` values are free-form; `model.type`, `data.transforms`
/// and `tags` themselves are listed), in a form-friendly order.
const std::vector<FieldSpec>& experimentFields();

/// The field for PATH, or nullptr.
const FieldSpec* findField(std::string_view path);

/// The valid `model.type` names, in the validator's order.
const std::vector<std::string>& modelTypeNames();

}  // namespace wb::config
