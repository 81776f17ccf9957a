#pragma once

#include <chrono>

namespace wb {

/// Wall-clock time as Unix seconds with sub-second precision (what the store keeps).
inline double unixNow() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace wb
