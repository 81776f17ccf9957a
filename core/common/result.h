#pragma once

#include <string>
#include <utility>
#include <variant>

namespace wb {

/// An error as a value: what went wrong, and where (a file, a run id, a key).
struct Error {
  std::string message;
  std::string context;

  /// "context: message", or just the message when there is no context.
  std::string text() const { return context.empty() ? message : context + ": " + message; }
};

inline Error makeError(std::string message, std::string context = {}) {
  return Error{std::move(message), std::move(context)};
}

/// A value or an Error. Module boundaries return this instead of throwing.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_data(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : m_data(std::move(error)) {}  // NOLINT

  bool ok() const { return m_data.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(m_data); }
  const T& value() const& { return std::get<0>(m_data); }
  T&& value() && { return std::get<0>(std::move(m_data)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(m_data); }

 private:
  std::variant<T, Error> m_data;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT

  bool ok() const { return m_ok; }
  explicit operator bool() const { return m_ok; }
  const Error& error() const { return m_error; }

 private:
  Error m_error;
  bool m_ok = true;
};

using Status = Result<void>;

}  // namespace wb
