#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/store/types.h"

namespace wb::cli {

/// "KEY=VALUE" split at the first '='; without '=', {text, ""} unless VALUE_REQUIRED (then a
/// CliError, as for an empty key).
std::pair<std::string, std::string> splitPair(const std::string& text, bool value_required);

/// Every "KEY=VALUE" of PAIRS (see splitPair).
store::ParamMap toMap(const std::vector<std::string>& pairs, bool value_required);

/// TEXT as a number, locale-free ("0.01" under any LC_ALL); "nan", "inf" and "-inf" as loggers
/// spell them are accepted. A CliError naming WHAT otherwise.
double parseNumber(const std::string& text, const std::string& what);

}  // namespace wb::cli
