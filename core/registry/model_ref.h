#pragma once

#include <string>
#include <string_view>

#include "core/common/result.h"

namespace wb::registry {

/// How a model version is named everywhere (CLI, server, prediction panel):
///   NAME           the latest version (same as NAME@latest)
///   NAME@latest    the highest version number that is not archived
///   NAME@ALIAS     the version the alias points at (production, staging, champion, …)
///   NAME/3         version 3
/// Model names: a letter or digit, then letters, digits, '_', '-', '.' (at most 100).
/// Aliases: a lower-case letter, then lower-case letters, digits, '_', '-' (at most 64);
/// "latest" is reserved.
struct ModelRef {
  enum class Kind { Latest, Version, Alias };
  std::string name;
  Kind kind = Kind::Latest;
  int version = 0;    // Kind::Version
  std::string alias;  // Kind::Alias

  /// Errors say what is wrong with TEXT ("'iris@': empty alias after '@'").
  static Result<ModelRef> parse(std::string_view text);
  /// The canonical text: "iris", "iris@production", "iris/3".
  std::string text() const;
};

bool isValidModelName(std::string_view name);
bool isValidAlias(std::string_view alias);

}  // namespace wb::registry
