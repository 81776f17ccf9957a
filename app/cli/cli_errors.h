#pragma once

#include <string>
#include <utility>

#include "core/common/result.h"

namespace wb::cli {

/// A failure the user caused or can fix: printed as one line by main, exit code 1.
struct CliError {
  std::string message;
};

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
