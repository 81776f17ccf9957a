#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <QString>

#include "core/metrics/incremental_ema.h"
#include "core/metrics/min_max_index.h"
#include "core/metrics/series_ops.h"
#include "ui/charts/metric_series_store.h"

class QCPGraph;
class QCPItemTracer;

namespace wb::ui {

/// One run's curve in a chart panel: its series viewed in the panel's x mode, kept up to date
/// incrementally as points arrive (min/max index, EMA), and the downsampled points handed to
/// QCustomPlot. The panel owns the graphs and the tracer.
struct MetricCurve {
  static constexpr std::uint64_t kNever = ~std::uint64_t{0};

  QString run_id;
  QCPGraph* raw = nullptr;     // the series as logged; faint behind the smoothed line
  QCPGraph* smooth = nullptr;  // the EMA; empty when smoothing is off
  QCPItemTracer* tracer = nullptr;

  // The view: the series' own arrays when they are sorted in this mode, else a sorted copy.
  std::span<const double> view_x, view_y;
  std::vector<double> copy_x, copy_y;
  bool use_copy = false;
  double origin = 0;  // subtracted from x (relative time)

  // What the view, index and smoothing were built from.
  std::uint64_t revision = kNever;
  std::uint64_t generation = kNever;
  std::size_t source_size = 0;
  XAxisMode mode = XAxisMode::Unknown;
  double weight = 0;

  std::vector<double> smoothed;
  metrics::IncrementalEma ema;
  metrics::MinMaxIndex raw_index, smooth_index;
  metrics::PlotPoints raw_points, smooth_points;
  bool raw_dense = false, smooth_dense = false;  // more points than ~1.5 per pixel column
  bool sparse = false;  // few points far apart (per-epoch metrics): drawn with dots

  /// Brings the view (a sorted copy when needed), index and smoothing up to date with s;
  /// reuses what the points appended since the last call did not change. Null or empty s
  /// clears the curve. origin is the caller's to set.
  void sync(const MetricSeries* s, XAxisMode x_mode, double smoothing);
  /// Downsamples [x0, x1] (axis units) for width_px columns into the graphs. True when the
  /// pens must change (the curve turned dense, sparse, or back).
  bool resample(double x0, double x1, int width_px, bool log_y);
};

}  // namespace wb::ui
