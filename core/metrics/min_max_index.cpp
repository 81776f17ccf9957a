#include "core/metrics/min_max_index.h"

#include <algorithm>
#include <cmath>

namespace wb::metrics {

void MinMaxIndex::clear() {
  m_levels.clear();
  m_n = 0;
}

void MinMaxIndex::update(std::span<const double> ys, std::size_t from) {
  const std::size_t n = ys.size();
  from = std::min({from, m_n, n});
  m_n = n;
  std::size_t count = n / 8;
  std::size_t block = 8;  // points per block at this level
  std::size_t level = 0;
  constexpr Block kEmpty{0, 0, kNone, kNone};
  for (; count > 0; ++level, count /= 8, block *= 8) {
    if (level == m_levels.size()) m_levels.emplace_back();
    auto& blocks = m_levels[level];
    blocks.resize(count);
    for (std::size_t b = from / block; b < count; ++b) {
      Block out = kEmpty;
      if (level == 0) {
        for (std::size_t i = b * 8; i < b * 8 + 8; ++i) {
          const double y = ys[i];
          if (!std::isfinite(y)) continue;
          if (out.ilo == kNone || y < out.lo) out.lo = y, out.ilo = static_cast<std::uint32_t>(i);
          if (out.ihi == kNone || y > out.hi) out.hi = y, out.ihi = static_cast<std::uint32_t>(i);
        }
      } else {
        const Block* sub = m_levels[level - 1].data() + b * 8;
        for (int s = 0; s < 8; ++s) {
          if (sub[s].ilo != kNone && (out.ilo == kNone || sub[s].lo < out.lo))
            out.lo = sub[s].lo, out.ilo = sub[s].ilo;
          if (sub[s].ihi != kNone && (out.ihi == kNone || sub[s].hi > out.hi))
            out.hi = sub[s].hi, out.ihi = sub[s].ihi;
        }
      }
      blocks[b] = out;
    }
  }
  m_levels.resize(level);
}

std::pair<std::uint32_t, std::uint32_t> MinMaxIndex::minMax(std::span<const double> ys,
                                                            std::size_t a, std::size_t b) const {
  std::uint32_t ilo = kNone, ihi = kNone;
  double lo = 0, hi = 0;
  // Left to right with strict comparisons: the first extreme wins ties, as in the scan.
  auto take = [&](double l, std::uint32_t il, double h, std::uint32_t ih) {
    if (il != kNone && (ilo == kNone || l < lo)) lo = l, ilo = il;
    if (ih != kNone && (ihi == kNone || h > hi)) hi = h, ihi = ih;
  };
  const std::size_t levels = m_levels.size();
  b = std::min(b, m_n);
  auto takeAt = [&](std::size_t level, std::size_t i) {
    if (level == 0) {
      const double y = ys[i];
      if (std::isfinite(y))
        take(y, static_cast<std::uint32_t>(i), y, static_cast<std::uint32_t>(i));
    } else {
      const Block& blk = m_levels[level - 1][i >> (3 * level)];
      take(blk.lo, blk.ilo, blk.hi, blk.ihi);
    }
  };
  // Up: blocks of growing size until i is aligned to a block that still fits; then down.
  // Block sizes are 8^level: masks and shifts only.
  std::size_t i = a, level = 0;
  for (;;) {
    const std::size_t size = std::size_t{1} << (3 * level), up = size << 3;
    while ((i & (up - 1)) != 0 && i + size <= b) {
      takeAt(level, i);
      i += size;
    }
    if (level < levels && (i & (up - 1)) == 0 && i + up <= b) {
      ++level;
      continue;
    }
    break;
  }
  for (;;) {
    const std::size_t size = std::size_t{1} << (3 * level);
    while (i + size <= b) {
      takeAt(level, i);
      i += size;
    }
    if (level == 0) break;
    --level;
  }
  return {ilo, ihi};
}

std::size_t MinMaxIndex::memoryBytes() const {
  std::size_t total = 0;
  for (const auto& v : m_levels) total += v.capacity() * sizeof(Block);
  return total;
}

void downsampleMinMaxIndexed(std::span<const double> xs, std::span<const double> ys,
                             const MinMaxIndex& index, double x0, double x1, int width_px,
                             PlotPoints& out) {
  // Mirrors downsampleMinMaxInto step for step; only the per-column extremes come
  // from the index instead of a scan. tst_series_ops checks both give the same points.
  out.clear();
  const std::size_t n = std::min(xs.size(), ys.size());
  if (index.size() != n) return downsampleMinMaxInto(xs, ys, x0, x1, width_px, out);
  if (n == 0 || width_px <= 0 || std::isnan(x0) || std::isnan(x1)) return;
  if (x1 < x0) std::swap(x0, x1);
  const double* const X = xs.data();
  const double* const Y = ys.data();
  const std::size_t lo = static_cast<std::size_t>(std::lower_bound(X, X + n, x0) - X);
  const std::size_t hi = static_cast<std::size_t>(std::upper_bound(X + lo, X + n, x1) - X);
  auto push = [&](std::size_t i) {
    out.xs.push_back(X[i]);
    out.ys.push_back(Y[i]);
  };
  for (std::size_t i = lo; i > 0;) {
    if (std::isfinite(Y[--i])) {
      push(i);
      break;
    }
  }
  const std::size_t budget = 4 * static_cast<std::size_t>(width_px);
  if (hi - lo <= budget) {
    for (std::size_t i = lo; i < hi; ++i)
      if (std::isfinite(Y[i])) push(i);
  } else {
    double scale = 0.0;
    if (x1 > x0) {
      scale = static_cast<double>(width_px) / (x1 - x0);
      if (!std::isfinite(scale)) scale = 0.0;
    }
    const int last_column = width_px - 1;
    auto column = [&](std::size_t i) {
      return std::min(static_cast<int>((X[i] - x0) * scale), last_column);
    };
    // First index in (lo, hi_end] whose column is past c, given column(lo) <= c.
    auto bisect = [&](std::size_t lo, std::size_t hi_end, int c) {
      std::size_t first = lo + 1, count = hi_end - first;
      while (count > 0) {
        const std::size_t half = count / 2;
        if (column(first + half) <= c) {
          first += half + 1;
          count -= half + 1;
        } else {
          count = half;
        }
      }
      return first;
    };
    std::size_t i = lo;
    std::size_t last_len = 1;  // points in the previous column: columns tend to hold alike counts
    while (i < hi) {
      const int c = column(i);
      // Search out from a guess (exact for evenly spaced x), galloping either way.
      std::size_t end;
      const std::size_t guess = std::min(hi, i + last_len);
      if (guess < hi && column(guess) <= c) {
        std::size_t inside = guess, step = 1, probe = guess + 1;
        while (probe < hi && column(probe) <= c) {
          inside = probe;
          step *= 2;
          probe = guess + step;
        }
        end = bisect(inside, std::min(probe, hi), c);
      } else {
        std::size_t outside = guess, step = 1;  // column(outside) > c, or outside == hi
        std::size_t probe = guess - 1;
        while (probe > i && column(probe) > c) {
          outside = probe;
          step *= 2;
          probe = guess - std::min(step, guess - i);
        }
        end = bisect(probe, outside, c);
      }
      last_len = end - i;
      std::size_t first = i;
      while (first < end && !std::isfinite(Y[first])) ++first;
      if (first < end) {
        std::size_t last = end - 1;
        while (!std::isfinite(Y[last])) --last;
        const auto [low, high] = index.minMax(ys, first, last + 1);
        const std::size_t a = std::min<std::size_t>(low, high);
        const std::size_t b = std::max<std::size_t>(low, high);
        push(first);
        if (a != first) push(a);
        if (b != a) push(b);
        if (last != b) push(last);
      }
      i = end;
    }
  }
  for (std::size_t i = hi; i < n; ++i) {
    if (std::isfinite(Y[i])) {
      push(i);
      break;
    }
  }
}

}  // namespace wb::metrics
