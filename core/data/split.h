#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/data/dataset.h"

namespace wb::data {

/// Assigns train/val/test to every sample, deterministically from (seed, key): the order of
/// the input does not matter, and adding samples moves few existing ones between splits.
/// Stratified: each label gets the ratios on its own (largest-remainder rounding).
void assignSplits(std::vector<Sample>& samples, const SplitSpec& spec);

/// Parses "80/10/10", "0.7,0.15,0.15" or "80/20" (no test split).
Result<SplitSpec> parseSplitRatios(std::string_view text);

/// A stable 64-bit hash (FNV-1a then a splitmix finaliser), the same on every platform.
std::uint64_t stableHash(std::string_view text, std::uint64_t seed);

}  // namespace wb::data
