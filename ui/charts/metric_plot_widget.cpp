#include "ui/charts/metric_plot_widget.h"

#include <algorithm>
#include <cmath>

#include <QApplication>
#include <QDateTime>
#include <QDrag>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QMouseEvent>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/charts/chart_exporter.h"
#include "ui/charts/metric_curve.h"
#include "ui/charts/qcp_compact_ticker.h"
#include "ui/common/qcp.h"
#include "ui/common/run_colors.h"
#include "ui/runs/run_table_model.h"

namespace wb::ui {

namespace {

const QString kDragMime = QStringLiteral("application/x-wb-metric-key");
const QString kRawLayer = QStringLiteral("raw");
const QString kOverlayLayer = QStringLiteral("overlay");

}  // namespace

MetricPlotWidget::MetricPlotWidget(MetricSeriesStore* store, const QString& metric_key,
                                   QWidget* parent)
    : QWidget(parent), m_store(store), m_key(metric_key) {
  setObjectName(QStringLiteral("MetricPlotWidget"));
  setAcceptDrops(true);
  setAttribute(Qt::WA_StyledBackground, true);
  setStyleSheet(
      QStringLiteral("#MetricPlotWidget { background: white; border: 1px solid #e0e0e0; }"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(1, 1, 1, 1);
  m_plot = new QCustomPlot(this);
  layout->addWidget(m_plot);
  setMinimumSize(240, 180);

  m_frame = new QTimer(this);
  m_frame->setSingleShot(true);
  connect(m_frame, &QTimer::timeout, this, &MetricPlotWidget::onFrame);

  buildPlot();
  buildOverlays();
  buildButtons();
  connectInteraction();
  applyStyle();
  updateAxisTicker();
  m_plot->selectionRect()->setPen(QPen(QColor(0x4e, 0x79, 0xa7), 1, Qt::DashLine));
  m_plot->selectionRect()->setBrush(QColor(0x4e, 0x79, 0xa7, 40));
}

void MetricPlotWidget::buildPlot() {
  // The data is already at most ~4 points per pixel column: QCustomPlot need not sample again,
  // and polylines draw faster than segment lists.
  m_plot->setPlottingHint(QCP::phFastPolylines, true);
  m_plot->setNoAntialiasingOnDrag(true);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
  m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
  m_plot->axisRect()->setRangeZoomFactor(0.85);
  m_plot->setMouseTracking(true);
  m_plot->installEventFilter(this);
  m_plot->addLayer(kRawLayer, m_plot->layer(QStringLiteral("main")), QCustomPlot::limBelow);

  m_plot->plotLayout()->insertRow(0);
  QFont title_font = font();
  title_font.setBold(true);
  title_font.setPointSizeF(title_font.pointSizeF() * 0.95);
  m_title = new QCPTextElement(m_plot, m_key, title_font);
  m_title->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter);
  m_title->setTextColor(QColor(0x33, 0x33, 0x33));
  m_title->setMargins(QMargins(12, 6, 64, 0));
  m_plot->plotLayout()->addElement(0, 0, m_title);
  m_plot->plotLayout()->setRowSpacing(0);
  // The legend gets its own row above the chart instead of covering the data.
  m_plot->axisRect()->insetLayout()->take(m_plot->legend);
  m_plot->legend->setVisible(false);
}

void MetricPlotWidget::buildOverlays() {
  m_crosshair = new QCPItemStraightLine(m_plot);
  m_crosshair->setLayer(kOverlayLayer);
  m_crosshair->setPen(QPen(QColor(0x80, 0x80, 0x80), 1, Qt::DashLine));
  m_crosshair->setClipToAxisRect(true);
  m_crosshair->setSelectable(false);
  m_crosshair->setVisible(false);

  m_empty_text = new QCPItemText(m_plot);
  m_empty_text->position->setType(QCPItemPosition::ptAxisRectRatio);
  m_empty_text->position->setCoords(0.5, 0.5);
  m_empty_text->setColor(QColor(0x99, 0x99, 0x99));
  m_empty_text->setSelectable(false);

  m_hover = new QLabel(m_plot);
  m_hover->setObjectName(QStringLiteral("hoverLabel"));
  m_hover->setAttribute(Qt::WA_TransparentForMouseEvents);
  m_hover->setTextFormat(Qt::RichText);
  m_hover->setStyleSheet(
      QStringLiteral("QLabel#hoverLabel { background: rgba(255,255,255,240); color: #222; border: "
                     "1px solid #c8c8c8;"
                     " border-radius: 4px; padding: 3px 6px; }"));
  m_hover->hide();
}

void MetricPlotWidget::buildButtons() {
  auto makeButton = [this](const QString& text, const QString& tip) {
    auto* b = new QToolButton(m_plot);
    b->setText(text);
    b->setToolTip(tip);
    b->setAutoRaise(true);
    b->setCursor(Qt::ArrowCursor);
    b->setFixedSize(24, 22);
    return b;
  };
  m_pin_button = makeButton(QStringLiteral("☆"), tr("Pin this chart to the top"));
  m_pin_button->setObjectName(QStringLiteral("pinButton"));
  m_pin_button->setCheckable(true);
  connect(m_pin_button, &QToolButton::toggled, this, [this](bool on) {
    if (on == m_pinned) return;
    setPinned(on);
    Q_EMIT pinToggled(on);
  });
  m_menu_button = makeButton(QStringLiteral("⋯"), tr("Chart options and export"));
  m_menu_button->setObjectName(QStringLiteral("menuButton"));
  connect(m_menu_button, &QToolButton::clicked, this, &MetricPlotWidget::showMenu);
}

void MetricPlotWidget::connectInteraction() {
  connect(m_store, &MetricSeriesStore::seriesChanged, this, &MetricPlotWidget::onSeriesChanged);
  connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
          [this](const QCPRange&) { onXRangeChanged(); });
  connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
    m_press_pos = e->pos();
    hideHover();
    const bool box = e->button() == Qt::RightButton ||
                     (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ControlModifier));
    // QCustomPlot reads the mode right after this signal: a box zoom only for this gesture.
    m_plot->setSelectionRectMode(box ? QCP::srmZoom : QCP::srmNone);
    m_gesture =
        box ? Gesture::BoxZoom : (e->button() == Qt::LeftButton ? Gesture::Pan : Gesture::None);
  });
  connect(m_plot, &QCustomPlot::mouseMove, this, &MetricPlotWidget::onMouseMove);
  connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent*) {
    // The zoom is applied after this signal: end the gesture once it is done.
    QTimer::singleShot(0, this, [this] {
      m_gesture = Gesture::None;
      m_plot->setSelectionRectMode(QCP::srmNone);
    });
  });
  connect(m_plot, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { m_auto_x = false; });
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
}

MetricPlotWidget::~MetricPlotWidget() {
  QStringList runs;
  for (const auto& c : m_curves) runs << c->run_id;
  m_store->releaseRuns(runs);
}

void MetricPlotWidget::applyStyle() {
  QFont tick_font = font();
  tick_font.setPointSizeF(tick_font.pointSizeF() * 0.82);
  const QColor axis_color(0xb4, 0xb4, 0xb4), label_color(0x5a, 0x5a, 0x5a),
      grid_color(0xee, 0xee, 0xee);
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setBasePen(QPen(axis_color, 1));
    axis->setTickPen(QPen(axis_color, 1));
    axis->setSubTicks(false);
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(3);
    axis->setTickLabelFont(tick_font);
    axis->setTickLabelColor(label_color);
    axis->setLabelFont(tick_font);
    axis->setLabelColor(label_color);
    axis->grid()->setPen(QPen(grid_color, 1));
    axis->grid()->setZeroLinePen(Qt::NoPen);
  }
  m_plot->yAxis->setPadding(2);
  m_plot->xAxis->setPadding(2);
  m_plot->xAxis->ticker()->setTickCount(6);
  m_plot->yAxis->ticker()->setTickCount(5);
  m_plot->setBackground(QBrush(Qt::white));
  m_plot->axisRect()->setBackground(QBrush(Qt::white));
  m_empty_text->setFont(tick_font);
  QFont legend_font = tick_font;
  m_plot->legend->setFont(legend_font);
  m_plot->legend->setBorderPen(Qt::NoPen);
  m_plot->legend->setBrush(Qt::NoBrush);
  m_plot->legend->setIconSize(QSize(14, 8));
  m_plot->legend->setMargins(QMargins(10, 2, 10, 0));
  m_plot->legend->setRowSpacing(0);
  m_plot->legend->setColumnSpacing(10);
  m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
}

void MetricPlotWidget::updateAxisTicker() {
  auto* x = m_plot->xAxis;
  switch (m_mode) {
    case XAxisMode::WallTime: {
      auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
      const double span = x->range().size();
      ticker->setDateTimeFormat(span < 600         ? QStringLiteral("HH:mm:ss")
                                : span < 86400 * 2 ? QStringLiteral("HH:mm")
                                                   : QStringLiteral("MMM d\nHH:mm"));
      ticker->setTickCount(5);
      x->setTicker(ticker);
      break;
    }
    case XAxisMode::RelativeTime: {
      auto ticker = QSharedPointer<CompactTicker>::create(CompactTicker::Kind::Duration);
      ticker->setTickCount(5);
      x->setTicker(ticker);
      break;
    }
    default: {
      auto ticker = QSharedPointer<CompactTicker>::create(CompactTicker::Kind::Number);
      ticker->setTickCount(6);
      x->setTicker(ticker);
      break;
    }
  }
  if (m_yscale == YScale::Log) {
    auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
    ticker->setTickCount(4);
    m_plot->yAxis->setTicker(ticker);
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setNumberFormat(QStringLiteral("gb"));
  } else {
    auto ticker = QSharedPointer<CompactTicker>::create(CompactTicker::Kind::Number);
    ticker->setTickCount(5);
    m_plot->yAxis->setTicker(ticker);
    m_plot->yAxis->setScaleType(QCPAxis::stLinear);
  }
}

void MetricPlotWidget::setRuns(const QStringList& run_ids) {
  QStringList wanted;
  for (const auto& id : run_ids)
    if (!id.isEmpty() && !wanted.contains(id)) wanted << id;
  QStringList removed, added;
  std::vector<std::unique_ptr<MetricCurve>> kept;
  for (auto& c : m_curves) {
    if (wanted.contains(c->run_id)) {
      kept.push_back(std::move(c));
      continue;
    }
    removed << c->run_id;
    m_plot->removeGraph(c->raw);
    m_plot->removeGraph(c->smooth);
    m_plot->removeItem(c->tracer);
  }
  m_curves = std::move(kept);
  for (const auto& id : wanted) {
    const bool have = std::any_of(m_curves.begin(), m_curves.end(),
                                  [&](const auto& c) { return c->run_id == id; });
    if (have) continue;
    auto c = std::make_unique<MetricCurve>();
    c->run_id = id;
    c->raw = m_plot->addGraph();
    c->raw->setLayer(kRawLayer);
    c->raw->setAdaptiveSampling(false);
    c->smooth = m_plot->addGraph();
    c->smooth->setAdaptiveSampling(false);
    c->tracer = new QCPItemTracer(m_plot);
    c->tracer->setLayer(kOverlayLayer);
    c->tracer->setStyle(QCPItemTracer::tsCircle);
    c->tracer->setSize(8);
    c->tracer->setBrush(Qt::white);
    c->tracer->setSelectable(false);
    c->tracer->setVisible(false);
    m_curves.push_back(std::move(c));
    added << id;
  }
  // Legend and hover follow the caller's order.
  std::stable_sort(m_curves.begin(), m_curves.end(), [&](const auto& a, const auto& b) {
    return wanted.indexOf(a->run_id) < wanted.indexOf(b->run_id);
  });
  m_store->acquireRuns(added);
  m_store->releaseRuns(removed);
  if (m_active) requestSeries();
  setRunColors(m_colors);
  markDirty(kData);
}

QStringList MetricPlotWidget::runs() const {
  QStringList out;
  for (const auto& c : m_curves) out << c->run_id;
  return out;
}

void MetricPlotWidget::setRunColors(const QHash<QString, QColor>& colors) {
  m_colors = colors;
  for (auto& c : m_curves) applyPens(*c);
  updateLegend();
  markDirty(kReplot);
}

void MetricPlotWidget::applyPens(MetricCurve& c) {
  const QColor color = m_colors.value(c.run_id, RunColors::defaultColor(c.run_id));
  const bool smoothing = m_smoothing > 0;
  QColor raw = color;
  raw.setAlphaF(smoothing ? 0.28f : 1.0f);
  // A dense envelope (several points per pixel column) is drawn thin and aliased: antialiased
  // wide pens cost ten times more there and look the same. Sparse lines get the nice pen.
  c.raw->setPen(QPen(raw, c.raw_dense || smoothing ? 1.0 : 1.6));
  c.raw->setAntialiased(!c.raw_dense);
  c.smooth->setPen(QPen(color, c.smooth_dense ? 1.0 : 1.8));
  c.smooth->setAntialiased(!c.smooth_dense);
  // Dots on the curve that is in front: the raw one, or the smoothed one when smoothing.
  const QCPScatterStyle dots(QCPScatterStyle::ssDisc, 4.5);
  c.raw->setScatterStyle(c.sparse && !smoothing ? dots : QCPScatterStyle());
  c.smooth->setScatterStyle(c.sparse && smoothing ? dots : QCPScatterStyle());
  c.tracer->setPen(QPen(color, 1.8));
}

void MetricPlotWidget::setRunLabels(const QHash<QString, QString>& labels) {
  m_labels = labels;
  updateLegend();
  markDirty(kReplot);
}

void MetricPlotWidget::setXAxisMode(XAxisMode mode) {
  if (mode == XAxisMode::Unknown || mode == m_mode) return;
  m_mode = mode;
  m_auto_x = true;  // ranges of different units do not carry over
  updateAxisTicker();
  m_plot->xAxis->setLabel(mode == XAxisMode::Epoch          ? tr("epoch")
                          : mode == XAxisMode::WallTime     ? tr("wall time")
                          : mode == XAxisMode::RelativeTime ? tr("relative time")
                                                            : QString());
  markDirty(kData);
}

void MetricPlotWidget::setSmoothing(double weight) {
  weight = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 0.999);
  if (weight == m_smoothing) return;
  const bool toggled = (weight > 0) != (m_smoothing > 0);
  m_smoothing = weight;
  if (toggled) setRunColors(m_colors);
  markDirty(kData);
}

void MetricPlotWidget::setYScale(YScale scale) {
  if (scale == YScale::Unknown || scale == m_yscale) return;
  m_yscale = scale;
  m_auto_y = true;
  updateAxisTicker();
  markDirty(kResample);
}

void MetricPlotWidget::setLegendVisible(bool visible) {
  m_legend_visible = visible;
  updateLegend();
  markDirty(kReplot);
}

void MetricPlotWidget::setPinned(bool pinned) {
  m_pinned = pinned;
  const QSignalBlocker block(m_pin_button);
  m_pin_button->setChecked(pinned);
  m_pin_button->setText(pinned ? QStringLiteral("★") : QStringLiteral("☆"));
  m_pin_button->setToolTip(pinned ? tr("Unpin") : tr("Pin this chart to the top"));
}

void MetricPlotWidget::updateLegend() {
  auto* legend = m_plot->legend;
  for (auto& c : m_curves) {
    QCPGraph* main = m_smoothing > 0 ? c->smooth : c->raw;
    QCPGraph* other = m_smoothing > 0 ? c->raw : c->smooth;
    other->removeFromLegend(legend);
    main->setName(m_labels.value(c->run_id, c->run_id));
    if (!legend->hasItemWithPlottable(main)) main->addToLegend(legend);
  }
  const bool show = m_legend_visible && m_curves.size() >= 2;
  auto* grid = m_plot->plotLayout();
  const bool placed = grid->hasElement(1, 0) && grid->element(1, 0) == legend;
  if (show && !placed) {
    grid->insertRow(1);
    grid->addElement(1, 0, legend);
  } else if (!show && placed) {
    grid->take(legend);
    grid->simplify();
  }
  // Title and legend rows take their natural height; the chart gets the rest.
  for (int row = 0; row < grid->rowCount(); ++row)
    grid->setRowStretchFactor(row, grid->element(row, 0) == m_plot->axisRect() ? 1.0 : 0.001);
  legend->setVisible(show);
  if (show) legend->setWrap(std::max(1, (m_plot->width() - 40) / 150));
}

void MetricPlotWidget::setActive(bool active) {
  if (active == m_active) return;
  m_active = active;
  if (!active) {
    hideHover();
    return;
  }
  requestSeries();
  if (m_dirty != kNone) m_frame->start();
}

void MetricPlotWidget::requestSeries() {
  for (const auto& c : m_curves) m_store->request(c->run_id, m_key);
}

void MetricPlotWidget::markDirty(unsigned what) {
  m_dirty |= what;
  if (!m_active || m_frame->isActive()) return;
  // At most one frame per kFrameIntervalMs, but no wait when the last one is older than that.
  const qint64 since = m_since_replot.isValid() ? m_since_replot.elapsed() : kFrameIntervalMs;
  m_frame->start(static_cast<int>(std::max<qint64>(0, kFrameIntervalMs - since)));
}

void MetricPlotWidget::onSeriesChanged(const QString& run_id, const QString& key) {
  if (key != m_key) return;
  for (const auto& c : m_curves)
    if (c->run_id == run_id) return markDirty(kData);
}

void MetricPlotWidget::onFrame() {
  if (!m_active || m_dirty == kNone) return;
  replotNow();
}

void MetricPlotWidget::replotNow() {
  QElapsedTimer timer;
  timer.start();
  if (m_dirty & (kData | kResample)) resampleAll();
  m_last_resample_ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  m_dirty = kNone;
  m_frame->stop();
  const int width_used = plotWidthPx();
  m_plot->replot(QCustomPlot::rpQueuedRefresh);
  m_last_replot_ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  m_since_replot.start();
  ++m_replots;
  // The layout settles during replot (legend rows, tick label widths): resample once more
  // if the axis turned out wider or narrower than assumed.
  if (plotWidthPx() != width_used) markDirty(kResample);
  Q_EMIT replotted();
}

int MetricPlotWidget::plotWidthPx() const {
  if (m_export_width_px > 0) return m_export_width_px;
  const int w = m_plot->axisRect()->width();
  return w > 10 ? w : std::max(10, m_plot->width() - 70);
}

double MetricPlotWidget::xOrigin(const MetricCurve& c) const {
  if (m_mode != XAxisMode::RelativeTime) return 0;
  const double start = m_store->runStartTime(c.run_id);
  if (std::isfinite(start)) return start;
  return c.view_x.empty() ? 0 : c.view_x.front();
}

void MetricPlotWidget::syncCurve(MetricCurve& c) {
  const MetricSeries* s = m_store->series(c.run_id, m_key);
  c.sync(s, m_mode, m_smoothing);
  if (s && !s->empty()) c.origin = xOrigin(c);
}

void MetricPlotWidget::resampleAll() {
  m_in_update = true;
  bool any = false, any_requested = false;
  for (auto& c : m_curves) {
    syncCurve(*c);
    any = any || !c->view_y.empty();
    const auto* s = m_store->series(c->run_id, m_key);
    any_requested = any_requested || (s && !s->empty());
  }
  if (!any) {
    m_empty_text->setText(m_curves.empty() ? tr("No runs")
                          : any_requested
                              ? tr("No %1 values logged for this metric").arg(toString(m_mode))
                          : m_store->databasePath().isEmpty() ? tr("Waiting for data…")
                                                              : tr("Loading…"));
  }
  m_empty_text->setVisible(!any);
  if (m_auto_x) fitAxes();
  const QCPRange range = m_plot->xAxis->range();
  const int width = plotWidthPx();
  for (auto& c : m_curves)
    if (c->resample(range.lower, range.upper, width, m_yscale == YScale::Log)) applyPens(*c);
  if (m_auto_y) {
    // Fit y to what is visible: the downsampled points hold every column's extremes.
    double lo = qInf(), hi = -qInf();
    const bool log = m_yscale == YScale::Log;
    for (const auto& c : m_curves) {
      for (const auto* pts : {&c->raw_points, &c->smooth_points}) {
        for (std::size_t i = 0; i < pts->size(); ++i) {
          const double x = pts->xs[i] - c->origin, y = pts->ys[i];
          if (x < range.lower || x > range.upper || !std::isfinite(y) || (log && y <= 0)) continue;
          lo = std::min(lo, y);
          hi = std::max(hi, y);
        }
      }
    }
    if (lo <= hi) {
      if (log) {
        const double pad = std::pow(hi / lo, 0.06);
        m_plot->yAxis->setRange(lo / std::max(pad, 1.05), hi * std::max(pad, 1.05));
      } else {
        const double span = hi - lo;
        const double pad = span > 0 ? span * 0.06 : std::max(std::fabs(hi) * 0.05, 0.5);
        m_plot->yAxis->setRange(lo - pad, hi + pad);
      }
    }
  }
  if (m_mode == XAxisMode::WallTime) updateAxisTicker();  // the date format follows the span
  m_in_update = false;
}

void MetricPlotWidget::fitAxes() {
  double lo = qInf(), hi = -qInf();
  for (const auto& c : m_curves) {
    if (c->view_x.empty()) continue;
    lo = std::min(lo, c->view_x.front() - c->origin);
    hi = std::max(hi, c->view_x.back() - c->origin);
  }
  if (!(lo <= hi)) return;
  if (hi - lo <= 0) {
    const double pad = m_mode == XAxisMode::Step ? 1.0 : std::max(std::fabs(lo) * 1e-6, 1.0);
    lo -= pad;
    hi += pad;
  }
  m_plot->xAxis->setRange(lo, hi);
}

void MetricPlotWidget::onXRangeChanged() {
  if (m_in_update) return;
  // Not ours: the user zoomed or panned, or a caller set the range.
  m_auto_x = false;
  if (m_gesture == Gesture::BoxZoom) m_auto_y = false;
  if (!m_active) {
    m_dirty |= kResample;
    return;
  }
  // Resample now, before QCustomPlot's queued replot of this interaction draws.
  resampleAll();
  if (m_gesture == Gesture::None) markDirty(kReplot);
}

void MetricPlotWidget::resetView() {
  m_auto_x = m_auto_y = true;
  hideHover();
  markDirty(kResample);
}

void MetricPlotWidget::setXRange(double lower, double upper) {
  m_auto_x = false;
  m_in_update = true;
  m_plot->xAxis->setRange(lower, upper);
  m_in_update = false;
  markDirty(kResample);
}

std::pair<double, double> MetricPlotWidget::xRange() const {
  return {m_plot->xAxis->range().lower, m_plot->xAxis->range().upper};
}

std::pair<double, double> MetricPlotWidget::yRange() const {
  return {m_plot->yAxis->range().lower, m_plot->yAxis->range().upper};
}

std::pair<std::vector<double>, std::vector<double>> MetricPlotWidget::drawnData(
    const QString& run_id, CurveLayer layer) const {
  std::pair<std::vector<double>, std::vector<double>> out;
  for (const auto& c : m_curves) {
    if (c->run_id != run_id) continue;
    const QCPGraph* g = layer == CurveLayer::Smoothed ? c->smooth : c->raw;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
      out.first.push_back(it->key);
      out.second.push_back(it->value);
    }
  }
  return out;
}

int MetricPlotWidget::drawnPointCount() const {
  int n = 0;
  for (const auto& c : m_curves) n += c->raw->dataCount() + c->smooth->dataCount();
  return n;
}

QString MetricPlotWidget::formatX(double x) const {
  switch (m_mode) {
    case XAxisMode::Epoch:
      return tr("epoch %1").arg(QString::number(x, 'g', 6));
    case XAxisMode::WallTime:
      return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(x * 1000))
          .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case XAxisMode::RelativeTime:
      return CompactTicker::compactDuration(x);
    default:
      return tr("step %1").arg(QLocale().toString(static_cast<qlonglong>(std::llround(x))));
  }
}

QStringList MetricPlotWidget::hoverTextAt(double x) {
  struct Row {
    QString run_id;
    double value;
    QString line;
  };
  std::vector<Row> rows;
  for (auto& c : m_curves) {
    syncCurve(*c);
    c->tracer->setVisible(false);
    if (c->view_x.empty()) continue;
    const double key = x + c->origin;
    const auto it = std::lower_bound(c->view_x.begin(), c->view_x.end(), key);
    std::size_t i = static_cast<std::size_t>(it - c->view_x.begin());
    if (i == c->view_x.size() || (i > 0 && key - c->view_x[i - 1] < c->view_x[i] - key)) --i;
    const double raw = c->view_y[i];
    const bool smooth = m_smoothing > 0 && c->smoothed.size() == c->view_y.size();
    const double shown = smooth ? c->smoothed[i] : raw;
    QString line = m_labels.value(c->run_id, c->run_id) + QStringLiteral(": ") + formatValue(shown);
    if (smooth) line += QStringLiteral(" (") + formatValue(raw) + QLatin1Char(')');
    c->tracer->position->setCoords(c->view_x[i] - c->origin, shown);
    c->tracer->setVisible(std::isfinite(shown) && (m_yscale != YScale::Log || shown > 0));
    rows.push_back({c->run_id, shown, line});
  }
  // Best at the top: readable with ten runs.
  const bool lower_better = metrics::goalForMetric(m_key.toStdString()) == metrics::Goal::Min;
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (!std::isfinite(a.value) || !std::isfinite(b.value))
      return std::isfinite(a.value) && !std::isfinite(b.value);
    return lower_better ? a.value < b.value : a.value > b.value;
  });
  QStringList out{formatX(x)};
  QString html = QStringLiteral("<b>") + formatX(x).toHtmlEscaped() +
                 QStringLiteral("</b><table cellspacing=0 cellpadding=1>");
  for (const auto& r : rows) {
    out << r.line;
    const QColor color = m_colors.value(r.run_id, RunColors::defaultColor(r.run_id));
    const int colon = static_cast<int>(r.line.lastIndexOf(QStringLiteral(": ")));
    html += QStringLiteral(
                "<tr><td><span style='color:%1'>&#9632;</span>&nbsp;</td><td>%2&nbsp;&nbsp;</td>"
                "<td align=right><b>%3</b></td></tr>")
                .arg(color.name(), r.line.left(colon).toHtmlEscaped(),
                     r.line.mid(colon + 2).toHtmlEscaped());
  }
  html += QStringLiteral("</table>");
  m_hover->setText(html);
  return out;
}

void MetricPlotWidget::onMouseMove(QMouseEvent* event) {
  if (event->buttons() != Qt::NoButton) {
    // Dragging the title reorders panels.
    if ((event->buttons() & Qt::LeftButton) && m_gesture == Gesture::Pan &&
        m_title->outerRect().contains(m_press_pos) &&
        (event->pos() - m_press_pos).manhattanLength() >= QApplication::startDragDistance()) {
      m_gesture = Gesture::None;
      auto* drag = new QDrag(this);
      auto* mime = new QMimeData;
      mime->setData(kDragMime, m_key.toUtf8());
      drag->setMimeData(mime);
      drag->setPixmap(grab().scaledToWidth(std::min(width(), 220), Qt::SmoothTransformation));
      drag->exec(Qt::MoveAction);
    }
    return;
  }
  const QRect rect = m_plot->axisRect()->rect();
  if (m_curves.empty() || !rect.contains(event->pos())) {
    hideHover();
    return;
  }
  const double x = m_plot->xAxis->pixelToCoord(event->pos().x());
  hoverTextAt(x);
  m_crosshair->point1->setCoords(x, 0);
  m_crosshair->point2->setCoords(x, 1);
  m_crosshair->setVisible(true);
  m_hover->adjustSize();
  QPoint at = event->pos() + QPoint(14, 10);
  if (at.x() + m_hover->width() > m_plot->width() - 2)
    at.setX(event->pos().x() - 14 - m_hover->width());
  if (at.y() + m_hover->height() > m_plot->height() - 2)
    at.setY(std::max(2, m_plot->height() - 2 - m_hover->height()));
  m_hover->move(std::max(2, at.x()), at.y());
  m_hover->show();
  m_hover->raise();
  m_plot->layer(kOverlayLayer)->replot();
}

void MetricPlotWidget::hideHover() {
  if (!m_crosshair->visible() && !m_hover->isVisible()) return;
  m_hover->hide();
  m_crosshair->setVisible(false);
  for (auto& c : m_curves) c->tracer->setVisible(false);
  m_plot->layer(kOverlayLayer)->replot();
}

bool MetricPlotWidget::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_plot && event->type() == QEvent::Leave) hideHover();
  return QWidget::eventFilter(watched, event);
}

void MetricPlotWidget::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  m_menu_button->move(m_plot->width() - m_menu_button->width() - 4, 4);
  m_pin_button->move(m_menu_button->x() - m_pin_button->width(), 4);
  if (m_legend_visible && m_curves.size() >= 2)
    m_plot->legend->setWrap(std::max(1, (m_plot->width() - 40) / 150));
  markDirty(kResample);
}

void MetricPlotWidget::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  m_menu_button->move(m_plot->width() - m_menu_button->width() - 4, 4);
  m_pin_button->move(m_menu_button->x() - m_pin_button->width(), 4);
}

void MetricPlotWidget::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasFormat(kDragMime) &&
      QString::fromUtf8(event->mimeData()->data(kDragMime)) != m_key)
    event->acceptProposedAction();
}

void MetricPlotWidget::dropEvent(QDropEvent* event) {
  const QString source = QString::fromUtf8(event->mimeData()->data(kDragMime));
  if (source.isEmpty() || source == m_key) return;
  event->acceptProposedAction();
  Q_EMIT panelDropped(source);
}

void MetricPlotWidget::showMenu() {
  QMenu menu(this);
  menu.addAction(tr("Reset Zoom"), this, &MetricPlotWidget::resetView);
  auto* log = menu.addAction(tr("Log Scale (y)"));
  log->setCheckable(true);
  log->setChecked(m_yscale == YScale::Log);
  connect(log, &QAction::toggled, this,
          [this](bool on) { setYScale(on ? YScale::Log : YScale::Linear); });
  menu.addSeparator();
  menu.addAction(tr("Move Up"), this, [this] { Q_EMIT moveRequested(-1); });
  menu.addAction(tr("Move Down"), this, [this] { Q_EMIT moveRequested(+1); });
  menu.addSeparator();
  const QString base = QString(m_key).replace(QLatin1Char('/'), QLatin1Char('_'));
  auto exportAs = [this, base](ExportFormat format, const QString& suffix, const QString& filter) {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Chart"), base + suffix, filter);
    if (path.isEmpty()) return;
    const QString error = exportTo(path, format);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Export failed"), error);
  };
  menu.addAction(tr("Export PNG…"), this, [=] {
    exportAs(ExportFormat::Png, QStringLiteral(".png"), tr("PNG image (*.png)"));
  });
  menu.addAction(tr("Export SVG…"), this, [=] {
    exportAs(ExportFormat::Svg, QStringLiteral(".svg"), tr("SVG image (*.svg)"));
  });
  menu.addAction(tr("Export PDF…"), this, [=] {
    exportAs(ExportFormat::Pdf, QStringLiteral(".pdf"), tr("PDF document (*.pdf)"));
  });
  menu.addAction(tr("Export Data as CSV…"), this,
                 [=] { exportAs(ExportFormat::Csv, QStringLiteral(".csv"), tr("CSV (*.csv)")); });
  menu.exec(m_menu_button->mapToGlobal(QPoint(0, m_menu_button->height())));
}

QString MetricPlotWidget::exportTo(const QString& path, ExportFormat format, int width_px,
                                   int height_px) {
  if (format == ExportFormat::Csv)
    return ChartExporter::writeCsv(*m_store, m_key, runs(), m_labels, path);
  const int w = width_px > 0 ? width_px : m_plot->width();
  const int h = height_px > 0 ? height_px : m_plot->height();
  hideHover();
  // Exports stand alone: show the legend when several runs share the chart.
  const bool legend_before = m_legend_visible;
  if (!m_legend_visible) setLegendVisible(true);
  m_export_width_px = std::max(10, w - (m_plot->width() - plotWidthPx()));
  resampleAll();
  const QString error = ChartExporter::writeImage(m_plot, path, format, w, h, m_key);
  m_export_width_px = 0;
  if (!legend_before) setLegendVisible(false);
  markDirty(kResample);
  return error;
}

}  // namespace wb::ui
