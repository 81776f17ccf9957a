#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// Shared text formatting for the CLI, the GUI and the files the engine writes. Locale-free
// (see core/common/numbers.h); the GUI may wrap these or use QLocale where the user's
// conventions are wanted on screen.
namespace wb {

/// Local time "YYYY-MM-DD HH:MM:SS" of Unix seconds ("-" for 0 or less). With
/// TimePrecision::Minutes, "YYYY-MM-DD HH:MM".
enum class TimePrecision { Seconds, Minutes };
std::string formatLocalTime(double unix_s, TimePrecision precision = TimePrecision::Seconds);

/// "4.2s", "3m 05s", "1h 02m" (negative durations read as 0).
std::string formatDuration(double seconds);

/// Decimal units as `ls -h --si` and disk vendors write them: "512 B", "1.5 MB", "2.0 GB".
std::string formatBytes(std::uint64_t bytes);

/// One CSV field, quoted (RFC 4180) when it holds a comma, quote, CR or LF.
std::string csvField(std::string_view text);

}  // namespace wb
