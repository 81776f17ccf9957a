#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"

namespace wb::models::detail {

/// Reads a model's hyperparameters: the given values over the type's defaults, each read
/// checked, errors named "model.<key>".
class ParamReader {
 public:
  /// `params` must be an object or null; every key must be one of `defaults`' (a "type" key
  /// is ignored). An unknown key's error suggests the nearest known one.
  static Result<ParamReader> create(const std::string& type, const nlohmann::json& params,
                                    const nlohmann::json& defaults);

  Result<std::int64_t> positiveInt(const std::string& key) const;
  /// A list of positive integers with min_size..max_size entries.
  Result<std::vector<std::int64_t>> positiveIntList(const std::string& key, std::size_t min_size,
                                                    std::size_t max_size) const;
  /// A number in [0, 1) (dropout).
  Result<double> fraction(const std::string& key) const;
  /// One of `options`.
  Result<std::string> choice(const std::string& key, const std::vector<std::string>& options) const;
  Result<bool> flag(const std::string& key) const;

  /// Defaults with the given values applied: the model's resolved hyperparameters.
  const nlohmann::json& resolved() const { return m_values; }

 private:
  explicit ParamReader(nlohmann::json values) : m_values(std::move(values)) {}
  nlohmann::json m_values;
};

/// "model.<key>"
std::string paramContext(const std::string& key);

}  // namespace wb::models::detail
