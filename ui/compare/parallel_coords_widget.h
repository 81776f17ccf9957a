#pragma once

#include <map>
#include <optional>
#include <vector>

#include <QColor>
#include <QList>
#include <QSet>
#include <QStringList>
#include <QVariant>
#include <QWidget>

class QPainter;
class QPainterPath;

namespace wb::ui {

/// Parallel coordinates drawn with QPainter: one vertical axis per param (and a target metric
/// last), one polyline per run in its colour.
///
/// Numeric axes are linear, or logarithmic when their values are positive and span a decade
/// or more; axes with any non-numeric value show their categories evenly spaced (sorted, as
/// numbers where they are). Dragging along an axis brushes a range there; runs outside any
/// brush fade, and runsBrushed() reports the runs inside all of them. Clicking an axis
/// without dragging clears its brush; double-clicking clears every brush.
class ParallelCoordsWidget : public QWidget {
  Q_OBJECT
 public:
  enum class AxisScale { Unknown = 0, Linear, Log, Categorical };

  struct Run {
    QString id;
    QString label;
    QColor color;
  };
  struct Axis {
    QString key;
    QString title;           // empty = key
    QList<QVariant> values;  // one per run: a number or text as given; invalid = missing
    bool is_target = false;  // the metric runs are ranked by: drawn emphasised
    bool allow_log = true;   // false keeps a numeric axis linear (metrics)
    QString subtitle;        // under the title, e.g. "max ▲"
  };

  explicit ParallelCoordsWidget(QWidget* parent = nullptr);

  /// Replaces runs and axes. Brushes on axes that remain (same key) are kept.
  void setData(const QList<Run>& runs, const QList<Axis>& axes);
  QStringList runIds() const;

  int axisCount() const { return static_cast<int>(m_axes.size()); }
  int axisIndex(const QString& key) const;
  QString axisKey(int axis) const;
  AxisScale axisScale(int axis) const;
  QStringList axisCategories(int axis) const;

  // Geometry in widget coordinates (what a mouse gesture needs).
  double axisX(int axis) const;
  double axisTop() const;
  double axisBottom() const;
  /// y of a value on a numeric axis (NaN on categorical ones or when out of the domain).
  double yForValue(int axis, double value) const;
  double yForCategory(int axis, const QString& category) const;
  /// The value at y on a numeric axis (inverse of yForValue).
  double valueAtY(int axis, double y) const;

  /// Brushes a value range [lo, hi] (any order) of a numeric axis.
  void setBrush(const QString& key, double lo, double hi);
  /// Brushes a set of categories of a categorical axis.
  void setCategoryBrush(const QString& key, const QStringList& categories);
  void clearBrush(const QString& key);
  void clearBrushes();
  bool hasBrushes() const { return !m_brushes.empty(); }
  /// Brushed value range of an axis, if any (numeric axes).
  std::optional<std::pair<double, double>> brushRange(const QString& key) const;
  /// Runs inside every brush, in run order (all runs when there is no brush).
  QStringList brushedRuns() const;

  /// The run under the mouse, drawn on top (empty = none).
  QString hoveredRun() const { return m_hovered; }

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 Q_SIGNALS:
  /// The runs inside all brushes changed (all runs when the last brush went away).
  void runsBrushed(const QStringList& run_ids);
  /// A polyline was clicked (no drag, not on an axis).
  void runClicked(const QString& run_id);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  bool event(QEvent* event) override;

 private:
  struct AxisData {
    Axis spec;
    AxisScale scale = AxisScale::Unknown;
    double lo = 0, hi = 1;          // numeric domain (log10 units when Log)
    QStringList categories;         // categorical order, bottom to top
    std::vector<double> positions;  // per run: 0 (bottom) … 1 (top), NaN = missing
  };
  struct Brush {
    double lo = 0, hi = 0;  // numeric: value range
    QSet<QString> categories;
    bool categorical = false;
  };

  void computeAxis(AxisData& a) const;
  double yForPosition(double t) const;
  double positionForY(double y) const;
  double positionOfValue(const AxisData& a, double value) const;
  bool runInBrush(int run, int axis, const Brush& b) const;
  void updateBrushed();
  int axisNear(const QPointF& pos) const;
  QString runNear(const QPointF& pos) const;
  QString tooltipFor(const QString& run_id) const;
  void applyDrag(double y0, double y1);
  QStringList ticks(const AxisData& a, std::vector<double>& positions) const;

  // paintEvent's steps, in drawing order.
  void paintTargetBand(QPainter& p) const;
  QPainterPath runPath(int run) const;
  void paintRunDots(QPainter& p, int run, double radius, const QColor& fill) const;
  void paintRuns(QPainter& p, const QSet<QString>& inside) const;
  void paintAxis(QPainter& p, int axis, double spacing) const;
  void paintEndLabels(QPainter& p, const QSet<QString>& inside) const;
  /// A brush's top and bottom y on its axis, unclamped (nullopt: nothing to draw).
  std::optional<std::pair<double, double>> brushSpanY(int axis, const Brush& b) const;
  void paintBrushes(QPainter& p) const;

  QList<Run> m_runs;
  std::vector<AxisData> m_axes;
  std::map<QString, Brush> m_brushes;  // by axis key
  QStringList m_brushed;               // last reported
  QString m_hovered;

  // Drag in progress on an axis (press to release).
  int m_drag_axis = -1;
  double m_drag_y0 = 0;
  double m_drag_y1 = 0;  // where the mouse is now
  bool m_drag_moved = false;
  bool m_drag_moves_brush = false;  // pressed inside a brush: the drag moves it
  double m_drag_offset = 0;
  std::optional<Brush> m_drag_original;
};

}  // namespace wb::ui
