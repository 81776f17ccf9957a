#pragma once

#include <optional>

#include <QColor>
#include <QList>
#include <QPointF>
#include <QSet>
#include <QStringList>
#include <QVariant>
#include <QWidget>

class QCPItemText;
class QCustomPlot;
class QMouseEvent;

namespace wb::ui {

/// One param against one metric, a point per run in its colour (QCustomPlot). The x axis is
/// logarithmic when the param's values are positive and span a decade or more, and shows
/// categories when any value is not a number. Hovering a point shows its run.
class ScatterPlotWidget : public QWidget {
  Q_OBJECT
 public:
  enum class XScale { Unknown = 0, Linear, Log, Categorical };

  struct Point {
    QString run_id;
    QString label;
    QColor color;
    QVariant x;               // a number or text as given; invalid = the run lacks the param
    std::optional<double> y;  // nullopt = the run has no value of the metric
  };

  explicit ScatterPlotWidget(QWidget* parent = nullptr);
  ~ScatterPlotWidget() override;

  void setData(const QString& x_title, const QString& y_title, const QList<Point>& points);
  /// Runs drawn faded (outside a parallel-coordinates brush); empty = none.
  void setFadedRuns(const QSet<QString>& run_ids);

  XScale xScale() const { return m_scale; }
  QStringList categories() const { return m_categories; }
  /// Runs with both values, in the order given.
  QStringList plottedRuns() const;
  /// A run's point in axis coordinates (categorical x: the category's index).
  std::optional<QPointF> plotCoords(const QString& run_id) const;
  /// A run's point in this widget's pixels.
  std::optional<QPointF> pixelOf(const QString& run_id) const;
  /// The hover text at a widget position (empty when no point is near).
  QString toolTipAt(const QPointF& widget_pos) const;
  QCustomPlot* plot() const { return m_plot; }

 Q_SIGNALS:
  void runClicked(const QString& run_id);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Placed {
    Point point;
    double x = 0;  // axis coordinates
    double y = 0;
  };

  void rebuild();
  // rebuild's steps, in order.
  void chooseXScale();  // m_scale and m_categories from m_points
  void placePoints();   // m_placed: the points with both values, in axis coordinates
  void setUpAxes();
  void showEmptyMessage();
  void setRanges();
  void addPoints();  // a graph (and a name, when few) per point
  void placeLabels();
  QString runAt(const QPointF& plot_pos) const;
  QString describe(const Placed& p) const;

  QCustomPlot* m_plot = nullptr;
  QString m_x_title, m_y_title;
  QList<Point> m_points;
  QList<Placed> m_placed;
  QList<QCPItemText*> m_labels;  // owned by the plot; in m_placed's drawing order
  QSet<QString> m_faded;
  XScale m_scale = XScale::Unknown;
  QStringList m_categories;
  QString m_hovered;
};

}  // namespace wb::ui
