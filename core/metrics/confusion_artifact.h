#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace wb::store {
class Database;
}
namespace wb::objects {
class ObjectStore;
}

namespace wb::metrics {

/// A classifier's confusion matrix as the trainer stores it: the run artifact
/// confusion_matrix_test.json (or _val.json when there is no test split).
struct ConfusionArtifact {
  /// Artifact names in the order they are preferred: the test split is what the final model
  /// was measured on.
  static constexpr std::array<std::string_view, 2> kNames = {"confusion_matrix_test.json",
                                                             "confusion_matrix_val.json"};

  int classes = 0;
  std::vector<std::string> labels;   // one per class; "0", "1", … where the file has none
  std::vector<std::int64_t> counts;  // row-major: row = true class, column = predicted
  std::vector<double> precision;     // per class
  std::vector<double> recall;        // per class
  double accuracy = 0;
  std::int64_t total = 0;
  std::string split;  // "test" or "val" (from the artifact's name); empty when parsed alone

  std::int64_t at(int true_class, int predicted) const {
    return counts[static_cast<std::size_t>(true_class) * static_cast<std::size_t>(classes) +
                  static_cast<std::size_t>(predicted)];
  }
  std::int64_t rowTotal(int true_class) const;
  std::int64_t columnTotal(int predicted) const;
};

/// Parses the artifact's JSON ("classes", "labels", "matrix", optional "precision", "recall",
/// "accuracy"). Precision, recall and accuracy are derived from the matrix when the file lacks
/// them. An error for anything malformed.
Result<ConfusionArtifact> parseConfusionArtifact(std::string_view json);

/// Reads a run's confusion matrix from the object store (the test split's first). nullopt when
/// the run stored none; an error naming the artifact when one is unreadable or malformed.
Result<std::optional<ConfusionArtifact>> readConfusionArtifact(store::Database& db,
                                                               const objects::ObjectStore& objects,
                                                               const std::string& run_id);

}  // namespace wb::metrics
