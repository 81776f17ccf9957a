#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The one place numbers are read from and written to text. Never locale-dependent: the GUI runs
// under the user's locale (Qt calls setlocale), where strtod and printf("%f") read and write
// "0,01". Everything here uses std::from_chars / std::to_chars.
namespace wb {

enum class NonFinite { Reject, Accept };

/// A whole string as a number: "0.01", "-2", "1e-3", "+5", ".5". No surrounding spaces, no
/// thousands separators, never a comma decimal. "inf", "-inf" and "nan" (any case) only with
/// NonFinite::Accept; out-of-range values are rejected.
std::optional<double> parseDouble(std::string_view text, NonFinite non_finite = NonFinite::Reject);

/// A whole string as a base-10 integer: "42", "-7", "+3".
std::optional<std::int64_t> parseInt(std::string_view text);

/// The shortest text that reads back as the same double: 0.1 → "0.1", 1e-05 → "1e-05",
/// 32.0 → "32". Non-finite values as "inf", "-inf", "nan".
std::string formatDouble(double v);

/// Fixed notation with DECIMALS digits after the point, like printf("%.*f").
std::string formatFixed(double v, int decimals);

/// Like printf("%.*g"): SIGNIFICANT digits, trailing zeros removed.
std::string formatGeneral(double v, int significant = 6);

}  // namespace wb
