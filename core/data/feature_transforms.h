#pragma once

#include "core/common/result.h"
#include "core/data/dataset.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wb::data {

/// Declared preprocessing of a table's feature columns, fitted on training rows and stored
/// with a model so serving applies exactly the same transformation.
///
/// Spec: a JSON array of steps (or an object {"steps": [...]}), each {"name": ...}:
/// - "standardize": numeric (Integer/Real) columns → (x - train mean) / train std, with the
///   population std (std 0 → 1). Without it numeric values pass through raw.
/// - "one_hot" (optional "max_categories", default 50): Categorical columns → one indicator
///   per train category, most frequent first, capped; unseen and missing → all zeros.
///   Without it a categorical column is one feature, its category index (unseen/missing → -1).
/// - "standardize_target": regression targets → (y - train mean) / train std.
/// Missing numeric cells become the train mean (0 after standardize). Text and Unknown columns
/// are not features. Feature order: the table's column order.
class TabularPipeline {
 public:
  /// Accepts a spec (array or {"steps": [...]}) or the toJson() of a pipeline, fitted or not.
  static Result<TabularPipeline> fromJson(const nlohmann::json& spec_or_fitted);

  /// Learns feature statistics from `train_rows` (indices into `rows`) and the target's
  /// encoding. `rows` hold cells in `columns` order. The class list is the sorted (byte-wise)
  /// distinct non-missing labels over all `rows`, so val/test labels always have an index.
  /// `task` Unknown → guessTask() of the target column. Column names and class labels must be
  /// valid UTF-8 (the state is JSON); categories that are not are left out (encoded as unseen).
  Status fit(const std::vector<ColumnInfo>& columns,
             const std::vector<std::vector<std::string>>& rows,
             const std::vector<std::size_t>& train_rows, const std::string& target_column,
             Task task = Task::Unknown);
  bool fitted() const { return m_fitted; }

  /// The spec when unfitted; with fitted state when fitted (input to fromJson()).
  nlohmann::json toJson() const;

  std::size_t featureCount() const { return m_feature_count; }
  /// One name per feature: the column name, or "column=category" for one-hot indicators.
  std::vector<std::string> featureNames() const;

  /// Writes featureCount() floats for one row whose cells are in the fitted columns' order
  /// (all columns, the target's cell is ignored). A non-numeric, non-missing cell in a numeric
  /// column is an Error naming the column and the value.
  Status transformRow(const std::vector<std::string>& cells, float* out) const;
  /// Same for a row given as column name → value (serving); absent features are missing.
  Status transformRecord(const std::map<std::string, std::string>& record, float* out) const;
  /// transformRow() of rows[indices[k]] into out + k * featureCount().
  Status transformRows(const std::vector<std::vector<std::string>>& rows,
                       const std::vector<std::size_t>& indices, float* out) const;

  const std::string& targetColumn() const { return m_target; }
  /// Index of the target among the fitted columns; -1 when unfitted.
  int targetIndex() const;
  Task task() const { return m_task; }
  /// Classification: the class names, a class's index is its position.
  const std::vector<std::string>& classes() const { return m_classes; }
  /// Classification → class index; regression → the value, standardized with
  /// "standardize_target". An unknown label or a non-numeric regression target is an Error.
  Result<float> transformTarget(std::string_view label) const;
  /// Undoes "standardize_target" on a model output (identity otherwise).
  double inverseTarget(double value) const;

 private:
  enum class Role { Unknown, Numeric, Categorical, Skipped, Target };
  struct Column {
    std::string name;
    Role role = Role::Unknown;
    double mean = 0, scale = 1;                          // numeric: (x - mean) / scale
    std::vector<std::string> categories;                 // categorical, most frequent first
    std::unordered_map<std::string, std::size_t> index;  // category → position
  };

  Status readSteps(const nlohmann::json& steps);
  void finishFit();
  Status encodeCell(const Column& column, const std::string* cell, float*& out) const;

  nlohmann::json m_steps = nlohmann::json::array();
  bool m_standardize = false;
  bool m_one_hot = false;
  std::size_t m_max_categories = 50;
  bool m_standardize_target = false;

  bool m_fitted = false;
  std::vector<Column> m_columns;  // every fitted column, in table order
  std::size_t m_feature_count = 0;
  std::string m_target;
  Task m_task = Task::Unknown;
  std::vector<std::string> m_classes;
  std::unordered_map<std::string, std::size_t> m_class_index;
  double m_target_mean = 0, m_target_scale = 1;
};

/// Declared text preprocessing, fitted on training texts and stored with a model.
///
/// Spec: a JSON array of steps (or {"steps": [...]}), applied in this fixed order:
/// - "lowercase": ASCII, Latin-1, Greek and Cyrillic letters; other bytes unchanged.
/// - "tokenize": split on bytes that are not ASCII letters/digits; bytes >= 0x80 are word
///   characters. Without it, tokens are split on ASCII whitespace.
/// - "ngrams" ("n", 2..8): after the unigrams, append the space-joined 2-grams, .., n-grams.
/// - exactly one of
///   "vocabulary" ("max_size" tokens excluding <pad>/<unk>, 0 = unlimited; "min_freq",
///   default 1): ids 0 = <pad>, 1 = <unk>, then tokens by train frequency desc, then byte-wise
///   ascending;
///   "hashing" ("buckets", default 262144): id = FNV-1a-64(token) % buckets + 1, 0 = <pad>.
class TextPipeline {
 public:
  static constexpr std::int64_t kPadId = 0;
  static constexpr std::int64_t kUnkId = 1;

  /// Accepts a spec (array or {"steps": [...]}) or the toJson() of a pipeline.
  static Result<TextPipeline> fromJson(const nlohmann::json& spec_or_fitted);

  /// Builds the vocabulary from the texts; for hashing pipelines it only marks the pipeline
  /// fitted. Refitting replaces the vocabulary. Tokens that are not valid UTF-8 are left out.
  Status fit(const std::vector<std::string>& train_texts);
  bool fitted() const { return m_fitted; }
  nlohmann::json toJson() const;

  /// Tokens after lowercase/tokenize/ngrams.
  std::vector<std::string> tokens(std::string_view text) const;
  /// Token ids (vocabulary: <unk> for unknown tokens, and for all tokens before fit()).
  std::vector<std::int64_t> encode(std::string_view text) const;
  /// Size of the id space: vocabulary tokens + 2, or buckets + 1.
  std::size_t vocabularySize() const;
  /// Vocabulary pipelines: the token of an id ("<pad>", "<unk>", ...); empty when unknown.
  std::string idToken(std::int64_t id) const;

  /// FNV-1a 64-bit hash of the bytes (the hashing step's function).
  static std::uint64_t fnv1a64(std::string_view bytes);

 private:
  Status readSteps(const nlohmann::json& steps);

  nlohmann::json m_steps = nlohmann::json::array();
  bool m_lowercase = false;
  bool m_tokenize = false;
  int m_ngrams = 1;
  bool m_hashing = false;
  std::uint64_t m_buckets = 0;
  std::size_t m_max_size = 0;
  std::size_t m_min_freq = 1;

  bool m_fitted = false;
  std::vector<std::string> m_vocabulary;  // id - 2 → token
  std::unordered_map<std::string, std::int64_t> m_ids;
};

}  // namespace wb::data
