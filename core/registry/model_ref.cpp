#include "core/registry/model_ref.h"

#include "core/common/numbers.h"

namespace wb::registry {

namespace {

constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxAliasLength = 64;
constexpr std::string_view kLatest = "latest";

bool isAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool isAsciiAlnum(char c) { return isAsciiLower(c) || (c >= 'A' && c <= 'Z') || isAsciiDigit(c); }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

Error refError(std::string_view text, const std::string& what) {
  return makeError(quoted(text) + ": " + what);
}

}  // namespace

bool isValidModelName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !isAsciiAlnum(name.front())) return false;
  for (char c : name)
    if (!isAsciiAlnum(c) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

bool isValidAlias(std::string_view alias) {
  if (alias.empty() || alias.size() > kMaxAliasLength || !isAsciiLower(alias.front())) return false;
  if (alias == kLatest) return false;
  for (char c : alias)
    if (!isAsciiLower(c) && !isAsciiDigit(c) && c != '_' && c != '-') return false;
  return true;
}

Result<ModelRef> ModelRef::parse(std::string_view text) {
  if (text.empty()) return makeError("empty model reference (write NAME, NAME@ALIAS or NAME/VERSION)");
  const std::size_t sep = text.find_first_of("@/");
  const std::string_view name = text.substr(0, sep);
  if (name.empty())
    return refError(text, std::string("empty model name before '") + text[sep] + "'");
  if (!isValidModelName(name))
    return refError(text, "invalid model name " + quoted(name) +
                              " (a letter or digit, then letters, digits, '_', '-' or '.'; at "
                              "most 100 characters)");
  ModelRef ref;
  ref.name = std::string(name);
  if (sep == std::string_view::npos) return ref;
  const std::string_view rest = text.substr(sep + 1);
  if (text[sep] == '/') {
    if (rest.empty()) return refError(text, "empty version after '/'");
    const auto number = parseInt(rest);
    if (!number || *number < 1 || *number > 1'000'000'000 || !isAsciiDigit(rest.front()))
      return refError(text, "the version after '/' must be a whole number from 1, not " +
                                quoted(rest));
    ref.kind = Kind::Version;
    ref.version = static_cast<int>(*number);
    return ref;
  }
  if (rest.empty()) return refError(text, "empty alias after '@'");
  if (rest == kLatest) return ref;
  if (!isValidAlias(rest))
    return refError(text, "invalid alias " + quoted(rest) +
                              " (a lower-case letter, then lower-case letters, digits, '_' or "
                              "'-'; at most 64 characters)");
  ref.kind = Kind::Alias;
  ref.alias = std::string(rest);
  return ref;
}

std::string ModelRef::text() const {
  switch (kind) {
    case Kind::Version: return name + "/" + std::to_string(version);
    case Kind::Alias: return name + "@" + alias;
    case Kind::Latest: break;
  }
  return name;
}

}  // namespace wb::registry
