#include "core/models/param_reader.h"

#include <algorithm>
#include <cmath>

namespace wb::models::detail {

namespace {

// Edit distance, for "did you mean".
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string shown(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// Integral numbers only; 64.0 (YAML/JSON float) counts as 64.
bool asInt(const nlohmann::json& value, std::int64_t& out) {
  if (value.is_number_integer()) {
    out = value.get<std::int64_t>();
    return true;
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string paramContext(const std::string& key) { return "model." + key; }

Result<ParamReader> ParamReader::create(const std::string& type, const nlohmann::json& params,
                                        const nlohmann::json& defaults) {
  if (!params.is_null() && !params.is_object())
    return makeError("expected an object of hyperparameters, got " + shown(params), "model");
  nlohmann::json values = defaults;
  if (params.is_object()) {
    for (const auto& [key, value] : params.items()) {
      if (key == "type") continue;  // a config's whole model block may be passed
      if (defaults.contains(key)) {
        values[key] = value;
        continue;
      }
      std::string known;
      std::string nearest;
      std::size_t best = 3;  // suggest only close names
      for (const auto& [name, unused] : defaults.items()) {
        known += (known.empty() ? "" : ", ") + name;
        const std::size_t d = distance(key, name);
        if (d < best) {
          best = d;
          nearest = name;
        }
      }
      std::string message = "unknown key for " + type;
      if (!nearest.empty()) message += " (did you mean '" + nearest + "'?)";
      message += known.empty() ? "; it takes no hyperparameters" : "; valid keys: " + known;
      return makeError(message, paramContext(key));
    }
  }
  return ParamReader(std::move(values));
}

Result<std::int64_t> ParamReader::positiveInt(const std::string& key) const {
  const auto& value = m_values.at(key);
  std::int64_t n = 0;
  if (!asInt(value, n) || n <= 0)
    return makeError("expected a positive integer, got " + shown(value), paramContext(key));
  return n;
}

Result<std::vector<std::int64_t>> ParamReader::positiveIntList(const std::string& key,
                                                               std::size_t min_size,
                                                               std::size_t max_size) const {
  const auto& value = m_values.at(key);
  std::string expected = "expected a list of positive integers";
  if (min_size == max_size)
    expected = "expected a list of " + std::to_string(min_size) + " positive integers";
  else if (min_size > 0)
    expected += " (at least " + std::to_string(min_size) + ")";
  if (!value.is_array()) return makeError(expected + ", got " + shown(value), paramContext(key));
  std::vector<std::int64_t> out;
  for (const auto& item : value) {
    std::int64_t n = 0;
    if (!asInt(item, n) || n <= 0)
      return makeError(expected + ", got " + shown(value), paramContext(key));
    out.push_back(n);
  }
  if (out.size() < min_size || out.size() > max_size)
    return makeError(expected + ", got " + std::to_string(out.size()) + " entries",
                     paramContext(key));
  return out;
}

Result<double> ParamReader::fraction(const std::string& key) const {
  const auto& value = m_values.at(key);
  if (!value.is_number() || !(value.get<double>() >= 0.0 && value.get<double>() < 1.0))
    return makeError("expected a number in [0, 1), got " + shown(value), paramContext(key));
  return value.get<double>();
}

Result<std::string> ParamReader::choice(const std::string& key,
                                        const std::vector<std::string>& options) const {
  const auto& value = m_values.at(key);
  std::string list;
  for (const auto& o : options) list += (list.empty() ? "" : ", ") + o;
  if (!value.is_string() ||
      std::find(options.begin(), options.end(), value.get<std::string>()) == options.end())
    return makeError("expected one of " + list + ", got " + shown(value), paramContext(key));
  return value.get<std::string>();
}

Result<bool> ParamReader::flag(const std::string& key) const {
  const auto& value = m_values.at(key);
  if (!value.is_boolean())
    return makeError("expected true or false, got " + shown(value), paramContext(key));
  return value.get<bool>();
}

}  // namespace wb::models::detail
