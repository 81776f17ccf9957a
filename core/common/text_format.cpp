#include "core/common/text_format.h"

#include <ctime>

#include "core/common/numbers.h"

namespace wb {

std::string formatLocalTime(double unix_s, TimePrecision precision) {
  if (unix_s <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  const char* format = precision == TimePrecision::Minutes ? "%Y-%m-%d %H:%M" : "%Y-%m-%d %H:%M:%S";
  std::strftime(buf, sizeof buf, format, &tm);  // digits only: locale-independent
  return buf;
}

namespace {
std::string twoDigits(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }
}  // namespace

std::string formatDuration(double s) {
  if (!(s > 0)) s = 0;
  if (s < 60) return formatFixed(s, 1) + "s";
  const long long total = static_cast<long long>(s);
  if (s < 3600) return std::to_string(total / 60) + "m " + twoDigits(static_cast<int>(total % 60)) + "s";
  return std::to_string(total / 3600) + "h " + twoDigits(static_cast<int>(total % 3600 / 60)) + "m";
}

std::string formatBytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 5) {
    v /= 1000;
    ++u;
  }
  return (u == 0 ? std::to_string(bytes) : formatFixed(v, 1)) + " " + kUnits[u];
}

std::string csvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace wb
