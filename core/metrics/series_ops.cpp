#include "core/metrics/series_ops.h"

#include "core/store/types.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

namespace wb::metrics {

namespace {

// Columns per unit of x; 0 for an empty (or numerically degenerate) range, which puts every
// point in column 0 instead of computing 0·inf.
double columnScale(double x0, double x1, int width_px) {
  if (!(x1 > x0)) return 0.0;
  const double scale = static_cast<double>(width_px) / (x1 - x0);
  return std::isfinite(scale) ? scale : 0.0;
}

void push(PlotPoints& out, const double* xs, const double* ys, std::size_t i) {
  out.xs.push_back(xs[i]);
  out.ys.push_back(ys[i]);
}

}  // namespace

int pixelColumn(double x, double x0, double x1, int width_px) {
  if (width_px <= 0) return 0;
  if (x1 < x0) std::swap(x0, x1);
  const double c = (x - x0) * columnScale(x0, x1, width_px);
  // Clamp before converting: out-of-range doubles are undefined for static_cast<int>.
  if (!(c > 0)) return 0;
  if (c >= width_px) return width_px - 1;
  return static_cast<int>(c);
}

PlotPoints downsampleMinMax(std::span<const double> xs, std::span<const double> ys, double x0,
                            double x1, int width_px) {
  PlotPoints out;
  downsampleMinMaxInto(xs, ys, x0, x1, width_px, out);
  return out;
}

void downsampleMinMaxInto(std::span<const double> xs, std::span<const double> ys, double x0,
                          double x1, int width_px, PlotPoints& out) {
  out.clear();
  const std::size_t n = std::min(xs.size(), ys.size());
  if (n == 0 || width_px <= 0 || std::isnan(x0) || std::isnan(x1)) return;
  if (x1 < x0) std::swap(x0, x1);
  const double* const X = xs.data();
  const double* const Y = ys.data();
  const std::size_t lo = static_cast<std::size_t>(std::lower_bound(X, X + n, x0) - X);
  const std::size_t hi = static_cast<std::size_t>(std::upper_bound(X + lo, X + n, x1) - X);

  // Nearest finite point left of the range. The scan is long only across a run of NaNs.
  for (std::size_t i = lo; i > 0;) {
    if (std::isfinite(Y[--i])) {
      push(out, X, Y, i);
      break;
    }
  }

  const std::size_t budget = 4 * static_cast<std::size_t>(width_px);
  if (hi - lo <= budget) {
    // Zoomed in: every point fits, draw them all.
    for (std::size_t i = lo; i < hi; ++i)
      if (std::isfinite(Y[i])) push(out, X, Y, i);
  } else {
    const double scale = columnScale(x0, x1, width_px);
    const int last_column = width_px - 1;
    int column = -1;
    std::size_t first = 0, low = 0, high = 0, last = 0;
    // first <= low, high <= last; only low and high can come in either order.
    auto flush = [&] {
      const std::size_t a = std::min(low, high);
      const std::size_t b = std::max(low, high);
      push(out, X, Y, first);
      if (a != first) push(out, X, Y, a);
      if (b != a) push(out, X, Y, b);
      if (last != b) push(out, X, Y, last);
    };
    for (std::size_t i = lo; i < hi; ++i) {
      const double y = Y[i];
      if (!std::isfinite(y)) continue;
      // Same expression as pixelColumn(): x >= x0 here, so truncation is floor.
      const int c = std::min(static_cast<int>((X[i] - x0) * scale), last_column);
      if (c != column) {
        if (column >= 0) flush();
        column = c;
        first = low = high = last = i;
        continue;
      }
      last = i;
      if (y < Y[low]) {
        low = i;
      } else if (y > Y[high]) {
        high = i;
      }
    }
    if (column >= 0) flush();
  }

  for (std::size_t i = hi; i < n; ++i) {
    if (std::isfinite(Y[i])) {
      push(out, X, Y, i);
      break;
    }
  }
}

std::vector<double> emaSmooth(std::span<const double> ys, double weight) {
  std::vector<double> out;
  emaSmoothInto(ys, weight, out);
  return out;
}

void emaSmoothInto(std::span<const double> ys, double weight, std::vector<double>& out) {
  out.assign(ys.begin(), ys.end());
  if (!(weight > 0)) return;  // also NaN
  const double w = std::min(weight, std::nextafter(1.0, 0.0));
  // TensorBoard leaves constant series alone; a NaN anywhere makes a series non-constant.
  if (std::all_of(ys.begin(), ys.end(), [&](double y) { return y == ys.front(); })) return;

  EmaState state;
  for (std::size_t i = 0; i < ys.size(); ++i)
    if (std::isfinite(ys[i])) out[i] = state.push(ys[i], w);
}

double EmaState::push(double y, double w) {
  last = last * w + (1 - w) * y;
  count += 1;
  double divisor = 1;
  if (debias) {
    divisor = 1 - std::pow(w, count);
    // w^n only shrinks: once 1 - w^n rounds to 1 it stays 1, so stop paying for pow().
    debias = divisor != 1;
  }
  return last / divisor;
}

std::string_view toString(Goal goal) {
  switch (goal) {
    case Goal::Min:
      return "min";
    case Goal::Max:
      return "max";
    case Goal::Unknown:
      break;
  }
  return "unknown";
}

Goal goalFromString(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "min" || lower == "minimize") return Goal::Min;
  if (lower == "max" || lower == "maximize") return Goal::Max;
  return Goal::Unknown;
}

Goal goalForMetric(std::string_view key) {
  return store::lowerIsBetter(key) ? Goal::Min : Goal::Max;
}

bool isBetter(double a, double b, Goal goal) { return goal == Goal::Min ? a < b : a > b; }

std::optional<double> SeriesSummary::best(Goal goal) const { return goal == Goal::Min ? min : max; }

SeriesSummary summarizeSeries(std::span<const double> ys) {
  SeriesSummary s;
  double low = 0, high = 0, sum = 0;
  for (const double y : ys) {
    if (!std::isfinite(y)) continue;
    if (s.count == 0) {
      low = high = y;
    } else {
      low = std::min(low, y);
      high = std::max(high, y);
    }
    sum += y;
    s.last = y;
    ++s.count;
  }
  if (s.count > 0) {
    s.min = low;
    s.max = high;
    s.mean = sum / static_cast<double>(s.count);
  }
  return s;
}

std::optional<std::size_t> bestIndex(std::span<const double> ys, Goal goal) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < ys.size(); ++i) {
    if (!std::isfinite(ys[i])) continue;
    if (!best || isBetter(ys[i], ys[*best], goal)) best = i;
  }
  return best;
}

std::string storedMetricKey(std::string_view name) {
  for (const std::string_view prefix : {"val_", "train_", "test_"})
    if (name.substr(0, prefix.size()) == prefix)
      return std::string(prefix.substr(0, prefix.size() - 1)) + "/" +
             std::string(name.substr(prefix.size()));
  return std::string(name);
}

}  // namespace wb::metrics
