#include "ui/compare/scatter_plot_widget.h"

#include "ui/common/formatting.h"

#include <algorithm>
#include <cmath>

#include <QCollator>
#include <QMouseEvent>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include "ui/common/qcp.h"
#include "core/metrics/run_comparison.h"

namespace wb::ui {

namespace {

// Log-axis ticks at the powers of ten in [lo, hi], with 2× and 5× between them when that
// leaves room, and every integer multiple when the range is too narrow to show three.
void setLogTicks(QCPAxisTickerText* ticker, double lo, double hi) {
  if (!ticker || !(lo > 0) || !(hi > lo)) return;
  ticker->clear();
  auto ticks = [&](std::initializer_list<int> mantissas) {
    QVector<double> out;
    const int first = static_cast<int>(std::floor(std::log10(lo)));
    const int last = static_cast<int>(std::ceil(std::log10(hi)));
    for (int e = first; e <= last; ++e)
      for (const int m : mantissas)
        if (const double v = m * std::pow(10.0, e); v >= lo && v <= hi) out << v;
    return out;
  };
  QVector<double> chosen = ticks({1, 2, 5});
  if (chosen.size() > 9) chosen = ticks({1});
  if (chosen.size() < 3) chosen = ticks({1, 2, 3, 4, 5, 6, 7, 8, 9});
  for (const double v : chosen) ticker->addTick(v, QString::number(v, 'g', 3));
}
constexpr int kMaxPointLabels = 12;  // more points than this: names only on hover
const QColor kFadedFill(205, 208, 212);

std::optional<double> numberOf(const QVariant& v) {
  if (!v.isValid() || v.isNull()) return std::nullopt;
  if (v.metaType().id() == QMetaType::Double || v.metaType().id() == QMetaType::Int ||
      v.metaType().id() == QMetaType::LongLong) {
    const double d = v.toDouble();
    return std::isfinite(d) ? std::optional(d) : std::nullopt;
  }
  return metrics::parseNumber(v.toString().trimmed().toStdString());
}

}  // namespace

ScatterPlotWidget::ScatterPlotWidget(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_plot = new QCustomPlot(this);
  m_plot->setMinimumSize(240, 180);
  m_plot->setMouseTracking(true);
  m_plot->installEventFilter(this);
  layout->addWidget(m_plot);

  QFont tick_font = font();
  tick_font.setPointSizeF(tick_font.pointSizeF() * 0.85);
  const QColor axis_color(0xb4, 0xb4, 0xb4), label_color(0x5a, 0x5a, 0x5a),
      grid_color(0xee, 0xee, 0xee);
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setBasePen(QPen(axis_color, 1));
    axis->setTickPen(QPen(axis_color, 1));
    axis->setSubTickPen(QPen(axis_color, 1));
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(3);
    axis->setSubTickLengthIn(0);
    axis->setSubTickLengthOut(2);
    axis->setTickLabelFont(tick_font);
    axis->setTickLabelColor(label_color);
    QFont label_font = font();
    label_font.setBold(true);
    label_font.setPointSizeF(font().pointSizeF() * 0.9);
    axis->setLabelFont(label_font);
    axis->setLabelColor(QColor(0x3a, 0x3a, 0x3a));
    axis->grid()->setPen(QPen(grid_color, 1));
    axis->grid()->setZeroLinePen(Qt::NoPen);
  }
  m_plot->setBackground(QBrush(Qt::white));
  m_plot->axisRect()->setBackground(QBrush(Qt::white));
  m_plot->setNoAntialiasingOnDrag(true);
  m_plot->setAntialiasedElements(QCP::aeAll);
  rebuild();
}

ScatterPlotWidget::~ScatterPlotWidget() = default;

void ScatterPlotWidget::setData(const QString& x_title, const QString& y_title,
                                const QList<Point>& points) {
  m_x_title = x_title;
  m_y_title = y_title;
  m_points = points;
  rebuild();
}

void ScatterPlotWidget::setFadedRuns(const QSet<QString>& run_ids) {
  if (run_ids == m_faded) return;
  m_faded = run_ids;
  rebuild();
}

QStringList ScatterPlotWidget::plottedRuns() const {
  QStringList ids;
  for (const auto& p : m_placed) ids << p.point.run_id;
  return ids;
}

std::optional<QPointF> ScatterPlotWidget::plotCoords(const QString& run_id) const {
  for (const auto& p : m_placed)
    if (p.point.run_id == run_id) return QPointF(p.x, p.y);
  return std::nullopt;
}

std::optional<QPointF> ScatterPlotWidget::pixelOf(const QString& run_id) const {
  const auto c = plotCoords(run_id);
  if (!c) return std::nullopt;
  const QPointF in_plot(m_plot->xAxis->coordToPixel(c->x()), m_plot->yAxis->coordToPixel(c->y()));
  return QPointF(m_plot->mapTo(this, in_plot.toPoint()));
}

void ScatterPlotWidget::rebuild() {
  m_plot->clearGraphs();
  m_plot->clearItems();
  m_labels.clear();
  m_placed.clear();
  m_categories.clear();

  chooseXScale();
  placePoints();
  setUpAxes();
  if (m_placed.isEmpty()) {
    showEmptyMessage();
    return;
  }
  setRanges();
  addPoints();
  m_plot->replot();  // lays the axes out: label placement needs their pixels
  placeLabels();
}

void ScatterPlotWidget::chooseXScale() {
  // Numbers (linear, or log over a decade or more) unless any value is text.
  bool numeric = true;
  std::vector<double> xs;
  for (const auto& p : m_points) {
    if (!p.x.isValid() || p.x.toString().isEmpty()) continue;
    if (const auto d = numberOf(p.x))
      xs.push_back(*d);
    else
      numeric = false;
  }
  if (!numeric) {
    for (const auto& p : m_points)
      if (p.x.isValid() && !p.x.toString().isEmpty() && !m_categories.contains(p.x.toString()))
        m_categories << p.x.toString();
    QCollator collator;
    collator.setNumericMode(true);
    std::sort(m_categories.begin(), m_categories.end(),
              [&](const QString& a, const QString& b) { return collator.compare(a, b) < 0; });
    m_scale = XScale::Categorical;
  } else {
    m_scale = metrics::prefersLogScale(xs) ? XScale::Log : XScale::Linear;
  }
}

void ScatterPlotWidget::placePoints() {
  for (const auto& p : m_points) {
    if (!p.y || !p.x.isValid() || p.x.toString().isEmpty()) continue;
    Placed placed{p, 0, *p.y};
    if (m_scale == XScale::Categorical) {
      placed.x = static_cast<double>(m_categories.indexOf(p.x.toString()));
    } else {
      const auto d = numberOf(p.x);
      if (!d || (m_scale == XScale::Log && *d <= 0)) continue;
      placed.x = *d;
    }
    m_placed << placed;
  }
}

void ScatterPlotWidget::setUpAxes() {
  auto* x = m_plot->xAxis;
  auto* y = m_plot->yAxis;
  switch (m_scale) {
    case XScale::Log: {
      // Ticks are placed once the range is known (setRanges): QCPAxisTickerLog labels only
      // powers of ten, and a sweep's learning rates rarely span more than one or two.
      x->setScaleType(QCPAxis::stLogarithmic);
      x->setTicker(QSharedPointer<QCPAxisTickerText>::create());
      x->setSubTicks(false);
      break;
    }
    case XScale::Categorical: {
      x->setScaleType(QCPAxis::stLinear);
      auto ticker = QSharedPointer<QCPAxisTickerText>::create();
      for (int i = 0; i < m_categories.size(); ++i) ticker->addTick(i, m_categories[i]);
      x->setTicker(ticker);
      x->setSubTicks(false);
      break;
    }
    default: {
      x->setScaleType(QCPAxis::stLinear);
      x->setTicker(QSharedPointer<QCPAxisTicker>::create());
      x->setNumberFormat(QStringLiteral("g"));
      x->setSubTicks(false);
      break;
    }
  }
  if (m_scale != XScale::Log) x->ticker()->setTickCount(6);
  y->ticker()->setTickCount(5);
  y->setSubTicks(false);
  x->setLabel(m_scale == XScale::Log ? tr("%1  (log)").arg(m_x_title) : m_x_title);
  y->setLabel(m_y_title);
}

void ScatterPlotWidget::showEmptyMessage() {
  auto* text = new QCPItemText(m_plot);
  text->setPositionAlignment(Qt::AlignCenter);
  text->position->setType(QCPItemPosition::ptAxisRectRatio);
  text->position->setCoords(0.5, 0.5);
  text->setColor(QColor(0x80, 0x80, 0x80));
  text->setText(m_points.isEmpty()
                    ? tr("Choose a param and a metric")
                    : tr("No run has both a value of %1 and of %2").arg(m_x_title, m_y_title));
  m_plot->xAxis->setRange(0, 1);
  m_plot->yAxis->setRange(0, 1);
  m_plot->replot();
}

void ScatterPlotWidget::setRanges() {
  // Ranges with room for the markers and labels.
  auto* x = m_plot->xAxis;
  double x_lo = m_placed.front().x, x_hi = x_lo, y_lo = m_placed.front().y, y_hi = y_lo;
  for (const auto& p : m_placed) {
    x_lo = std::min(x_lo, p.x);
    x_hi = std::max(x_hi, p.x);
    y_lo = std::min(y_lo, p.y);
    y_hi = std::max(y_hi, p.y);
  }
  if (m_scale == XScale::Categorical) {
    x->setRange(-0.6, std::max<double>(0, static_cast<double>(m_categories.size()) - 0.4));
  } else if (m_scale == XScale::Log) {
    const double f = std::pow(x_hi / x_lo, 0.08) * 1.2;
    x->setRange(x_lo / f, x_hi * f);
    setLogTicks(x->ticker().dynamicCast<QCPAxisTickerText>().data(), x_lo / f, x_hi * f);
  } else {
    const double pad = x_hi > x_lo ? (x_hi - x_lo) * 0.08 : std::max(1.0, std::abs(x_lo) * 0.1);
    x->setRange(x_lo - pad, x_hi + pad);
  }
  const double y_pad = y_hi > y_lo ? (y_hi - y_lo) * 0.12 : std::max(1e-3, std::abs(y_lo) * 0.05);
  m_plot->yAxis->setRange(y_lo - y_pad, y_hi + y_pad);
}

void ScatterPlotWidget::addPoints() {
  QFont label_font = font();
  label_font.setPointSizeF(font().pointSizeF() * 0.82);
  const bool labels = m_placed.size() <= kMaxPointLabels;
  // Faded first so the brushed runs are drawn over them.
  for (const bool faded_pass : {true, false}) {
    for (const auto& p : m_placed) {
      const bool faded = m_faded.contains(p.point.run_id);
      if (faded != faded_pass) continue;
      const bool hovered = p.point.run_id == m_hovered;
      auto* g = m_plot->addGraph();
      g->setLineStyle(QCPGraph::lsNone);
      const QColor fill = faded ? kFadedFill : p.point.color;
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle,
                                         QPen(fill.darker(hovered ? 160 : 125), hovered ? 2 : 1.2),
                                         QBrush(fill), hovered ? 14 : 11));
      g->setData(QVector<double>{p.x}, QVector<double>{p.y}, true);
      g->setName(p.point.label);
      if (labels) {
        auto* t = new QCPItemText(m_plot);
        t->position->setCoords(p.x, p.y);
        t->setFont(label_font);
        t->setColor(faded ? QColor(0xa8, 0xa8, 0xa8) : QColor(0x44, 0x44, 0x44));
        t->setText(p.point.label);
        t->setClipToAxisRect(false);
        m_labels << t;
      }
    }
  }
}

void ScatterPlotWidget::placeLabels() {
  if (m_labels.isEmpty()) return;
  // Each name goes right of its point, else left, else it is hidden (hover still names it):
  // never over another name, a point, or outside the plot.
  const QRect area = m_plot->axisRect()->rect().adjusted(-4, -8, 40, 8);
  std::vector<QRectF> taken;
  for (const auto& p : m_placed)
    taken.emplace_back(m_plot->xAxis->coordToPixel(p.x) - 7, m_plot->yAxis->coordToPixel(p.y) - 7,
                       14, 14);
  // Brushed runs were drawn last: they get the first pick of places.
  for (auto it = m_labels.crbegin(); it != m_labels.crend(); ++it) {
    QCPItemText* t = *it;
    const QPointF at(m_plot->xAxis->coordToPixel(t->position->key()),
                     m_plot->yAxis->coordToPixel(t->position->value()));
    const QFontMetricsF fm(t->font());
    const double w = fm.horizontalAdvance(t->text()) + 4, h = fm.height();
    const QRectF right(at.x() + 9, at.y() - h / 2, w, h),
        left(at.x() - 9 - w, at.y() - h / 2, w, h);
    auto fits = [&](const QRectF& r) {
      if (!QRectF(area).contains(r)) return false;
      return std::none_of(taken.begin(), taken.end(),
                          [&](const QRectF& o) { return o.intersects(r); });
    };
    const bool use_right = fits(right), use_left = !use_right && fits(left);
    t->setVisible(use_right || use_left);
    t->setPositionAlignment((use_left ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    t->setPadding(use_left ? QMargins(0, 0, 9, 0) : QMargins(9, 0, 0, 0));
    if (use_right || use_left) taken.push_back(use_right ? right : left);
  }
  m_plot->replot();
}

QString ScatterPlotWidget::runAt(const QPointF& plot_pos) const {
  QString best;
  double best_d = 10;
  for (const auto& p : m_placed) {
    const QPointF px(m_plot->xAxis->coordToPixel(p.x), m_plot->yAxis->coordToPixel(p.y));
    const double d = std::hypot(px.x() - plot_pos.x(), px.y() - plot_pos.y());
    if (d < best_d) {
      best_d = d;
      best = p.point.run_id;
    }
  }
  return best;
}

QString ScatterPlotWidget::describe(const Placed& p) const {
  const QString x_text = m_scale == XScale::Categorical ? p.point.x.toString() : formatValue(p.x);
  return QStringLiteral("<b style=\"color:%1\">&#9679;</b> <b>%2</b><br>%3 = %4<br>%5 = %6")
      .arg(p.point.color.name(), p.point.label.toHtmlEscaped(), m_x_title.toHtmlEscaped(),
           x_text.toHtmlEscaped(), m_y_title.toHtmlEscaped(), formatValue(p.y));
}

QString ScatterPlotWidget::toolTipAt(const QPointF& widget_pos) const {
  const QString id = runAt(m_plot->mapFrom(this, widget_pos.toPoint()));
  for (const auto& p : m_placed)
    if (p.point.run_id == id) return describe(p);
  return {};
}

bool ScatterPlotWidget::eventFilter(QObject* watched, QEvent* event) {
  if (watched != m_plot) return QWidget::eventFilter(watched, event);
  if (event->type() == QEvent::MouseMove) {
    const auto* me = static_cast<QMouseEvent*>(event);
    const QString id = runAt(me->position());
    if (id != m_hovered) {
      m_hovered = id;
      rebuild();
    }
    if (id.isEmpty()) {
      QToolTip::hideText();
    } else {
      for (const auto& p : m_placed)
        if (p.point.run_id == id)
          QToolTip::showText(me->globalPosition().toPoint(), describe(p), m_plot);
    }
  } else if (event->type() == QEvent::Resize) {
    // The plot relays out on its next replot: place the names after it.
    QTimer::singleShot(0, this, [this] {
      m_plot->replot();
      placeLabels();
    });
  } else if (event->type() == QEvent::Leave && !m_hovered.isEmpty()) {
    m_hovered.clear();
    rebuild();
  } else if (event->type() == QEvent::MouseButtonRelease) {
    const auto* me = static_cast<QMouseEvent*>(event);
    const QString id = runAt(me->position());
    if (me->button() == Qt::LeftButton && !id.isEmpty()) Q_EMIT runClicked(id);
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace wb::ui
