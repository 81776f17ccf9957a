#pragma once

#include <map>

#include <QColor>
#include <QHash>
#include <QSet>
#include <QStringList>
#include <QWidget>

#include "ui/charts/metric_plot_widget.h"
#include "ui/charts/metric_series_store.h"

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QScrollArea;
class QSlider;
class QTimer;
class QToolButton;
class QVBoxLayout;

namespace wb::ui {

class RunColors;

/// A scrollable grid of MetricPlotWidgets, one per metric key of the runs shown, in
/// collapsible sections by prefix (pinned first, then train/, val/, test/, other prefixes,
/// sys/, and keys without one). Shared controls: search, x axis, smoothing, log y, reset.
/// Pins, custom order, collapsed sections and the controls are saved under the settings group.
/// Panels outside the viewport (or in a collapsed section) are inactive: they neither load
/// nor downsample until they scroll into view.
class MetricPanelGrid : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kPanelHeight = 250;
  static constexpr int kMinPanelWidth = 380;
  static constexpr int kWideControlsPx = 780;  // below: the search box gets a row of its own

  MetricPanelGrid(MetricSeriesStore* store, RunColors* colors, QWidget* parent = nullptr);
  ~MetricPanelGrid() override;

  MetricSeriesStore* store() const { return m_store; }

  /// The runs every panel overlays, in legend order.
  void setRuns(const QStringList& run_ids);
  QStringList runs() const { return m_runs; }
  /// Display names for legends and tooltips (run id → name).
  void setRunLabels(const QHash<QString, QString>& labels);
  /// Where pins, order, collapsed sections and controls live in QSettings; empty = not saved.
  /// Use one group per workspace (and per view, if views should differ).
  void setSettingsGroup(const QString& group);

  /// Every metric key of the runs, in display order (pinned first); filtered ones included.
  QStringList metricKeys() const;
  /// Keys whose panels pass the search filter, in display order.
  QStringList shownKeys() const;
  MetricPlotWidget* panel(const QString& key) const;
  /// Panels currently active (in view).
  QStringList activeKeys() const;

  void setFilterText(const QString& text);
  void setXAxisMode(XAxisMode mode);
  XAxisMode xAxisMode() const { return m_mode; }
  /// EMA weight in [0, 1).
  void setSmoothing(double weight);
  double smoothing() const { return m_smoothing; }
  void setYScale(MetricPlotWidget::YScale scale);
  MetricPlotWidget::YScale yScale() const { return m_yscale; }
  void resetAll();

  void setPinned(const QString& key, bool pinned);
  bool isPinned(const QString& key) const { return m_pinned.contains(key); }
  /// Moves a panel within its group (pinned, or its section) by delta places.
  void movePanel(const QString& key, int delta);
  /// Puts key right before target (drag and drop); both must be in the same group.
  void movePanelBefore(const QString& key, const QString& target);

  /// "train", "val", "test", "sys", any other prefix before '/', or "other".
  static QString sectionOf(const QString& key);
  void setSectionCollapsed(const QString& section, bool collapsed);
  bool isSectionCollapsed(const QString& section) const { return m_collapsed.contains(section); }
  void scrollToPanel(const QString& key);

  QLineEdit* filterEdit() const { return m_filter; }
  QSlider* smoothingSlider() const { return m_smoothing_slider; }
  QComboBox* xAxisCombo() const { return m_xaxis; }

 Q_SIGNALS:
  void keysChanged();
  void laidOut();

 protected:
  void resizeEvent(QResizeEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Section {
    QWidget* box = nullptr;
    QToolButton* header = nullptr;
    QWidget* body = nullptr;
  };

  void onKeysChanged();
  void placeControls();
  void rebuild();
  void relayout();
  void scheduleActiveUpdate();
  void updateActive();
  void updateColors();
  void updateLegendBar();
  QStringList groupOrder(const QStringList& keys) const;
  QStringList orderedKeys(const QString& group) const;  // "pinned" or a section
  QString groupOf(const QString& key) const;
  Section& section(const QString& name);
  bool matchesFilter(const QString& key) const;
  void loadSettings();
  void saveSettings() const;
  int columns() const;

  MetricSeriesStore* m_store;
  RunColors* m_colors;
  QStringList m_runs;
  QHash<QString, QString> m_labels;
  QHash<QString, QColor> m_run_colors;
  QString m_settings_group;

  std::map<QString, MetricPlotWidget*> m_panels;  // by key
  std::map<QString, Section> m_sections;          // by group name
  QStringList m_order;                            // custom order, all groups
  QSet<QString> m_pinned;
  QSet<QString> m_collapsed;
  QString m_filter_text;
  XAxisMode m_mode = XAxisMode::Step;
  double m_smoothing = 0;
  MetricPlotWidget::YScale m_yscale = MetricPlotWidget::YScale::Linear;
  int m_columns = 0;

  QLineEdit* m_filter = nullptr;
  QWidget* m_controls = nullptr;
  QGridLayout* m_top = nullptr;
  bool m_controls_wide = false;
  QComboBox* m_xaxis = nullptr;
  QSlider* m_smoothing_slider = nullptr;
  QLabel* m_smoothing_value = nullptr;
  QCheckBox* m_log_y = nullptr;
  QWidget* m_legend_bar = nullptr;
  QScrollArea* m_scroll = nullptr;
  QWidget* m_content = nullptr;
  QVBoxLayout* m_content_layout = nullptr;
  QLabel* m_empty = nullptr;
  QTimer* m_active_timer = nullptr;
  QTimer* m_rebuild_timer = nullptr;
};

}  // namespace wb::ui
