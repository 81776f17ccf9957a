#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/config/config_node.h"

namespace wb::config {

/// Sets the value of DOTTED_KEY ("optim.lr") in the YAML document TEXT, editing the text in
/// place: comments, blank lines, key order, indentation and the trailing comment of the edited
/// line are kept byte for byte; only the value's own text changes.
///
/// - An existing key keeps its position; a nested block value (map or list) is replaced whole.
/// - A missing key is added at the end of its parent map with the parent's child indentation;
///   missing parent maps are created (at the end of the file for top-level ones).
/// - VALUE_YAML is YAML text: a scalar ("0.01", "'1'"), a flow collection ("[64, 64]",
///   "{name: x}"), or a multi-line block (indented to column 0; it is re-indented under the key).
/// - A key inside a flow map (`early_stopping: {patience: 3}`) rewrites that flow map, still in
///   flow style.
///
/// Fails, leaving nothing half-done, on YAML syntax errors, on a path through a scalar or a
/// list, on duplicate keys, and on anchors, aliases and merge keys (`<<`) along the path, whose
/// meaning an edit would change. The edited text is parsed back and checked before it is
/// returned.
Result<std::string> setYamlValue(std::string_view text, std::string_view dotted_key,
                                 std::string_view value_yaml);
/// The same with the key path given part by part (for keys that contain dots, such as the
/// parameters of a sweep: {"sweep", "parameters", "optim.lr"}).
Result<std::string> setYamlValue(std::string_view text, const std::vector<std::string>& path,
                                 std::string_view value_yaml);

/// Removes DOTTED_KEY and its value (every line of a block value) from TEXT; the comments and
/// lines around it stay. A key that is not there leaves TEXT unchanged (not an error).
Result<std::string> removeYamlKey(std::string_view text, std::string_view dotted_key);
Result<std::string> removeYamlKey(std::string_view text, const std::vector<std::string>& path);

/// A YAML scalar that reads back as the string TEXT: TEXT itself when that is safe as a plain
/// scalar in block and flow context, else single-quoted (double-quoted with escapes when TEXT
/// holds line breaks or control characters). "adam" -> adam, "1" -> '1', "" -> ''.
std::string quoteYamlString(std::string_view text);

/// NODE as one line of flow-style YAML: "[64, 64]", "{name: normalize, mean: [0.1]}", scalars
/// as written (quoted ones quoted again only when needed to stay strings), null as "null".
std::string flowYaml(const ConfigNode& node);

/// Splits a dotted key into its parts ("a.b" -> {"a", "b"}).
std::vector<std::string> splitDottedKey(std::string_view dotted_key);

}  // namespace wb::config
