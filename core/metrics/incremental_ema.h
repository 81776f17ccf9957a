#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/metrics/series_ops.h"

namespace wb::metrics {

/// TensorBoard's debiased EMA (emaSmoothInto) kept up to date as points are
/// appended, bit for bit the same as recomputing it.
class IncrementalEma {
 public:
  /// Smooths ys into out; points before `from` are taken as unchanged since the last call
  /// with the same weight. Returns the first index of out that changed.
  std::size_t update(std::span<const double> ys, double weight, std::size_t from,
                     std::vector<double>& out);
  void reset() { m_weight = -1; }

 private:
  double m_weight = -1;
  EmaState m_state;
  bool m_constant = true;  // every point so far equals the first: emaSmooth returns the input
  std::size_t m_done = 0;
};

}  // namespace wb::metrics
