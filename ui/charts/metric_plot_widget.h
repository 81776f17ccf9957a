#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <QColor>
#include <QElapsedTimer>
#include <QHash>
#include <QStringList>
#include <QWidget>

#include "core/metrics/series_ops.h"
#include "ui/charts/chart_exporter.h"
#include "ui/charts/metric_series_store.h"

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPItemTracer;
class QCPTextElement;
class QLabel;
class QMouseEvent;
class QTimer;
class QToolButton;

namespace wb::ui {

struct MetricCurve;

/// One chart panel: one metric, any number of runs, drawn with QCustomPlot.
///
/// Never hands QCustomPlot more than ~4 points per pixel column: each range change or resize
/// downsamples every run's series to the axis width (min/max preserving). Smoothing draws the
/// debiased EMA over the raw series, which stays faint behind it. Replots are coalesced to
/// the display rate and skipped while the panel is inactive (scrolled out, collapsed).
/// Interaction: wheel zooms x, drag pans x, right-drag or Ctrl+drag zooms to a box,
/// double-click resets; hovering shows every run's value at that x.
class MetricPlotWidget : public QWidget {
  Q_OBJECT
 public:
  enum class CurveLayer { Unknown = 0, Raw, Smoothed };
  enum class YScale { Unknown = 0, Linear, Log };
  using ExportFormat = ChartExportFormat;

  static constexpr int kFrameIntervalMs = 16;

  MetricPlotWidget(MetricSeriesStore* store, const QString& metric_key, QWidget* parent = nullptr);
  ~MetricPlotWidget() override;

  QString metricKey() const { return m_key; }
  MetricSeriesStore* store() const { return m_store; }
  QCustomPlot* plot() const { return m_plot; }

  /// The runs drawn, in legend order. Their series are requested while the panel is active.
  void setRuns(const QStringList& run_ids);
  QStringList runs() const;
  void setRunColors(const QHash<QString, QColor>& colors);
  /// Legend and tooltip names (run name); the id is used when missing.
  void setRunLabels(const QHash<QString, QString>& labels);

  void setXAxisMode(XAxisMode mode);
  XAxisMode xAxisMode() const { return m_mode; }
  /// EMA weight in [0, 1); 0 draws the raw series only.
  void setSmoothing(double weight);
  double smoothing() const { return m_smoothing; }
  void setYScale(YScale scale);
  YScale yScale() const { return m_yscale; }
  /// A legend row above the chart (hidden when the panel shows one run).
  void setLegendVisible(bool visible);
  void setPinned(bool pinned);
  bool isPinned() const { return m_pinned; }

  /// Inactive panels (scrolled out, collapsed) keep their work pending: no smoothing, no
  /// downsampling, no replot until they are active again.
  void setActive(bool active);
  bool isActive() const { return m_active; }

  /// Back to the full extent with y fitted (what double-click does).
  void resetView();
  /// Shows [lower, upper] of the current x axis; y keeps fitting the visible data.
  void setXRange(double lower, double upper);
  std::pair<double, double> xRange() const;
  std::pair<double, double> yRange() const;
  /// Whether the view follows the data (true until the user zooms or pans).
  bool followsData() const { return m_auto_x; }

  /// Brings everything up to date and replots now (tests, benchmarks, export).
  void replotNow();
  /// Milliseconds the last update + replot took, and the update (sync, downsample) part of it.
  double lastReplotMs() const { return m_last_replot_ms; }
  double lastResampleMs() const { return m_last_resample_ms; }
  int replotCount() const { return m_replots; }

  /// What is drawn for a run: the points handed to QCustomPlot (x in the axis's units).
  std::pair<std::vector<double>, std::vector<double>> drawnData(
      const QString& run_id, CurveLayer layer = CurveLayer::Raw) const;
  /// Total points handed to QCustomPlot over all graphs.
  int drawnPointCount() const;
  /// The hover readout at axis coordinate x, as shown (for tests): one line per run.
  QStringList hoverTextAt(double x);

  /// Writes the panel: PNG/PDF/SVG at the given size (0 = the widget's), or the raw series of
  /// every run as CSV (run,step,value,epoch,wall_time). Returns an error message or empty.
  QString exportTo(const QString& path, ExportFormat format, int width_px = 0, int height_px = 0);

 Q_SIGNALS:
  void pinToggled(bool pinned);
  void moveRequested(int delta);  // −1 up, +1 down
  /// A panel header was dropped here (drag to reorder).
  void panelDropped(const QString& source_key);
  void replotted();

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  enum Dirty : unsigned { kNone = 0, kReplot = 1, kResample = 2, kData = 4 };

  void buildPlot();
  void buildOverlays();
  void buildButtons();
  void connectInteraction();
  void markDirty(unsigned what);
  void onFrame();
  void onSeriesChanged(const QString& run_id, const QString& key);
  void onXRangeChanged();
  /// Brings a curve's view (sorted copy when needed), index and smoothing up to date.
  void syncCurve(MetricCurve& c);
  void resampleAll();
  void fitAxes();
  void applyStyle();
  void applyPens(MetricCurve& c);
  void updateLegend();
  void updateAxisTicker();
  void requestSeries();
  void showMenu();
  void onMouseMove(QMouseEvent* event);
  void hideHover();
  double xOrigin(const MetricCurve& c) const;
  QString formatX(double x) const;
  int plotWidthPx() const;

  MetricSeriesStore* m_store;
  QString m_key;
  QCustomPlot* m_plot = nullptr;
  QCPTextElement* m_title = nullptr;
  QCPItemText* m_empty_text = nullptr;
  QCPItemStraightLine* m_crosshair = nullptr;
  QLabel* m_hover = nullptr;
  QToolButton* m_pin_button = nullptr;
  QToolButton* m_menu_button = nullptr;
  QTimer* m_frame = nullptr;
  std::vector<std::unique_ptr<MetricCurve>> m_curves;
  QHash<QString, QColor> m_colors;
  QHash<QString, QString> m_labels;

  XAxisMode m_mode = XAxisMode::Step;
  YScale m_yscale = YScale::Linear;
  double m_smoothing = 0;
  bool m_legend_visible = true;
  bool m_pinned = false;
  bool m_active = true;
  bool m_auto_x = true;
  bool m_auto_y = true;
  bool m_in_update = false;  // our own range changes are not the user's
  enum class Gesture { None, Pan, BoxZoom };
  Gesture m_gesture = Gesture::None;
  QPoint m_press_pos;
  unsigned m_dirty = kData;
  double m_last_replot_ms = 0;
  double m_last_resample_ms = 0;
  QElapsedTimer m_since_replot;
  int m_replots = 0;
  int m_export_width_px = 0;  // > 0 while exporting: downsample for that width
};

}  // namespace wb::ui
