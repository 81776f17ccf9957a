// Series operations for charts and run tables: min/max downsampling (property tests over
// seeded random series) and its indexed form (MinMaxIndex), TensorBoard's debiased EMA
// against its closed form and its incremental form, summaries.
#include <QRandomGenerator>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/metrics/incremental_ema.h"
#include "core/metrics/min_max_index.h"
#include "core/metrics/series_ops.h"
#include "test_support.h"

using wb::metrics::Goal;
using wb::metrics::PlotPoints;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Series {
  std::vector<double> xs;
  std::vector<double> ys;
};

// Sorted xs with repeats and gaps; ys a noisy walk with spikes and a share of NaN/inf.
Series randomSeries(std::mt19937_64& rng, std::size_t n, double bad_share) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 1.0);
  Series s;
  double x = unit(rng) * 100 - 50;
  double y = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = unit(rng);
    x += r < 0.1 ? 0.0 : r < 0.95 ? unit(rng) : unit(rng) * 50;  // repeats, steps, gaps
    y += noise(rng);
    double v = unit(rng) < 0.01 ? y + noise(rng) * 100 : y;
    if (unit(rng) < bad_share) v = unit(rng) < 0.8 ? kNaN : (unit(rng) < 0.5 ? kInf : -kInf);
    s.xs.push_back(x);
    s.ys.push_back(v);
  }
  return s;
}

bool sameDouble(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

bool samePoint(double ax, double ay, double bx, double by) { return ax == bx && ay == by; }

std::string describe(const char* what, std::size_t i, double x, double y) {
  return std::string(what) + " #" + std::to_string(i) + " (" + std::to_string(x) + ", " +
         std::to_string(y) + ")";
}

// Checks every promise of downsampleMinMax(); returns the first broken one, or "".
std::string checkDownsample(const Series& s, double x0, double x1, int width,
                            const PlotPoints& out) {
  const std::size_t n = s.xs.size();
  if (out.xs.size() != out.ys.size()) return "xs and ys differ in size";
  if (out.size() > 4 * static_cast<std::size_t>(width) + 2)
    return "too many points: " + std::to_string(out.size());
  if (!std::is_sorted(out.xs.begin(), out.xs.end())) return "output x not sorted";
  for (std::size_t k = 0; k < out.size(); ++k)
    if (!std::isfinite(out.ys[k]))
      return describe("non-finite output point", k, out.xs[k], out.ys[k]);

  // The output is a subsequence of the input.
  {
    std::size_t k = 0;
    for (std::size_t i = 0; i < n && k < out.size(); ++i)
      if (samePoint(s.xs[i], s.ys[i], out.xs[k], out.ys[k])) ++k;
    if (k != out.size())
      return describe("point not from the input, in order", k, out.xs[k], out.ys[k]);
  }

  const double lo_x = std::min(x0, x1), hi_x = std::max(x0, x1);
  auto finite = [&](std::size_t i) { return std::isfinite(s.ys[i]); };
  auto visible = [&](double x) { return x >= lo_x && x <= hi_x; };

  // Edges: the nearest finite point outside each side, first and last in the output.
  std::ptrdiff_t left = -1, right = -1;
  for (std::size_t i = 0; i < n; ++i) {
    if (!finite(i)) continue;
    if (s.xs[i] < lo_x) left = static_cast<std::ptrdiff_t>(i);
    if (s.xs[i] > hi_x && right < 0) right = static_cast<std::ptrdiff_t>(i);
  }
  if (left >= 0 &&
      (out.empty() || !samePoint(out.xs.front(), out.ys.front(), s.xs[left], s.ys[left])))
    return describe("left edge missing", static_cast<std::size_t>(left), s.xs[left], s.ys[left]);
  if (right >= 0 &&
      (out.empty() || !samePoint(out.xs.back(), out.ys.back(), s.xs[right], s.ys[right])))
    return describe("right edge missing", static_cast<std::size_t>(right), s.xs[right],
                    s.ys[right]);

  // Per pixel column of the visible finite points: first, last, min and max are drawn.
  struct Column {
    std::ptrdiff_t first = -1, last = -1;
    double min = kInf, max = -kInf;
  };
  std::vector<Column> columns(static_cast<std::size_t>(width));
  std::size_t visible_finite = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!finite(i) || !visible(s.xs[i])) continue;
    ++visible_finite;
    auto& c = columns[static_cast<std::size_t>(wb::metrics::pixelColumn(s.xs[i], x0, x1, width))];
    if (c.first < 0) c.first = static_cast<std::ptrdiff_t>(i);
    c.last = static_cast<std::ptrdiff_t>(i);
    c.min = std::min(c.min, s.ys[i]);
    c.max = std::max(c.max, s.ys[i]);
  }
  std::vector<std::vector<std::size_t>> drawn(columns.size());
  std::size_t drawn_visible = 0;
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (!visible(out.xs[k])) continue;
    ++drawn_visible;
    drawn[static_cast<std::size_t>(wb::metrics::pixelColumn(out.xs[k], x0, x1, width))].push_back(
        k);
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const Column& col = columns[c];
    if (col.first < 0) {
      if (!drawn[c].empty()) return "points drawn in empty column " + std::to_string(c);
      continue;
    }
    auto has = [&](auto pred) {
      return std::any_of(drawn[c].begin(), drawn[c].end(), [&](std::size_t k) { return pred(k); });
    };
    const auto f = static_cast<std::size_t>(col.first), l = static_cast<std::size_t>(col.last);
    if (!has([&](std::size_t k) { return samePoint(out.xs[k], out.ys[k], s.xs[f], s.ys[f]); }))
      return describe("column's first point missing", f, s.xs[f], s.ys[f]);
    if (!has([&](std::size_t k) { return samePoint(out.xs[k], out.ys[k], s.xs[l], s.ys[l]); }))
      return describe("column's last point missing", l, s.xs[l], s.ys[l]);
    if (!has([&](std::size_t k) { return out.ys[k] == col.min; }))
      return "column " + std::to_string(c) + ": min " + std::to_string(col.min) + " missing";
    if (!has([&](std::size_t k) { return out.ys[k] == col.max; }))
      return "column " + std::to_string(c) + ": max " + std::to_string(col.max) + " missing";
  }
  std::size_t visible_slots = 0;
  for (std::size_t i = 0; i < n; ++i) visible_slots += visible(s.xs[i]) ? 1 : 0;
  if (visible_slots <= 4 * static_cast<std::size_t>(width)) {
    // Zoomed in far enough, nothing is dropped.
    if (drawn_visible != visible_finite)
      return "zoomed in, but " + std::to_string(visible_finite - drawn_visible) + " points dropped";
  } else {
    for (std::size_t c = 0; c < drawn.size(); ++c)
      if (drawn[c].size() > 4) return "more than 4 points in column " + std::to_string(c);
  }
  return {};
}

// The debiased EMA at each index, straight from its closed form:
// sum_k (1-w) w^(n-k) y_k / (1 - w^n) over the n finite points so far.
std::vector<double> directEma(const std::vector<double>& ys, double w) {
  std::vector<double> out(ys);
  std::vector<double> finite;
  for (std::size_t i = 0; i < ys.size(); ++i) {
    if (!std::isfinite(ys[i])) continue;
    finite.push_back(ys[i]);
    const std::size_t n = finite.size();
    double sum = 0;
    for (std::size_t k = 1; k <= n; ++k)
      sum += (1 - w) * std::pow(w, static_cast<double>(n - k)) * finite[k - 1];
    out[i] = sum / (1 - std::pow(w, static_cast<double>(n)));
  }
  return out;
}

// Goals compare by their spelling, which QTest can print.
std::string str(Goal goal) { return std::string(wb::metrics::toString(goal)); }

bool sameOrBothNaN(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

class TestSeriesOps : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void downsampleKeepsColumnExtremes_data();
  void downsampleKeepsColumnExtremes();
  void downsampleMillionPoints();
  void downsampleEdgesAndGaps();
  void downsampleDegenerateInputs();
  void downsampleIntoReusesStorage();
  void pixelColumnMapping();
  void emaMatchesClosedForm_data();
  void emaMatchesClosedForm();
  void emaByHand();
  void emaZeroWeightIsIdentity();
  void emaConstantAndClampedWeights();
  void summaries();
  void goals();
  void minMaxIndexMatchesScan();
  void indexedDownsampleMatchesScan();
  void incrementalEmaMatchesEmaSmooth();
};

void TestSeriesOps::downsampleKeepsColumnExtremes_data() {
  QTest::addColumn<double>("bad_share");
  QTest::newRow("all finite") << 0.0;
  QTest::newRow("some NaN/inf") << 0.1;
  QTest::newRow("mostly NaN/inf") << 0.8;
  QTest::newRow("only NaN/inf") << 1.0;
}

void TestSeriesOps::downsampleKeepsColumnExtremes() {
  QFETCH(double, bad_share);
  std::mt19937_64 rng(20240501u + static_cast<std::uint64_t>(bad_share * 100));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> width_dist(1, 300);
  const std::size_t sizes[] = {0, 1, 2, 3, 10, 100, 1000, 5000, 20000};
  PlotPoints out;
  for (int iteration = 0; iteration < 400; ++iteration) {
    const std::size_t n = sizes[static_cast<std::size_t>(iteration) % std::size(sizes)];
    const Series s = randomSeries(rng, n, bad_share);
    const int width = width_dist(rng);
    const double first = n ? s.xs.front() : 0, last = n ? s.xs.back() : 1;
    const double span = last - first;
    double x0 = 0, x1 = 0;
    switch (iteration % 6) {
      case 0:
        x0 = first, x1 = last;
        break;  // everything
      case 1:
        x0 = first + unit(rng) * span, x1 = x0 + unit(rng) * span * 0.3;
        break;  // a window
      case 2:
        x0 = first - 10, x1 = last + 10;
        break;  // margins
      case 3:
        x0 = last + 1, x1 = last + 5;
        break;  // right of all
      case 4:
        x1 = first + unit(rng) * span, x0 = x1 - unit(rng) * span;
        std::swap(x0, x1);
        break;
      case 5:
        x0 = x1 = n ? s.xs[n / 2] : 0;
        break;  // zero width
    }
    if (iteration % 2) {
      wb::metrics::downsampleMinMaxInto(s.xs, s.ys, x0, x1, width, out);
    } else {
      out = wb::metrics::downsampleMinMax(s.xs, s.ys, x0, x1, width);
    }
    const std::string problem = checkDownsample(s, x0, x1, width, out);
    const std::string where = "iteration " + std::to_string(iteration) + ", n " +
                              std::to_string(n) + ", width " + std::to_string(width) + ": " +
                              problem;
    QVERIFY2(problem.empty(), where.c_str());
  }
}

void TestSeriesOps::downsampleMillionPoints() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  const std::size_t n = 1'000'000;
  Series s;
  s.xs.resize(n);
  s.ys.resize(n);
  double y = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s.xs[i] = static_cast<double>(i);
    y += noise(rng);
    s.ys[i] = i % 99'991 == 0 ? y + 1e6 : y;  // rare spikes that plain skipping would lose
  }
  for (const int width : {1, 800, 1920}) {
    const auto out =
        wb::metrics::downsampleMinMax(s.xs, s.ys, 0, static_cast<double>(n - 1), width);
    QVERIFY(out.size() <= 4 * static_cast<std::size_t>(width) + 2);
    const std::string problem = checkDownsample(s, 0, static_cast<double>(n - 1), width, out);
    QVERIFY2(problem.empty(), problem.c_str());
    if (width < 800) continue;
    // Every column holds points, and each spike is its column's maximum.
    QVERIFY(out.size() >= 2 * static_cast<std::size_t>(width));
    QCOMPARE(std::count_if(out.ys.begin(), out.ys.end(), [&](double v) { return v > 5e5; }),
             std::ptrdiff_t(11));
  }
  // A window in the middle: both edges come along.
  const auto out = wb::metrics::downsampleMinMax(s.xs, s.ys, 250'000.5, 750'000.5, 1000);
  QCOMPARE(out.xs.front(), 250'000.0);
  QCOMPARE(out.xs.back(), 750'001.0);
  QVERIFY(out.size() <= 4002);
}

void TestSeriesOps::downsampleEdgesAndGaps() {
  const std::vector<double> xs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<double> ys = {5, kNaN, 1, 2, kNaN, 3, kInf, 4, kNaN, 6};
  // Zoomed in: all finite visible points plus the nearest finite point beyond each side,
  // skipping the NaN right next to the range.
  auto out = wb::metrics::downsampleMinMax(xs, ys, 1.5, 7.5, 100);
  QCOMPARE(out.xs, (std::vector<double>{0, 2, 3, 5, 7, 9}));
  QCOMPARE(out.ys, (std::vector<double>{5, 1, 2, 3, 4, 6}));
  // A range bound exactly on a point includes it; nothing outside → no edge.
  out = wb::metrics::downsampleMinMax(xs, ys, 0, 9, 100);
  QCOMPARE(out.xs, (std::vector<double>{0, 2, 3, 5, 7, 9}));
  // One column: first, min, max, last in x order.
  const std::vector<double> xs2 = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<double> ys2 = {3, kNaN, 9, 0, 5, 5, 1, 8, 2, 4};
  out = wb::metrics::downsampleMinMax(xs2, ys2, 0, 9, 1);
  QCOMPARE(out.xs, (std::vector<double>{0, 2, 3, 9}));
  QCOMPARE(out.ys, (std::vector<double>{3, 9, 0, 4}));
  // Equal x values (a restarted step counter) stay in input order.
  const std::vector<double> xs3 = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  out = wb::metrics::downsampleMinMax(xs3, ys2, 0, 1, 1);
  QVERIFY(std::is_sorted(out.xs.begin(), out.xs.end()));
  QVERIFY(std::find(out.ys.begin(), out.ys.end(), 9.0) != out.ys.end());
  QVERIFY(std::find(out.ys.begin(), out.ys.end(), 0.0) != out.ys.end());
}

void TestSeriesOps::downsampleDegenerateInputs() {
  const std::vector<double> xs = {0, 1, 2};
  const std::vector<double> ys = {1, 2, 3};
  QVERIFY(wb::metrics::downsampleMinMax(xs, ys, 0, 2, 0).empty());
  QVERIFY(wb::metrics::downsampleMinMax(xs, ys, kNaN, 2, 10).empty());
  QVERIFY(wb::metrics::downsampleMinMax({}, {}, 0, 1, 10).empty());
  const std::vector<double> nans = {kNaN, kNaN, kNaN};
  QVERIFY(wb::metrics::downsampleMinMax(xs, nans, 0, 2, 10).empty());
  // Reversed range is the same range; ys shorter than xs limits the points.
  QCOMPARE(wb::metrics::downsampleMinMax(xs, ys, 2, 0, 10).xs, (std::vector<double>{0, 1, 2}));
  const std::vector<double> short_ys = {1, 2};
  QCOMPARE(wb::metrics::downsampleMinMax(xs, short_ys, 0, 2, 10).xs, (std::vector<double>{0, 1}));
  // Range outside the data: only the edge point on the data's side.
  QCOMPARE(wb::metrics::downsampleMinMax(xs, ys, 5, 6, 10).xs, (std::vector<double>{2}));
  QCOMPARE(wb::metrics::downsampleMinMax(xs, ys, -6, -5, 10).xs, (std::vector<double>{0}));
}

void TestSeriesOps::downsampleIntoReusesStorage() {
  std::mt19937_64 rng(3);
  const Series s = randomSeries(rng, 50'000, 0.0);
  PlotPoints out;
  wb::metrics::downsampleMinMaxInto(s.xs, s.ys, s.xs.front(), s.xs.back(), 500, out);
  const double* const data = out.xs.data();
  const std::size_t size = out.size();
  wb::metrics::downsampleMinMaxInto(s.xs, s.ys, s.xs.front(), s.xs.back(), 500, out);
  QCOMPARE(out.size(), size);
  QCOMPARE(out.xs.data(), data);  // no reallocation on a same-size redraw
}

void TestSeriesOps::pixelColumnMapping() {
  QCOMPARE(wb::metrics::pixelColumn(0, 0, 10, 10), 0);
  QCOMPARE(wb::metrics::pixelColumn(0.999, 0, 10, 10), 0);
  QCOMPARE(wb::metrics::pixelColumn(1, 0, 10, 10), 1);
  QCOMPARE(wb::metrics::pixelColumn(10, 0, 10, 10), 9);  // the right bound is in the last column
  QCOMPARE(wb::metrics::pixelColumn(-5, 0, 10, 10), 0);
  QCOMPARE(wb::metrics::pixelColumn(1e300, 0, 10, 10), 9);
  QCOMPARE(wb::metrics::pixelColumn(5, 5, 5, 10), 0);
  QCOMPARE(wb::metrics::pixelColumn(5, 10, 0, 10), 5);
}

void TestSeriesOps::emaMatchesClosedForm_data() {
  QTest::addColumn<double>("weight");
  QTest::addColumn<double>("bad_share");
  for (const double w : {0.1, 0.5, 0.6, 0.9, 0.99, 0.999}) {
    for (const double bad : {0.0, 0.2}) {
      const std::string name = "w=" + std::to_string(w) + " bad=" + std::to_string(bad);
      QTest::newRow(name.c_str()) << w << bad;
    }
  }
}

void TestSeriesOps::emaMatchesClosedForm() {
  QFETCH(double, weight);
  QFETCH(double, bad_share);
  std::mt19937_64 rng(11);
  for (int iteration = 0; iteration < 5; ++iteration) {
    Series s = randomSeries(rng, 600, bad_share);
    for (auto& y : s.ys) y += 1000;  // an offset: debiasing matters most far from zero
    const auto got = wb::metrics::emaSmooth(s.ys, weight);
    const auto want = directEma(s.ys, weight);
    QCOMPARE(got.size(), want.size());
    double scale = 1;
    for (const double y : s.ys)
      if (std::isfinite(y)) scale = std::max(scale, std::abs(y));
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (!std::isfinite(s.ys[i])) {
        QVERIFY2(sameOrBothNaN(got[i], s.ys[i]), "non-finite point not passed through");
        continue;
      }
      const std::string msg = "index " + std::to_string(i) + ": " + std::to_string(got[i]) +
                              " vs " + std::to_string(want[i]);
      QVERIFY2(std::abs(got[i] - want[i]) <= 1e-12 * scale, msg.c_str());
    }
  }
}

void TestSeriesOps::emaByHand() {
  // w = 0.5: last 0.5 → 0.5/0.5 = 1; last 0.25 + 1 = 1.25 → 1.25/0.75.
  const std::vector<double> ys = {1, kNaN, 2};
  const auto out = wb::metrics::emaSmooth(ys, 0.5);
  QCOMPARE(out[0], 1.0);
  QVERIFY(std::isnan(out[1]));
  QVERIFY(std::abs(out[2] - 1.25 / 0.75) < 1e-15);
  // The first finite point is always itself: debiasing removes the pull towards 0.
  const std::vector<double> late = {kNaN, 42, 43};
  QVERIFY(std::abs(wb::metrics::emaSmooth(late, 0.99)[1] - 42) < 1e-12);
}

void TestSeriesOps::emaZeroWeightIsIdentity() {
  std::mt19937_64 rng(5);
  const Series s = randomSeries(rng, 1000, 0.2);
  const auto out = wb::metrics::emaSmooth(s.ys, 0.0);
  QCOMPARE(out.size(), s.ys.size());
  for (std::size_t i = 0; i < out.size(); ++i) QVERIFY(sameOrBothNaN(out[i], s.ys[i]));
  std::vector<double> into(3, 7.0);
  wb::metrics::emaSmoothInto(s.ys, 0.0, into);
  QCOMPARE(into.size(), s.ys.size());
  QVERIFY(wb::metrics::emaSmooth({}, 0.9).empty());
}

void TestSeriesOps::emaConstantAndClampedWeights() {
  const std::vector<double> flat(100, 0.1);
  QCOMPARE(wb::metrics::emaSmooth(flat, 0.95), flat);  // exactly flat, no rounding wobble
  const std::vector<double> ys = {1, 2, 3, 4};
  QCOMPARE(wb::metrics::emaSmooth(ys, -0.5), ys);
  QCOMPARE(wb::metrics::emaSmooth(ys, kNaN), ys);
  for (const double v : wb::metrics::emaSmooth(ys, 1.0)) QVERIFY(std::isfinite(v));
}

void TestSeriesOps::summaries() {
  const std::vector<double> ys = {kNaN, 3, 1, kInf, 4, 2, kNaN};
  const auto s = wb::metrics::summarizeSeries(ys);
  QCOMPARE(s.count, std::size_t(4));
  QCOMPARE(*s.last, 2.0);
  QCOMPARE(*s.min, 1.0);
  QCOMPARE(*s.max, 4.0);
  QCOMPARE(*s.mean, 2.5);
  QCOMPARE(*s.best(Goal::Min), 1.0);
  QCOMPARE(*s.best(Goal::Max), 4.0);
  QCOMPARE(*wb::metrics::bestIndex(ys, Goal::Min), std::size_t(2));
  QCOMPARE(*wb::metrics::bestIndex(ys, Goal::Max), std::size_t(4));
  const std::vector<double> ties = {2, 5, 5};
  QCOMPARE(*wb::metrics::bestIndex(ties, Goal::Max), std::size_t(1));

  const std::vector<double> none = {kNaN, kInf};
  const auto e = wb::metrics::summarizeSeries(none);
  QCOMPARE(e.count, std::size_t(0));
  QVERIFY(!e.last && !e.min && !e.max && !e.mean && !e.best(Goal::Max));
  QVERIFY(!wb::metrics::bestIndex(none, Goal::Min));
}

void TestSeriesOps::goals() {
  QCOMPARE(wb::metrics::storedMetricKey("val_loss"), std::string("val/loss"));
  QCOMPARE(wb::metrics::storedMetricKey("train_top5_accuracy"), std::string("train/top5_accuracy"));
  QCOMPARE(wb::metrics::storedMetricKey("val/loss"), std::string("val/loss"));
  QCOMPARE(wb::metrics::storedMetricKey("lr"), std::string("lr"));
  QCOMPARE(wb::metrics::storedMetricKey("validation_loss"), std::string("validation_loss"));
  QCOMPARE(str(wb::metrics::goalForMetric("val/loss")), str(Goal::Min));
  QCOMPARE(str(wb::metrics::goalForMetric("train/rmse")), str(Goal::Min));
  QCOMPARE(str(wb::metrics::goalForMetric("val/error_rate")), str(Goal::Min));
  QCOMPARE(str(wb::metrics::goalForMetric("val/accuracy")), str(Goal::Max));
  QCOMPARE(str(wb::metrics::goalFromString("MIN")), str(Goal::Min));
  QCOMPARE(str(wb::metrics::goalFromString("max")), str(Goal::Max));
  QCOMPARE(str(wb::metrics::goalFromString("best")), str(Goal::Unknown));
  QCOMPARE(str(Goal::Min), std::string("min"));
  QVERIFY(wb::metrics::isBetter(1, 2, Goal::Min));
  QVERIFY(wb::metrics::isBetter(2, 1, Goal::Max));
  QVERIFY(!wb::metrics::isBetter(1, 1, Goal::Max));
}

// MinMaxIndex::minMax against a plain left-to-right scan: the same first minimum and maximum
// for any range, with NaN/inf gaps, ties and an index built in appended pieces.
void TestSeriesOps::minMaxIndexMatchesScan() {
  std::mt19937_64 rng(20261207u);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{65},
                              std::size_t{4096}, std::size_t{70001}}) {
    std::vector<double> ys(n);
    for (auto& y : ys) {
      y = std::round(unit(rng) * 40) / 8;  // many equal values: the first one must win
      if (unit(rng) < 0.05) y = unit(rng) < 0.7 ? kNaN : (unit(rng) < 0.5 ? kInf : -kInf);
    }
    wb::metrics::MinMaxIndex index;
    index.update(std::span<const double>(ys).first(n / 2));
    index.update(ys, n / 2);
    QCOMPARE(index.size(), n);
    constexpr auto kNone = wb::metrics::MinMaxIndex::kNone;
    for (int q = 0; q < 300; ++q) {
      std::size_t a = static_cast<std::size_t>(unit(rng) * static_cast<double>(n + 1));
      std::size_t b = static_cast<std::size_t>(unit(rng) * static_cast<double>(n + 1));
      if (q == 0) a = 0, b = n;
      if (a > b) std::swap(a, b);
      std::uint32_t lo = kNone, hi = kNone;
      for (std::size_t i = a; i < b; ++i) {
        if (!std::isfinite(ys[i])) continue;
        if (lo == kNone || ys[i] < ys[lo]) lo = static_cast<std::uint32_t>(i);
        if (hi == kNone || ys[i] > ys[hi]) hi = static_cast<std::uint32_t>(i);
      }
      const auto [ilo, ihi] = index.minMax(ys, a, b);
      QVERIFY2(ilo == lo && ihi == hi,
               qPrintable(QStringLiteral("n %1 range [%2, %3)").arg(n).arg(a).arg(b)));
    }
  }
}

// Property: the indexed downsampler returns exactly what metrics::downsampleMinMaxInto
// returns (which keeps every pixel column's first, min, max and last point).
void TestSeriesOps::indexedDownsampleMatchesScan() {
  QRandomGenerator gen(20261207u);  // seeded: a failure reproduces
  auto* rng = &gen;
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 1 + static_cast<int>(rng->bounded(200000));
    std::vector<double> xs(static_cast<std::size_t>(n)), ys(static_cast<std::size_t>(n));
    double x = rng->generateDouble() * 100;
    for (int i = 0; i < n; ++i) {
      x += trial % 3 == 0 ? 1.0 : rng->generateDouble() * (trial % 5 == 0 ? 0.0 : 2.0);  // ties too
      xs[static_cast<std::size_t>(i)] = x;
      double y = std::round(rng->generateDouble() * 50) / 10;  // many equal values: tie rules
      if (rng->bounded(100) < 3) y = kNaN;
      if (rng->bounded(1000) == 0) y = 1e9;
      ys[static_cast<std::size_t>(i)] = y;
    }
    wb::metrics::MinMaxIndex index;
    // Built in pieces, as appends do.
    index.update(std::span<const double>(ys).first(static_cast<std::size_t>(n / 3)));
    index.update(ys, static_cast<std::size_t>(n / 3));
    for (int q = 0; q < 8; ++q) {
      const double lo = xs.front() + (xs.back() - xs.front()) * rng->generateDouble() * 0.6 - 5;
      const double hi = lo + (xs.back() - xs.front()) * rng->generateDouble();
      const int width = 1 + static_cast<int>(rng->bounded(2000));
      wb::metrics::PlotPoints expected, actual;
      wb::metrics::downsampleMinMaxInto(xs, ys, lo, hi, width, expected);
      wb::metrics::downsampleMinMaxIndexed(xs, ys, index, lo, hi, width, actual);
      QCOMPARE(actual.xs, expected.xs);
      QCOMPARE(actual.ys.size(), expected.ys.size());
      for (std::size_t i = 0; i < actual.ys.size(); ++i)
        QVERIFY(sameDouble(actual.ys[i], expected.ys[i]));
    }
  }
}

// The incremental EMA (the charts' smoothing) equals metrics::emaSmooth bit for bit, however points
// arrive.
void TestSeriesOps::incrementalEmaMatchesEmaSmooth() {
  QRandomGenerator gen(20261207u);  // seeded: a failure reproduces
  auto* rng = &gen;
  for (int trial = 0; trial < 40; ++trial) {
    const int n = 1 + static_cast<int>(rng->bounded(5000));
    std::vector<double> ys;
    const double weight = trial % 4 == 0 ? 0.999 : rng->generateDouble() * 0.99;
    wb::metrics::IncrementalEma ema;
    std::vector<double> out;
    while (static_cast<int>(ys.size()) < n) {
      const std::size_t from = ys.size();
      const int add = 1 + static_cast<int>(rng->bounded(300));
      for (int i = 0; i < add; ++i) {
        // Starts constant for a while (emaSmooth leaves constant series alone), then varies.
        double y = ys.size() < 50 && trial % 2 ? 0.5 : rng->generateDouble();
        if (rng->bounded(100) < 2) y = kNaN;
        ys.push_back(y);
      }
      ema.update(ys, weight, from, out);
      const auto expected = wb::metrics::emaSmooth(ys, weight);
      QCOMPARE(out.size(), expected.size());
      for (std::size_t i = 0; i < out.size(); ++i)
        QVERIFY2(sameDouble(out[i], expected[i]),
                 qPrintable(QStringLiteral("trial %1 index %2").arg(trial).arg(i)));
    }
  }
}

QTEST_GUILESS_MAIN(TestSeriesOps)
#include "tst_series_ops.moc"
