#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"

namespace wb::config {

/// Where a value came from: a file position (1-based line and column) or a command-line override.
struct Origin {
  std::string file;
  int line = 0;               // 0 = unknown
  int column = 0;             // 0 = unknown
  std::string override_text;  // set for values from an override: "optim.lr=0.1"

  /// "configs/exp.yaml:7:7", "override 'optim.lr=0.1'", or "" when unknown.
  std::string text() const;
  bool empty() const { return file.empty() && override_text.empty(); }
};

/// One problem in a config: the dotted key it concerns, what is wrong, and where.
struct ConfigError {
  std::string key;  // "optim.lr"; empty for file-level problems
  std::string message;
  Origin origin;

  /// "optim.lr: expected a number, got 'fast' (configs/exp.yaml:7:7)".
  std::string text() const;
};

/// Joins ERRORS (one per line) into one wb::Error.
Error toError(const std::vector<ConfigError>& errors);

/// A YAML tree that remembers where each value came from, merged and edited by value.
/// Maps keep file order; a map's children carry their key. Scalars keep their text and whether
/// they were quoted (a quoted scalar is always a string; a plain one is typed as YAML 1.2 core).
class ConfigNode {
 public:
  enum class Kind { Null, Scalar, Sequence, Map };
  enum class ScalarType { Null, Bool, Int, Float, String };

  Kind kind = Kind::Null;
  std::string scalar;                // Scalar: the text as written
  bool quoted = false;               // Scalar: quoted in the source (or a string by construction)
  std::vector<ConfigNode> children;  // Sequence items, or Map entries (with key set)
  std::string key;                   // set when this node is a Map entry
  Origin key_origin;                 // where the key was written
  Origin origin;                     // where the value was written

  static ConfigNode makeMap(Origin origin = {});
  static ConfigNode makeSequence(Origin origin = {});
  /// A scalar that stays a string whatever its text ("true", "1" stay strings).
  static ConfigNode makeString(std::string text, Origin origin = {});
  /// A plain scalar typed by its text ("1e-3" is a number, "true" a bool).
  static ConfigNode makePlain(std::string text, Origin origin = {});

  bool isMap() const { return kind == Kind::Map; }
  bool isSequence() const { return kind == Kind::Sequence; }
  bool isScalar() const { return kind == Kind::Scalar; }
  bool isNull() const { return kind == Kind::Null || scalarType() == ScalarType::Null; }

  /// The YAML type of a scalar (Null for a null node; String for maps and sequences is not used).
  ScalarType scalarType() const;
  std::optional<double> asDouble() const;
  std::optional<std::int64_t> asInt() const;
  std::optional<bool> asBool() const;

  /// Map lookup; nullptr when absent or when this is not a map.
  const ConfigNode* find(std::string_view name) const;
  ConfigNode* find(std::string_view name);
  /// Dotted path lookup ("optim.lr").
  const ConfigNode* findPath(std::string_view dotted) const;
  /// Map entry, appended (with KEY_ORIGIN) when absent.
  ConfigNode& getOrAdd(std::string_view name, const Origin& key_origin = {});
  /// Removes a map entry; false when absent.
  bool remove(std::string_view name);
  /// Map keys in order.
  std::vector<std::string> keys() const;

  /// Hydra/OmegaConf merge: maps merge recursively, anything else in OTHER replaces.
  void mergeFrom(const ConfigNode& other);

  /// Short rendering for messages: the scalar text, "null", "a list", "a map".
  std::string describe() const;

  /// To JSON: plain scalars typed, quoted scalars strings, maps objects.
  nlohmann::json toJson() const;
  /// From JSON; ORIGIN is given to every node.
  static ConfigNode fromJson(const nlohmann::json& value, const Origin& origin = {});
};

/// Parses YAML TEXT; FILE (as shown in messages) goes into every origin. Syntax errors and
/// duplicate keys become ConfigErrors.
Result<ConfigNode> parseYaml(std::string_view text, const std::string& file,
                             std::vector<ConfigError>* errors = nullptr);
/// Reads and parses a file; DISPLAY_NAME is used in messages (defaults to PATH).
Result<ConfigNode> loadYamlFile(const std::filesystem::path& path,
                                const std::string& display_name = {},
                                std::vector<ConfigError>* errors = nullptr);

/// Block-style YAML for NODE (maps in their order; lists of scalars in flow style), ending in
/// a newline. Scalars that must stay strings are quoted when their text would read otherwise.
std::string toYaml(const ConfigNode& node);

/// Shortest text that reads back as the same double, always with a '.' or an exponent
/// ("0.001", "1.0", "1e-05"), the same on every platform.
std::string formatDouble(double value);

/// The YAML 1.2 core type of a plain scalar's text.
ConfigNode::ScalarType plainScalarType(std::string_view text);

/// Damerau-Levenshtein (optimal string alignment) distance.
int editDistance(std::string_view a, std::string_view b);
/// The closest of CANDIDATES within distance 2, or "" (ties: the first listed).
std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace wb::config
