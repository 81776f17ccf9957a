#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace wb::data {

enum class DatasetKind { Unknown, Images, Tabular, Text };
enum class Split : std::uint8_t { Train = 0, Val = 1, Test = 2, Unassigned = 3 };
enum class Task { Unknown, Classification, Regression };
enum class Storage { Unknown, Objects, InPlace };
enum class ColumnType { Unknown, Integer, Real, Categorical, Text };

std::string_view toString(DatasetKind kind);
std::string_view toString(Split split);
std::string_view toString(Task task);
std::string_view toString(Storage storage);
std::string_view toString(ColumnType type);
DatasetKind datasetKindFromString(std::string_view text);
std::optional<Split> splitFromString(std::string_view text);
Task taskFromString(std::string_view text);
Storage storageFromString(std::string_view text);
ColumnType columnTypeFromString(std::string_view text);

/// What an importer noticed and skipped: the file (or file:line) and why.
struct ImportProblem {
  std::string path;
  std::string reason;
};

/// Per-column facts of a table, over the non-missing cells.
struct ColumnInfo {
  std::string name;
  ColumnType type = ColumnType::Unknown;
  std::size_t missing = 0;
  std::size_t distinct = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;  // numeric columns
  std::vector<std::pair<std::string, std::size_t>> top_values;  // most frequent first
};

/// One sample of a version. `key` is its identity across versions: the relative path of an
/// image, or the row key of a table/text row.
struct Sample {
  std::string key;
  std::string hash;   // SHA-256 of the file bytes (images) or of the canonical row text
  std::string label;  // class name, or the numeric target as text; empty when unlabelled
  Split split = Split::Unassigned;
  std::uint64_t size_bytes = 0;
  int width = 0, height = 0, channels = 0;  // images
  std::vector<std::string> values;          // tabular/text: cells in Manifest::columns order
};

/// Deterministic stratified split. Ratios need not sum to 1; they are normalised.
struct SplitSpec {
  double train = 0.8, val = 0.1, test = 0.1;
  std::uint64_t seed = 42;
  bool stratify = true;
};

/// An immutable dataset version's content, stored as one object (JSON). It holds no times or
/// names, so importing the same data twice yields the same manifest object.
struct Manifest {
  static constexpr int kFormat = 1;
  DatasetKind kind = DatasetKind::Unknown;
  Task task = Task::Unknown;
  Storage storage = Storage::Objects;
  std::string source_root;  // InPlace: absolute folder the sample keys are relative to
  std::vector<std::string> classes;  // sorted class names (classification)
  std::vector<ColumnInfo> columns;   // tabular/text: every column kept, in file order
  std::string target_column;         // tabular: the label column; text: the label column
  std::vector<std::string> text_columns;  // text: the columns joined into the input text
  SplitSpec split;
  std::vector<Sample> samples;  // sorted by key
  std::vector<ImportProblem> problems;

  std::string toJson() const;
  static Result<Manifest> fromJson(std::string_view json);
  int columnIndex(std::string_view name) const;
};

/// True when KEY can name a file under a folder: relative, non-empty, no `..` component, no
/// NUL. Image sample keys become paths (checkout, in-place storage), so a manifest from an
/// untrusted workspace with any other key is refused when it is read.
bool isSafeSampleKey(std::string_view key);

/// An image sample's shape as decoded (channels: 1 = gray, 3 = RGB).
struct ImageShape {
  int width = 0, height = 0, channels = 0;
  auto operator<=>(const ImageShape&) const = default;
};
/// "28x28 gray", "640x427 RGB".
std::string toString(const ImageShape& shape);

/// Counts and shapes shown in lists and the summary page, computed from a manifest.
struct ManifestStats {
  std::size_t samples = 0;
  std::size_t problems = 0;
  std::uint64_t total_bytes = 0;
  std::size_t split_counts[4] = {0, 0, 0, 0};
  std::map<std::string, std::array<std::size_t, 4>> class_split_counts;  // label → per split
  std::map<std::pair<int, int>, std::size_t> image_sizes;                // (w, h) → count
  std::size_t min_text_chars = 0, max_text_chars = 0;
  double mean_text_chars = 0;
  // Images: the most common shape (ties: the fewest pixels) and, as warnings, every sample of
  // another size or channel count (imported all the same; training uses the dominant shape).
  std::optional<ImageShape> dominant_shape;
  std::vector<ImportProblem> shape_warnings;  // key, "640x427 RGB, not the dataset's 28x28 gray"

  /// toJson lists at most this many shape warnings (all are counted).
  static constexpr std::size_t kMaxStoredShapeWarnings = 50;

  static ManifestStats of(const Manifest& manifest);
  std::string toJson() const;
};

}  // namespace wb::data
