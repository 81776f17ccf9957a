#include "ui/compare/parallel_coords_widget.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QCollator>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include "core/metrics/run_comparison.h"

namespace wb::ui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMarginLeft = 64;
constexpr double kMarginTop = 58;
constexpr double kMarginBottom = 26;
constexpr double kAxisGrabPx = 14;  // how far from an axis a press starts a brush
constexpr double kHoverPx = 6;      // how far from a polyline the mouse picks its run
constexpr double kBrushHalfWidth = 9;
constexpr int kMaxEndLabels = 14;  // more runs than this: no labels at the line ends
const QColor kBrushColor(33, 118, 210);
const QColor kFaded(200, 203, 208, 120);

std::optional<double> numberOf(const QVariant& v) {
  if (!v.isValid() || v.isNull()) return std::nullopt;
  switch (v.metaType().id()) {
    case QMetaType::Double:
    case QMetaType::Float:
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong: {
      const double d = v.toDouble();
      return std::isfinite(d) ? std::optional(d) : std::nullopt;
    }
    default:
      return metrics::parseNumber(v.toString().trimmed().toStdString());
  }
}

QString tickText(double v) {
  if (std::abs(v) < 1e-12) v = 0;  // no "-0" or "1e-17" at zero
  return QString::number(v, 'g', 4);
}

double distanceToSegment(const QPointF& p, const QPointF& a, const QPointF& b) {
  const QPointF ab = b - a;
  const double len2 = QPointF::dotProduct(ab, ab);
  const double t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0) : 0.0;
  const QPointF d = p - (a + t * ab);
  return std::hypot(d.x(), d.y());
}
}  // namespace

ParallelCoordsWidget::ParallelCoordsWidget(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QSize ParallelCoordsWidget::sizeHint() const { return {820, 360}; }
QSize ParallelCoordsWidget::minimumSizeHint() const { return {320, 200}; }

void ParallelCoordsWidget::setData(const QList<Run>& runs, const QList<Axis>& axes) {
  m_runs = runs;
  m_axes.clear();
  for (const auto& spec : axes) {
    AxisData a;
    a.spec = spec;
    while (a.spec.values.size() < m_runs.size()) a.spec.values << QVariant();
    computeAxis(a);
    m_axes.push_back(std::move(a));
  }
  // Keep brushes on axes that are still there and still of the same kind.
  for (auto it = m_brushes.begin(); it != m_brushes.end();) {
    const int i = axisIndex(it->first);
    const bool keep = i >= 0 && it->second.categorical == (axisScale(i) == AxisScale::Categorical);
    it = keep ? std::next(it) : m_brushes.erase(it);
  }
  m_drag_axis = -1;
  if (!m_runs.isEmpty() && !runIds().contains(m_hovered)) m_hovered.clear();
  updateBrushed();
  update();
}

QStringList ParallelCoordsWidget::runIds() const {
  QStringList ids;
  for (const auto& r : m_runs) ids << r.id;
  return ids;
}

void ParallelCoordsWidget::computeAxis(AxisData& a) const {
  const int n = static_cast<int>(m_runs.size());
  std::vector<double> numbers(static_cast<std::size_t>(n), kNaN);
  std::vector<double> present;
  bool numeric = true;
  for (int i = 0; i < n; ++i) {
    const QVariant& v = a.spec.values[i];
    if (!v.isValid() || v.isNull() || v.toString().isEmpty()) continue;
    if (const auto d = numberOf(v)) {
      numbers[static_cast<std::size_t>(i)] = *d;
      present.push_back(*d);
    } else {
      numeric = false;
    }
  }
  a.positions.assign(static_cast<std::size_t>(n), kNaN);
  a.categories.clear();
  if (numeric && !present.empty()) {
    a.scale = a.spec.allow_log && metrics::prefersLogScale(present) ? AxisScale::Log : AxisScale::Linear;
    auto [lo_it, hi_it] = std::minmax_element(present.begin(), present.end());
    double lo = *lo_it, hi = *hi_it;
    if (a.scale == AxisScale::Log) {
      lo = std::log10(lo);
      hi = std::log10(hi);
    }
    if (hi - lo <= 0) {
      const double pad = std::abs(lo) > 0 ? std::abs(lo) * 0.1 : 0.5;
      lo -= pad;
      hi += pad;
    } else {
      const double pad = (hi - lo) * 0.05;  // lines never sit on an axis end
      lo -= pad;
      hi += pad;
    }
    a.lo = lo;
    a.hi = hi;
    for (int i = 0; i < n; ++i) {
      const double v = numbers[static_cast<std::size_t>(i)];
      if (std::isfinite(v)) a.positions[static_cast<std::size_t>(i)] = positionOfValue(a, v);
    }
    return;
  }
  // Categorical: distinct texts, sorted as numbers where they are (then naturally).
  a.scale = AxisScale::Categorical;
  for (int i = 0; i < n; ++i) {
    const QString text = a.spec.values[i].toString();
    if (a.spec.values[i].isValid() && !text.isEmpty() && !a.categories.contains(text))
      a.categories << text;
  }
  QCollator collator;
  collator.setNumericMode(true);
  std::sort(a.categories.begin(), a.categories.end(), [&](const QString& x, const QString& y) {
    const auto nx = metrics::parseNumber(x.toStdString()), ny = metrics::parseNumber(y.toStdString());
    if (nx && ny) return *nx < *ny;
    if (nx != ny) return nx.has_value();  // numbers below words
    return collator.compare(x, y) < 0;
  });
  const int k = static_cast<int>(a.categories.size());
  for (int i = 0; i < n; ++i) {
    const int c = static_cast<int>(a.categories.indexOf(a.spec.values[i].toString()));
    if (a.spec.values[i].isValid() && c >= 0)
      a.positions[static_cast<std::size_t>(i)] = (c + 0.5) / k;
  }
}

double ParallelCoordsWidget::positionOfValue(const AxisData& a, double value) const {
  if (a.scale == AxisScale::Categorical) return kNaN;
  double v = value;
  if (a.scale == AxisScale::Log) {
    if (!(v > 0)) return kNaN;
    v = std::log10(v);
  }
  return (v - a.lo) / (a.hi - a.lo);
}

int ParallelCoordsWidget::axisIndex(const QString& key) const {
  for (int i = 0; i < axisCount(); ++i)
    if (m_axes[static_cast<std::size_t>(i)].spec.key == key) return i;
  return -1;
}

QString ParallelCoordsWidget::axisKey(int axis) const {
  return axis >= 0 && axis < axisCount() ? m_axes[static_cast<std::size_t>(axis)].spec.key
                                         : QString();
}

ParallelCoordsWidget::AxisScale ParallelCoordsWidget::axisScale(int axis) const {
  return axis >= 0 && axis < axisCount() ? m_axes[static_cast<std::size_t>(axis)].scale
                                         : AxisScale::Unknown;
}

QStringList ParallelCoordsWidget::axisCategories(int axis) const {
  return axis >= 0 && axis < axisCount() ? m_axes[static_cast<std::size_t>(axis)].categories
                                         : QStringList();
}

// ---- geometry ----------------------------------------------------------------------------

namespace {
double rightMargin(const QWidget* w, const QList<ParallelCoordsWidget::Run>& runs) {
  if (runs.size() > kMaxEndLabels || runs.isEmpty()) return 56;
  QFont f = w->font();
  f.setPointSizeF(f.pointSizeF() * 0.9);
  const QFontMetricsF fm(f);
  double widest = 0;
  for (const auto& r : runs) widest = std::max(widest, fm.horizontalAdvance(r.label));
  return std::clamp(widest + 34, 60.0, std::max(60.0, w->width() * 0.22));
}
}  // namespace

double ParallelCoordsWidget::axisX(int axis) const {
  const int n = axisCount();
  if (axis < 0 || axis >= n) return kNaN;
  const double left = kMarginLeft, right = width() - rightMargin(this, m_runs);
  if (n == 1) return (left + right) / 2;
  return left + (right - left) * axis / (n - 1);
}

double ParallelCoordsWidget::axisTop() const { return kMarginTop; }
double ParallelCoordsWidget::axisBottom() const {
  return std::max(kMarginTop + 20, height() - kMarginBottom);
}

double ParallelCoordsWidget::yForPosition(double t) const {
  return axisBottom() - t * (axisBottom() - axisTop());
}

double ParallelCoordsWidget::positionForY(double y) const {
  return (axisBottom() - y) / (axisBottom() - axisTop());
}

double ParallelCoordsWidget::yForValue(int axis, double value) const {
  if (axis < 0 || axis >= axisCount()) return kNaN;
  return yForPosition(positionOfValue(m_axes[static_cast<std::size_t>(axis)], value));
}

double ParallelCoordsWidget::yForCategory(int axis, const QString& category) const {
  if (axisScale(axis) != AxisScale::Categorical) return kNaN;
  const auto& a = m_axes[static_cast<std::size_t>(axis)];
  const auto c = a.categories.indexOf(category);
  return c < 0 ? kNaN
               : yForPosition((static_cast<double>(c) + 0.5) /
                              static_cast<double>(a.categories.size()));
}

double ParallelCoordsWidget::valueAtY(int axis, double y) const {
  const auto scale = axisScale(axis);
  if (scale != AxisScale::Linear && scale != AxisScale::Log) return kNaN;
  const auto& a = m_axes[static_cast<std::size_t>(axis)];
  const double v = a.lo + positionForY(y) * (a.hi - a.lo);
  return scale == AxisScale::Log ? std::pow(10.0, v) : v;
}

// ---- brushes -----------------------------------------------------------------------------

void ParallelCoordsWidget::setBrush(const QString& key, double lo, double hi) {
  const int i = axisIndex(key);
  if (i < 0 || axisScale(i) == AxisScale::Categorical) return;
  Brush b;
  b.lo = std::min(lo, hi);
  b.hi = std::max(lo, hi);
  m_brushes[key] = b;
  updateBrushed();
  update();
}

void ParallelCoordsWidget::setCategoryBrush(const QString& key, const QStringList& categories) {
  const int i = axisIndex(key);
  if (i < 0 || axisScale(i) != AxisScale::Categorical) return;
  Brush b;
  b.categorical = true;
  b.categories = QSet<QString>(categories.begin(), categories.end());
  m_brushes[key] = b;
  updateBrushed();
  update();
}

void ParallelCoordsWidget::clearBrush(const QString& key) {
  if (m_brushes.erase(key) == 0) return;
  updateBrushed();
  update();
}

void ParallelCoordsWidget::clearBrushes() {
  if (m_brushes.empty()) return;
  m_brushes.clear();
  updateBrushed();
  update();
}

std::optional<std::pair<double, double>> ParallelCoordsWidget::brushRange(
    const QString& key) const {
  const auto it = m_brushes.find(key);
  if (it == m_brushes.end() || it->second.categorical) return std::nullopt;
  return std::pair(it->second.lo, it->second.hi);
}

bool ParallelCoordsWidget::runInBrush(int run, int axis, const Brush& b) const {
  const auto& a = m_axes[static_cast<std::size_t>(axis)];
  const QVariant& v = a.spec.values[run];
  if (b.categorical) return v.isValid() && b.categories.contains(v.toString());
  const auto d = numberOf(v);
  return d && *d >= b.lo && *d <= b.hi;
}

QStringList ParallelCoordsWidget::brushedRuns() const {
  QStringList out;
  for (int r = 0; r < m_runs.size(); ++r) {
    bool inside = true;
    for (const auto& [key, brush] : m_brushes) {
      const int axis = axisIndex(key);
      if (axis >= 0 && !runInBrush(r, axis, brush)) {
        inside = false;
        break;
      }
    }
    if (inside) out << m_runs[r].id;
  }
  return out;
}

void ParallelCoordsWidget::updateBrushed() {
  const QStringList now = brushedRuns();
  if (now == m_brushed) return;
  m_brushed = now;
  Q_EMIT runsBrushed(now);
}

// ---- mouse -------------------------------------------------------------------------------

int ParallelCoordsWidget::axisNear(const QPointF& pos) const {
  if (pos.y() < axisTop() - 10 || pos.y() > axisBottom() + 10) return -1;
  int best = -1;
  double best_d = kAxisGrabPx;
  for (int i = 0; i < axisCount(); ++i) {
    const double d = std::abs(pos.x() - axisX(i));
    if (d <= best_d) {
      best = i;
      best_d = d;
    }
  }
  return best;
}

QString ParallelCoordsWidget::runNear(const QPointF& pos) const {
  QString best;
  double best_d = kHoverPx;
  for (int r = 0; r < m_runs.size(); ++r) {
    for (int i = 0; i + 1 < axisCount(); ++i) {
      const double t0 = m_axes[static_cast<std::size_t>(i)].positions[static_cast<std::size_t>(r)];
      const double t1 =
          m_axes[static_cast<std::size_t>(i + 1)].positions[static_cast<std::size_t>(r)];
      if (!std::isfinite(t0) || !std::isfinite(t1)) continue;
      const double d =
          distanceToSegment(pos, {axisX(i), yForPosition(t0)}, {axisX(i + 1), yForPosition(t1)});
      if (d < best_d) {
        best_d = d;
        best = m_runs[r].id;
      }
    }
  }
  return best;
}

void ParallelCoordsWidget::applyDrag(double y0, double y1) {
  const int i = m_drag_axis;
  const QString key = axisKey(i);
  const double top = std::clamp(std::min(y0, y1), axisTop(), axisBottom());
  const double bottom = std::clamp(std::max(y0, y1), axisTop(), axisBottom());
  Brush b;
  if (axisScale(i) == AxisScale::Categorical) {
    b.categorical = true;
    for (const auto& c : axisCategories(i)) {
      const double y = yForCategory(i, c);
      if (y >= top && y <= bottom) b.categories.insert(c);
    }
  } else {
    b.lo = valueAtY(i, bottom);
    b.hi = valueAtY(i, top);
  }
  m_brushes[key] = b;
  updateBrushed();
  update();
}

void ParallelCoordsWidget::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  const QPointF pos = event->position();
  m_drag_axis = axisNear(pos);
  m_drag_y0 = m_drag_y1 = pos.y();
  m_drag_moved = false;
  m_drag_moves_brush = false;
  m_drag_original.reset();
  if (m_drag_axis < 0) return;
  // A press inside a numeric brush drags the brush along the axis.
  if (const auto range = brushRange(axisKey(m_drag_axis))) {
    const double y_hi = yForValue(m_drag_axis, range->second);
    const double y_lo = yForValue(m_drag_axis, range->first);
    if (pos.y() >= y_hi - 2 && pos.y() <= y_lo + 2) {
      m_drag_moves_brush = true;
      m_drag_original = m_brushes[axisKey(m_drag_axis)];
    }
  }
  event->accept();
}

void ParallelCoordsWidget::mouseMoveEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  if (m_drag_axis >= 0) {
    if (!m_drag_moved && std::abs(pos.y() - m_drag_y0) < 3) return;
    m_drag_moved = true;
    m_drag_y1 = pos.y();
    if (m_drag_moves_brush && m_drag_original) {
      const double y_hi = yForValue(m_drag_axis, m_drag_original->hi);
      const double y_lo = yForValue(m_drag_axis, m_drag_original->lo);
      // Shift by the drag, kept inside the axis.
      double dy = pos.y() - m_drag_y0;
      dy = std::clamp(dy, axisTop() - y_hi, axisBottom() - y_lo);
      applyDrag(y_hi + dy, y_lo + dy);
    } else {
      applyDrag(m_drag_y0, pos.y());
    }
    return;
  }
  const int axis = axisNear(pos);
  setCursor(axis >= 0 ? Qt::SizeVerCursor : Qt::ArrowCursor);
  const QString run = axis >= 0 ? QString() : runNear(pos);
  if (run != m_hovered) {
    m_hovered = run;
    update();
  }
}

void ParallelCoordsWidget::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mouseReleaseEvent(event);
  const int axis = m_drag_axis;
  m_drag_axis = -1;
  if (axis >= 0) {
    if (!m_drag_moved) clearBrush(axisKey(axis));  // a click on an axis clears its brush
    update();
    return;
  }
  const QString run = runNear(event->position());
  if (!run.isEmpty()) Q_EMIT runClicked(run);
}

void ParallelCoordsWidget::mouseDoubleClickEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) clearBrushes();
}

void ParallelCoordsWidget::leaveEvent(QEvent* event) {
  QWidget::leaveEvent(event);
  if (!m_hovered.isEmpty()) {
    m_hovered.clear();
    update();
  }
}

QString ParallelCoordsWidget::tooltipFor(const QString& run_id) const {
  const int r = static_cast<int>(runIds().indexOf(run_id));
  if (r < 0) return {};
  QString html = QStringLiteral("<b style=\"color:%1\">&#9632;</b> <b>%2</b><table>")
                     .arg(m_runs[r].color.name(), m_runs[r].label.toHtmlEscaped());
  for (const auto& a : m_axes) {
    const QVariant& v = a.spec.values[r];
    const QString text =
        v.isValid() && !v.toString().isEmpty()
            ? (v.metaType().id() == QMetaType::Double ? tickText(v.toDouble()) : v.toString())
            : QStringLiteral("—");
    html += QStringLiteral("<tr><td>%1&nbsp;&nbsp;</td><td align=right>%2</td></tr>")
                .arg((a.spec.title.isEmpty() ? a.spec.key : a.spec.title).toHtmlEscaped(),
                     text.toHtmlEscaped());
  }
  return html + QStringLiteral("</table>");
}

bool ParallelCoordsWidget::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    const auto* help = static_cast<QHelpEvent*>(event);
    const QPointF pos = help->pos();
    const int axis = axisNear(pos);
    QString text;
    if (axis >= 0) {
      const auto& a = m_axes[static_cast<std::size_t>(axis)];
      text = (a.spec.title.isEmpty() ? a.spec.key : a.spec.title).toHtmlEscaped() +
             tr("<br><i>Drag along the axis to select a range; click to clear it.</i>");
    } else if (const QString run = runNear(pos); !run.isEmpty()) {
      text = tooltipFor(run);
    }
    if (text.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(help->globalPos(), text, this);
    return true;
  }
  return QWidget::event(event);
}

// ---- painting ----------------------------------------------------------------------------

QStringList ParallelCoordsWidget::ticks(const AxisData& a, std::vector<double>& positions) const {
  QStringList labels;
  positions.clear();
  if (a.scale == AxisScale::Categorical) {
    for (int c = 0; c < a.categories.size(); ++c) {
      positions.push_back((c + 0.5) / static_cast<double>(a.categories.size()));
      labels << a.categories[c];
    }
    return labels;
  }
  const double span_px = axisBottom() - axisTop();
  const int wanted = std::clamp(static_cast<int>(span_px / 45), 2, 8);
  if (a.scale == AxisScale::Log) {
    std::vector<double> values;
    for (int k = static_cast<int>(std::ceil(a.lo)); k <= static_cast<int>(std::floor(a.hi)); ++k)
      values.push_back(std::pow(10.0, k));
    if (static_cast<int>(values.size()) < 3) {  // under two decades: 2× and 5× too
      values.clear();
      for (int k = static_cast<int>(std::floor(a.lo)); k <= static_cast<int>(std::ceil(a.hi)); ++k)
        for (const double m : {1.0, 2.0, 5.0}) {
          const double v = m * std::pow(10.0, k);
          const double lv = std::log10(v);
          if (lv >= a.lo && lv <= a.hi) values.push_back(v);
        }
    }
    for (const double v : values) {
      positions.push_back(positionOfValue(a, v));
      labels << tickText(v);
    }
    return labels;
  }
  const double range = a.hi - a.lo;
  const double rough = range / wanted;
  const double mag = std::pow(10.0, std::floor(std::log10(rough)));
  const double norm = rough / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  for (double v = std::ceil(a.lo / step) * step; v <= a.hi + step * 1e-9; v += step) {
    positions.push_back(positionOfValue(a, v));
    labels << tickText(v);
  }
  return labels;
}

namespace {
const QColor kMuted(110, 114, 120);
const QColor kAxisPen(80, 84, 90);

QFont smallFont(const QFont& base) {
  QFont small = base;
  small.setPointSizeF(base.pointSizeF() * 0.85);
  return small;
}
}  // namespace

void ParallelCoordsWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  p.setRenderHint(QPainter::Antialiasing);

  if (m_axes.empty() || m_runs.isEmpty()) {
    p.setPen(kMuted);
    p.drawText(rect(), Qt::AlignCenter, tr("Choose params and a metric to draw as axes."));
    return;
  }

  const int n = axisCount();
  const double spacing = n > 1 ? axisX(1) - axisX(0) : width() / 2.0;
  const QSet<QString> inside(m_brushed.begin(), m_brushed.end());
  paintTargetBand(p);
  paintRuns(p, inside);
  // Axes over the lines, then the run names, then the brushes over everything.
  for (int i = 0; i < n; ++i) paintAxis(p, i, spacing);
  if (m_runs.size() <= kMaxEndLabels) paintEndLabels(p, inside);
  paintBrushes(p);
}

void ParallelCoordsWidget::paintTargetBand(QPainter& p) const {
  // A light band behind the target axis, under everything.
  const double top = axisTop(), bottom = axisBottom();
  for (int i = 0; i < axisCount(); ++i)
    if (m_axes[static_cast<std::size_t>(i)].spec.is_target)
      p.fillRect(QRectF(axisX(i) - 20, top - 6, 40, bottom - top + 12), QColor(25, 95, 170, 14));
}

QPainterPath ParallelCoordsWidget::runPath(int run) const {
  QPainterPath path;
  bool open = false;
  for (int i = 0; i < axisCount(); ++i) {
    const double t = m_axes[static_cast<std::size_t>(i)].positions[static_cast<std::size_t>(run)];
    if (!std::isfinite(t)) {
      open = false;  // a missing value breaks the line
      continue;
    }
    const QPointF pt(axisX(i), yForPosition(t));
    if (open)
      path.lineTo(pt);
    else
      path.moveTo(pt);
    open = true;
  }
  return path;
}

void ParallelCoordsWidget::paintRunDots(QPainter& p, int run, double radius,
                                        const QColor& fill) const {
  p.setBrush(fill);
  p.setPen(QPen(Qt::white, 1));
  for (int i = 0; i < axisCount(); ++i) {
    const double t = m_axes[static_cast<std::size_t>(i)].positions[static_cast<std::size_t>(run)];
    if (std::isfinite(t)) p.drawEllipse(QPointF(axisX(i), yForPosition(t)), radius, radius);
  }
}

void ParallelCoordsWidget::paintRuns(QPainter& p, const QSet<QString>& inside) const {
  // Faded first, then the brushed runs, the hovered one on top.
  p.setBrush(Qt::NoBrush);
  for (int r = 0; r < m_runs.size(); ++r) {
    if (inside.contains(m_runs[r].id)) continue;
    p.setPen(QPen(kFaded, 1.3));
    p.drawPath(runPath(r));
  }
  const bool emphasise = !m_hovered.isEmpty();
  for (int r = 0; r < m_runs.size(); ++r) {
    if (!inside.contains(m_runs[r].id) || m_runs[r].id == m_hovered) continue;
    QColor c = m_runs[r].color;
    c.setAlpha(emphasise ? 110 : 225);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(c, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPath(runPath(r));
    paintRunDots(p, r, 3.0, c);
  }
  if (const auto h = runIds().indexOf(m_hovered); h >= 0) {
    const int r = static_cast<int>(h);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(255, 255, 255, 200), 6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPath(runPath(r));
    p.setPen(QPen(m_runs[r].color, 3.4, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPath(runPath(r));
    paintRunDots(p, r, 4.0, m_runs[r].color);
  }
}

void ParallelCoordsWidget::paintAxis(QPainter& p, int axis, double spacing) const {
  const auto& a = m_axes[static_cast<std::size_t>(axis)];
  const double x = axisX(axis);
  const double top = axisTop(), bottom = axisBottom();
  const QFont small = smallFont(font());
  QFont title_font = font();
  title_font.setBold(true);
  const double title_w = std::max(60.0, spacing - 10);
  p.setFont(title_font);
  p.setPen(a.spec.is_target ? QColor(25, 95, 170) : palette().color(QPalette::Text));
  const QString title = a.spec.title.isEmpty() ? a.spec.key : a.spec.title;
  p.drawText(QRectF(x - title_w / 2, 6, title_w, 20), Qt::AlignCenter,
             p.fontMetrics().elidedText(title, Qt::ElideMiddle, static_cast<int>(title_w)));
  QString sub = a.spec.subtitle;
  if (sub.isEmpty())
    sub = a.scale == AxisScale::Log           ? tr("log")
          : a.scale == AxisScale::Categorical ? tr("categories")
                                              : QString();
  if (!sub.isEmpty()) {
    p.setFont(small);
    p.setPen(kMuted);
    p.drawText(QRectF(x - title_w / 2, 25, title_w, 16), Qt::AlignCenter, sub);
  }
  p.setPen(QPen(kAxisPen, 1.2));
  p.drawLine(QPointF(x, top), QPointF(x, bottom));

  // Tick labels on a light backing so lines never make them unreadable.
  std::vector<double> positions;
  const QStringList labels = ticks(a, positions);
  p.setFont(small);
  const QFontMetricsF fm(small);
  const double label_w = std::min(90.0, std::max(30.0, spacing * 0.45));
  for (int t = 0; t < labels.size(); ++t) {
    const double y = yForPosition(positions[static_cast<std::size_t>(t)]);
    if (!std::isfinite(y) || y < top - 1 || y > bottom + 1) continue;
    p.setPen(QPen(kAxisPen, 1));
    p.drawLine(QPointF(x - 4, y), QPointF(x, y));
    const QString text = fm.elidedText(labels[t], Qt::ElideMiddle, label_w);
    const QRectF box(x - 6 - fm.horizontalAdvance(text) - 2, y - fm.height() / 2,
                     fm.horizontalAdvance(text) + 4, fm.height());
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(255, 255, 255, 200));
    p.drawRoundedRect(box, 2, 2);
    p.setBrush(Qt::NoBrush);
    p.setPen(kMuted);
    p.drawText(box, Qt::AlignCenter, text);
  }
}

void ParallelCoordsWidget::paintEndLabels(QPainter& p, const QSet<QString>& inside) const {
  // Run names at the line ends, nudged apart so they do not overlap.
  const int last = axisCount() - 1;
  const double x = axisX(last);
  const QFont small = smallFont(font());
  const QFontMetricsF fm(small);
  struct Label {
    int run;
    double y;
  };
  std::vector<Label> labels;
  for (int r = 0; r < m_runs.size(); ++r) {
    const double t = m_axes[static_cast<std::size_t>(last)].positions[static_cast<std::size_t>(r)];
    if (std::isfinite(t)) labels.push_back({r, yForPosition(t)});
  }
  std::sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.y < b.y; });
  std::vector<double> placed(labels.size());
  const double gap = fm.height() + 1;
  for (std::size_t k = 0; k < labels.size(); ++k)
    placed[k] = k == 0 ? labels[k].y : std::max(labels[k].y, placed[k - 1] + gap);
  // Pushed past the bottom: shift the stack up.
  if (!placed.empty() && placed.back() > height() - fm.height() / 2) {
    const double over = placed.back() - (height() - fm.height() / 2);
    for (auto& y : placed) y -= over;
  }
  const QColor text_color = palette().color(QPalette::Text);
  p.setFont(small);
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const auto& run = m_runs[labels[k].run];
    const bool faded = !inside.contains(run.id);
    QColor c = faded ? kFaded : run.color;
    c.setAlpha(faded ? 160 : 255);
    p.setPen(QPen(c, 1));
    p.drawLine(QPointF(x + 5, labels[k].y), QPointF(x + 14, placed[k]));
    p.setPen(faded ? kMuted : text_color);
    QFont f = small;
    f.setBold(run.id == m_hovered);
    p.setFont(f);
    p.drawText(QRectF(x + 17, placed[k] - fm.height() / 2, width() - x - 19, fm.height()),
               Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(run.label, Qt::ElideRight, width() - x - 19));
  }
}

std::optional<std::pair<double, double>> ParallelCoordsWidget::brushSpanY(int axis,
                                                                          const Brush& b) const {
  if (!b.categorical) return std::pair(yForValue(axis, b.hi), yForValue(axis, b.lo));
  if (m_drag_axis == axis && m_drag_moved)  // follow the mouse while dragging
    return std::pair(std::min(m_drag_y0, m_drag_y1), std::max(m_drag_y0, m_drag_y1));
  const auto& a = m_axes[static_cast<std::size_t>(axis)];
  const double half = 0.5 / std::max<qsizetype>(1, a.categories.size());
  double t_lo = 2, t_hi = -1;
  for (const auto& c : b.categories) {
    const auto idx = a.categories.indexOf(c);
    if (idx < 0) continue;
    const double t = (static_cast<double>(idx) + 0.5) / static_cast<double>(a.categories.size());
    t_lo = std::min(t_lo, t - half * 0.5);
    t_hi = std::max(t_hi, t + half * 0.5);
  }
  if (t_hi < t_lo) return std::nullopt;
  return std::pair(yForPosition(t_hi), yForPosition(t_lo));
}

void ParallelCoordsWidget::paintBrushes(QPainter& p) const {
  // Brushes over everything, with their range written beside them.
  const double top = axisTop(), bottom = axisBottom();
  p.setFont(smallFont(font()));
  for (const auto& [key, brush] : m_brushes) {
    const int i = axisIndex(key);
    if (i < 0) continue;
    const auto span = brushSpanY(i, brush);
    if (!span) continue;
    const double y_top = std::clamp(span->first, top, bottom);
    const double y_bottom = std::clamp(span->second, top, bottom);
    const double x = axisX(i);
    const QRectF r(x - kBrushHalfWidth, y_top, 2 * kBrushHalfWidth,
                   std::max(2.0, y_bottom - y_top));
    QColor fill = kBrushColor;
    fill.setAlpha(50);
    p.setPen(QPen(kBrushColor, 1.2));
    p.setBrush(fill);
    p.drawRoundedRect(r, 3, 3);
    if (!brush.categorical) {
      p.setPen(kBrushColor.darker(120));
      p.drawText(QRectF(x + kBrushHalfWidth + 3, y_top - 8, 80, 16),
                 Qt::AlignLeft | Qt::AlignVCenter, tickText(brush.hi));
      p.drawText(QRectF(x + kBrushHalfWidth + 3, y_bottom - 8, 80, 16),
                 Qt::AlignLeft | Qt::AlignVCenter, tickText(brush.lo));
    }
  }
  p.setBrush(Qt::NoBrush);
}

}  // namespace wb::ui
