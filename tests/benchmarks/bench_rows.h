#pragma once

// The README's figures table is written by tests/benchmarks/run-benchmarks.sh from the lines
// the benchmarks print with readmeRow(): "readme-row: | figure | compared | measured | target |".
// Numbers go through wb::formatFixed so the text is the same under any locale.

#include <cmath>
#include <cstdio>
#include <string>

#include "core/common/numbers.h"

namespace wb::bench {

/// 1234567.8 → "1,234,568" (English thousands separators, as the README is written).
inline std::string grouped(double v) {
  std::string digits = wb::formatFixed(std::abs(v), 0);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

/// 4.6789 → "4.68×".
inline std::string times(double ratio) { return wb::formatFixed(ratio, 2) + "×"; }

/// "5,000 vs 1,070 samples/s (4.67×)": ours first, the peer second, ours / peer.
inline std::string versus(double ours, double peer, const std::string& unit) {
  if (peer <= 0) return grouped(ours) + " " + unit + " (no peer figure)";
  return grouped(ours) + " vs " + grouped(peer) + " " + unit + " (" + times(ours / peer) + ")";
}

/// One row of the README's figures table. Cells must not contain '|'.
inline void readmeRow(const std::string& figure, const std::string& compared,
                      const std::string& measured, const std::string& target = "—") {
  std::printf("readme-row: | %s | %s | %s | %s |\n", figure.c_str(), compared.c_str(),
              measured.c_str(), target.c_str());
  std::fflush(stdout);
}

}  // namespace wb::bench
