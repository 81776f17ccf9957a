#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/config/config_node.h"

namespace wb::config {

/// Nodes that aliases may add to a document beyond the nodes written in it.
inline constexpr std::size_t kMaxYamlAliasNodes = 100'000;
/// Nesting depth of a document with its aliases expanded.
inline constexpr std::size_t kMaxYamlDepth = 200;

/// Checks what expanding TEXT's aliases would make of its first document, before anything
/// expands them: an alias inside its own anchor (a cycle: `a: &x [1, *x]`), aliases that would
/// add more than kMaxYamlAliasNodes nodes (a "billion laughs" chain), and nesting deeper than
/// kMaxYamlDepth. The error names the alias's line in FILE. Text that does not parse passes
/// (the parse that follows reports it). Linear in the size of TEXT.
std::optional<ConfigError> checkYamlAliases(std::string_view text, const std::string& file);

}  // namespace wb::config
