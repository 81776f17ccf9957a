#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wb::metrics {

/// Points to draw, x ascending.
struct PlotPoints {
  std::vector<double> xs;
  std::vector<double> ys;

  std::size_t size() const { return xs.size(); }
  bool empty() const { return xs.empty(); }
  void clear() {
    xs.clear();
    ys.clear();
  }
};

/// The pixel column of x for the range [x0, x1] drawn over width_px columns:
/// floor((x - x0) / (x1 - x0) * width_px), clamped to [0, width_px - 1]. Exactly the mapping
/// downsampleMinMax() uses; a zero-width range maps everything to column 0.
int pixelColumn(double x, double x0, double x1, int width_px);

/// Min/max-preserving downsampling for plotting.
///
/// `xs` must be sorted ascending (non-decreasing) and finite; `ys` may hold NaN/inf, which are
/// skipped (they are gaps, never extremes). Only the first min(xs.size(), ys.size()) points count.
/// For every pixel column of the visible range [x0, x1] (swapped if reversed) the output holds
/// the column's first, minimum, maximum and last finite point, in x order without duplicates,
/// plus the nearest finite point outside each side so lines reach the plot's edges. When the
/// visible range spans no more than 4·width_px points, its finite points are all returned.
/// At most 4·width_px + 2 points; O(log n + visible points).
PlotPoints downsampleMinMax(std::span<const double> xs, std::span<const double> ys, double x0,
                            double x1, int width_px);

/// As above, into `out` (cleared first). Keeps the vectors' capacity, so a chart that reuses
/// one PlotPoints per series allocates nothing once it has grown.
void downsampleMinMaxInto(std::span<const double> xs, std::span<const double> ys, double x0,
                          double x1, int width_px, PlotPoints& out);

/// TensorBoard's debiased exponential moving average. For each finite y, with n the number of
/// finite points so far: last = last·w + (1 − w)·y, smoothed = last / (1 − wⁿ). Non-finite
/// points are passed through unchanged and not counted. A series whose values are all equal is
/// returned unchanged (as TensorBoard does, so flat lines stay exactly flat). `weight` is
/// clamped to [0, 1); w = 0 returns the input.
std::vector<double> emaSmooth(std::span<const double> ys, double weight);

/// emaSmooth's running state, for callers that smooth a growing series a piece at a time.
struct EmaState {
  double last = 0;
  double count = 0;
  bool debias = true;
  /// Takes the next finite y (weight w in [0, 1)) and returns its smoothed value.
  double push(double y, double w);
};

/// As above, into `out` (resized to ys.size()).
void emaSmoothInto(std::span<const double> ys, double weight, std::vector<double>& out);

/// Whether smaller or larger values of a metric are better.
enum class Goal { Unknown, Min, Max };

std::string_view toString(Goal goal);
/// "min"/"max" (any case); Unknown for anything else.
Goal goalFromString(std::string_view text);
/// Min for loss/error-like keys (loss, error, rmse, mae, perplexity, …), Max otherwise. The
/// same rule as store::MetricSummary::best(), so tables and comparisons agree.
Goal goalForMetric(std::string_view key);
/// True when a is strictly better than b. Unknown counts as Max.
bool isBetter(double a, double b, Goal goal);
/// The stored key of a metric as configs may write it: "val_loss" → "val/loss" (prefixes val,
/// train, test); anything else unchanged.
std::string storedMetricKey(std::string_view name);

/// What a runs table shows of one series. Only finite points count.
struct SeriesSummary {
  std::size_t count = 0;
  std::optional<double> last;
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> mean;

  /// min for Goal::Min, max otherwise.
  std::optional<double> best(Goal goal) const;
};

SeriesSummary summarizeSeries(std::span<const double> ys);

/// Index of the best finite point (the first one on ties); nullopt when there is none.
std::optional<std::size_t> bestIndex(std::span<const double> ys, Goal goal);

}  // namespace wb::metrics
