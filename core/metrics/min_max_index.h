#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "core/metrics/series_ops.h"

namespace wb::metrics {

/// Range minimum/maximum over a y array, so a pixel column of thousands of points costs a
/// few lookups: per block of 8^k points, the index of its first finite minimum and maximum.
class MinMaxIndex {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  void clear();
  /// Indexes ys, reusing blocks before `from` (the points before it did not change).
  void update(std::span<const double> ys, std::size_t from = 0);
  std::size_t size() const { return m_n; }
  /// Indices of the first finite minimum and maximum in [a, b); kNone when none is finite.
  std::pair<std::uint32_t, std::uint32_t> minMax(std::span<const double> ys, std::size_t a,
                                                 std::size_t b) const;
  std::size_t memoryBytes() const;

 private:
  // Values are kept beside their indices so a query reads each level sequentially instead of
  // jumping around ys.
  struct Block {
    double lo, hi;
    std::uint32_t ilo, ihi;  // kNone when the block holds no finite value
  };
  std::vector<std::vector<Block>> m_levels;  // level k: blocks of 8^(k+1) points
  std::size_t m_n = 0;
};

/// Exactly downsampleMinMaxInto()'s output, in O(columns · log n) instead of
/// O(visible points): columns are found by search, their extremes through the index (built on
/// the same ys).
void downsampleMinMaxIndexed(std::span<const double> xs, std::span<const double> ys,
                             const MinMaxIndex& index, double x0, double x1, int width_px,
                             PlotPoints& out);

}  // namespace wb::metrics
