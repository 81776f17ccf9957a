#include "app/cli/cli_args.h"

#include "app/cli/cli_errors.h"
#include "core/common/numbers.h"

namespace wb::cli {

std::pair<std::string, std::string> splitPair(const std::string& text, bool value_required) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    if (value_required) fail("expected KEY=VALUE, got '" + text + "'");
    return {text, ""};
  }
  if (eq == 0) fail("empty key in '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

store::ParamMap toMap(const std::vector<std::string>& pairs, bool value_required) {
  store::ParamMap out;
  for (const auto& p : pairs) out.insert(splitPair(p, value_required));
  return out;
}

double parseNumber(const std::string& text, const std::string& what) {
  if (const auto v = wb::parseDouble(text, NonFinite::Accept)) return *v;
  fail(what + ": not a number: '" + text + "'");
}

}  // namespace wb::cli
