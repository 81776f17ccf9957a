#pragma once

#include <cstdint>
#include <string>

namespace wb {

/// This machine's host name.
std::string localHostName();

/// The kernel's start time of a process in clock ticks since boot (0 if unknown). Together
/// with the pid it identifies a process even after the pid is reused.
std::int64_t processStartTicks(std::int64_t pid);

/// True when the process with this pid exists and, if start_ticks is non-zero, is the same
/// process that had those start ticks.
bool processAlive(std::int64_t pid, std::int64_t start_ticks);

}  // namespace wb
