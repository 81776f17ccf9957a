#pragma once

#include <string>

namespace wb {

/// 32 lowercase hex characters from the system's random source (a run id).
std::string randomHexId();

/// A readable run name such as "bold-falcon-42".
std::string randomRunName();

}  // namespace wb
