#include "core/common/numbers.h"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace wb {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != b[i]) return false;
  }
  return true;
}

std::optional<double> parseNonFinite(std::string_view body, bool negative) {
  if (equalsIgnoreCase(body, "inf") || equalsIgnoreCase(body, "infinity"))
    return negative ? -INFINITY : INFINITY;
  if (equalsIgnoreCase(body, "nan")) return std::nan("");
  return std::nullopt;
}

}  // namespace

std::optional<double> parseDouble(std::string_view text, NonFinite non_finite) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return std::nullopt;
  const char lead = body.front();
  if (!((lead >= '0' && lead <= '9') || lead == '.')) {
    if (non_finite == NonFinite::Accept) return parseNonFinite(body, negative);
    return std::nullopt;
  }
  double value = 0;
  // from_chars takes no '+'; parse the unsigned body and apply the sign.
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec != std::errc() || ptr != body.data() + body.size() || !std::isfinite(value))
    return std::nullopt;
  return negative ? -value : value;
}

std::optional<std::int64_t> parseInt(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string formatDouble(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), r.ptr);
}

std::string formatFixed(double v, int decimals) {
  if (!std::isfinite(v)) return formatDouble(v);
  std::array<char, 400> buf{};
  const auto r =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, decimals);
  if (r.ec != std::errc()) return formatDouble(v);
  return std::string(buf.data(), r.ptr);
}

std::string formatGeneral(double v, int significant) {
  if (!std::isfinite(v)) return formatDouble(v);
  std::array<char, 64> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::general,
                               significant < 1 ? 1 : significant);
  if (r.ec != std::errc()) return formatDouble(v);
  return std::string(buf.data(), r.ptr);
}

}  // namespace wb
