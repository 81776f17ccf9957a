#include "ui/charts/metric_curve.h"

#include <algorithm>
#include <cmath>

#include "ui/common/qcp.h"

namespace wb::ui {

namespace {
// Below this many points a plain scan per replot is as fast as keeping an index.
constexpr std::size_t kIndexMinPoints = 32'768;
}  // namespace

void MetricCurve::sync(const MetricSeries* s, XAxisMode x_mode, double smoothing) {
  if (!s || s->empty()) {
    view_x = view_y = {};
    copy_x.clear();
    copy_y.clear();
    smoothed.clear();
    raw_index.clear();
    smooth_index.clear();
    ema.reset();
    revision = generation = kNever;
    source_size = 0;
    return;
  }
  const std::span<const double> direct = s->xs(x_mode);
  const bool need_copy = direct.empty();
  const bool full = mode != x_mode || generation != s->generation || use_copy != need_copy ||
                    s->size() < source_size || (need_copy && revision != s->revision);
  if (!full && revision == s->revision && weight == smoothing) {
    // Nothing new; the arrays may still have moved (appends reallocate).
    view_x = need_copy ? std::span<const double>(copy_x) : direct;
    view_y = need_copy ? std::span<const double>(copy_y) : std::span<const double>(s->values);
    return;
  }
  const std::size_t from = full ? 0 : (need_copy ? 0 : source_size);
  if (need_copy) {
    // Unsorted or partly missing x (epochs not always logged): plot a sorted copy.
    const auto& xs = s->rawXs(x_mode);
    std::vector<std::uint32_t> order;
    order.reserve(xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (std::isfinite(xs[i])) order.push_back(static_cast<std::uint32_t>(i));
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return xs[a] < xs[b]; });
    copy_x.resize(order.size());
    copy_y.resize(order.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
      copy_x[k] = xs[order[k]];
      copy_y[k] = s->values[order[k]];
    }
    view_x = copy_x;
    view_y = copy_y;
  } else {
    copy_x = {};
    copy_y = {};
    view_x = direct;
    view_y = s->values;
  }
  if (view_y.size() >= kIndexMinPoints)
    raw_index.update(view_y, from);
  else
    raw_index.clear();
  if (smoothing > 0) {
    const std::size_t ema_from = weight == smoothing ? from : 0;
    const std::size_t changed = ema.update(view_y, smoothing, ema_from, smoothed);
    if (smoothed.size() >= kIndexMinPoints)
      smooth_index.update(smoothed, changed);
    else
      smooth_index.clear();
  } else {
    smoothed = {};
    smooth_index.clear();
    ema.reset();
  }
  use_copy = need_copy;
  mode = x_mode;
  weight = smoothing;
  revision = s->revision;
  generation = s->generation;
  source_size = s->size();
}

bool MetricCurve::resample(double x0, double x1, int width_px, bool log_y) {
  auto toGraph = [this, log_y](QCPGraph* graph, const metrics::PlotPoints& points) {
    QVector<QCPGraphData> data(static_cast<qsizetype>(points.size()));
    for (std::size_t i = 0; i < points.size(); ++i) {
      const double y = points.ys[i];
      data[static_cast<qsizetype>(i)] =
          QCPGraphData(points.xs[i] - origin, log_y && !(y > 0) ? qQNaN() : y);
    }
    graph->data()->set(data, true);
  };
  if (view_y.empty()) {
    raw_points.clear();
    smooth_points.clear();
    raw->data()->clear();
    smooth->data()->clear();
    return false;
  }
  const double a = x0 + origin, b = x1 + origin;
  metrics::downsampleMinMaxIndexed(view_x, view_y, raw_index, a, b, width_px, raw_points);
  toGraph(raw, raw_points);
  if (weight > 0 && smoothed.size() == view_y.size()) {
    metrics::downsampleMinMaxIndexed(view_x, smoothed, smooth_index, a, b, width_px, smooth_points);
    toGraph(smooth, smooth_points);
  } else {
    smooth_points.clear();
    smooth->data()->clear();
  }
  const auto dense = [&](const metrics::PlotPoints& p) {
    return p.size() > static_cast<std::size_t>(width_px) * 3 / 2;
  };
  // Dots mark the points when they stand at least ~12 px apart: a short run's epochs.
  bool now_sparse = false;
  if (const std::size_t n = raw_points.size(); n > 0 && b > a) {
    const double span_px = (raw_points.xs.back() - raw_points.xs.front()) / (b - a) * width_px;
    now_sparse = n == 1 || span_px / static_cast<double>(n - 1) >= 12.0;
  }
  if (dense(raw_points) != raw_dense || dense(smooth_points) != smooth_dense ||
      now_sparse != sparse) {
    raw_dense = dense(raw_points);
    smooth_dense = dense(smooth_points);
    sparse = now_sparse;
    return true;
  }
  return false;
}

}  // namespace wb::ui
