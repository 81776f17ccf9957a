#pragma once

#include <string>
#include <utility>

#include "core/common/result.h"

namespace wb::cli {

/// A failure the user caused or can fix: printed as one line by main, exit code 1 (or
/// EXIT_CODE: 2 for a failing quality gate, 3 for a failed ONNX parity check).
struct CliError {
  std::string message;
  int exit_code = 1;
};

inline constexpr int kExitGateFailed = 2;
inline constexpr int kExitParityFailed = 3;

[[noreturn]] inline void fail(const std::string& message) { throw CliError{message}; }

template <class T>
T unwrap(Result<T> r) {
  if (!r) fail(r.error().text());
  return std::move(r).value();
}

inline void check(const Status& st) {
  if (!st) fail(st.error().text());
}

}  // namespace wb::cli
