#include "ui/charts/metric_panel_grid.h"

#include <algorithm>

#include <QCheckBox>
#include <QColorDialog>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSlider>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/common/run_colors.h"

namespace wb::ui {

namespace {

const QString kPinnedGroup = QStringLiteral(" pinned");  // a space: no key prefix looks like it
const QString kOtherGroup = QStringLiteral("other");

// Sections in this order; prefixes not listed go between "test" and "sys".
int sectionRank(const QString& name) {
  if (name == kPinnedGroup) return 0;
  if (name == QLatin1String("train")) return 1;
  if (name == QLatin1String("val")) return 2;
  if (name == QLatin1String("test")) return 3;
  if (name == QLatin1String("sys")) return 5;
  if (name == kOtherGroup) return 6;
  return 4;
}

QString sectionTitle(const QString& name) {
  if (name == kPinnedGroup) return MetricPanelGrid::tr("Pinned");
  if (name == kOtherGroup) return MetricPanelGrid::tr("Other");
  if (name == QLatin1String("sys")) return MetricPanelGrid::tr("System");
  return name;
}

}  // namespace

MetricPanelGrid::MetricPanelGrid(MetricSeriesStore* store, RunColors* colors, QWidget* parent)
    : QWidget(parent), m_store(store), m_colors(colors) {
  setObjectName(QStringLiteral("MetricPanelGrid"));
  m_collapsed.insert(QStringLiteral("sys"));  // as W&B: system charts start folded

  m_filter = new QLineEdit(this);
  m_filter->setPlaceholderText(tr("Search metrics (text or regex)"));
  m_filter->setClearButtonEnabled(true);
  connect(m_filter, &QLineEdit::textChanged, this,
          [this](const QString& text) { setFilterText(text); });

  m_xaxis = new QComboBox(this);
  m_xaxis->addItem(tr("Step"), toString(XAxisMode::Step));
  m_xaxis->addItem(tr("Epoch"), toString(XAxisMode::Epoch));
  m_xaxis->addItem(tr("Wall time"), toString(XAxisMode::WallTime));
  m_xaxis->addItem(tr("Relative time"), toString(XAxisMode::RelativeTime));
  m_xaxis->setToolTip(tr("X axis of every chart"));
  connect(m_xaxis, &QComboBox::currentIndexChanged, this,
          [this](int) { setXAxisMode(xAxisModeFromString(m_xaxis->currentData().toString())); });

  m_smoothing_slider = new QSlider(Qt::Horizontal, this);
  m_smoothing_slider->setRange(0, 99);
  m_smoothing_slider->setFixedWidth(120);
  m_smoothing_slider->setToolTip(
      tr("Exponential moving average (debiased, as in TensorBoard); the raw "
         "series stays faint behind the smoothed line"));
  m_smoothing_value = new QLabel(QStringLiteral("0.00"), this);
  m_smoothing_value->setMinimumWidth(
      m_smoothing_value->fontMetrics().horizontalAdvance(QStringLiteral("0.000")));
  connect(m_smoothing_slider, &QSlider::valueChanged, this,
          [this](int v) { setSmoothing(v / 100.0); });

  m_log_y = new QCheckBox(tr("Log y"), this);
  connect(m_log_y, &QCheckBox::toggled, this, [this](bool on) {
    setYScale(on ? MetricPlotWidget::YScale::Log : MetricPlotWidget::YScale::Linear);
  });
  auto* reset = new QToolButton(this);
  reset->setText(tr("Reset Zoom"));
  reset->setToolTip(tr("Show every chart's full range again (double-click a chart for one)"));
  connect(reset, &QToolButton::clicked, this, &MetricPanelGrid::resetAll);

  m_filter->setMinimumWidth(160);
  m_controls = new QWidget(this);
  auto* controls = new QHBoxLayout(m_controls);
  controls->setContentsMargins(0, 0, 0, 0);
  controls->addWidget(new QLabel(tr("X axis"), this));
  controls->addWidget(m_xaxis);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Smoothing"), this));
  controls->addWidget(m_smoothing_slider);
  controls->addWidget(m_smoothing_value);
  controls->addSpacing(4);
  controls->addWidget(m_log_y);
  controls->addWidget(reset);
  m_top = new QGridLayout;
  m_top->setContentsMargins(0, 0, 0, 0);
  m_top->setHorizontalSpacing(12);
  m_top->setVerticalSpacing(4);

  auto* legend = new QLabel(this);
  legend->setObjectName(QStringLiteral("runLegend"));
  legend->setWordWrap(true);
  legend->setTextFormat(Qt::RichText);
  legend->setToolTip(tr("Click a run to change its colour"));
  connect(legend, &QLabel::linkActivated, this, [this](const QString& run_id) {
    if (!m_colors) return;
    const QColor picked = QColorDialog::getColor(
        m_run_colors.value(run_id), this, tr("Colour of %1").arg(m_labels.value(run_id, run_id)));
    if (picked.isValid()) m_colors->setOverride(run_id, picked);
  });
  m_legend_bar = legend;

  m_content = new QWidget;
  m_content->setObjectName(QStringLiteral("metricGridContent"));
  m_content_layout = new QVBoxLayout(m_content);
  m_content_layout->setContentsMargins(0, 0, 4, 0);
  m_content_layout->setSpacing(4);
  m_empty = new QLabel(
      tr("No metrics logged yet.\nCharts appear here as soon as a run logs a value."), m_content);
  m_empty->setAlignment(Qt::AlignCenter);
  m_empty->setStyleSheet(QStringLiteral("color: #888; padding: 40px;"));
  m_content_layout->addWidget(m_empty);
  m_content_layout->addStretch(1);

  m_scroll = new QScrollArea(this);
  m_scroll->setWidgetResizable(true);
  m_scroll->setFrameShape(QFrame::NoFrame);
  m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_scroll->setWidget(m_content);
  m_scroll->viewport()->installEventFilter(this);
  connect(m_scroll->verticalScrollBar(), &QScrollBar::valueChanged, this,
          [this](int) { scheduleActiveUpdate(); });

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  layout->addLayout(m_top);
  layout->addWidget(m_legend_bar);
  placeControls();
  layout->addWidget(m_scroll, 1);

  m_active_timer = new QTimer(this);
  m_active_timer->setSingleShot(true);
  m_active_timer->setInterval(0);
  connect(m_active_timer, &QTimer::timeout, this, &MetricPanelGrid::updateActive);
  m_rebuild_timer = new QTimer(this);
  m_rebuild_timer->setSingleShot(true);
  m_rebuild_timer->setInterval(0);
  connect(m_rebuild_timer, &QTimer::timeout, this, &MetricPanelGrid::rebuild);

  connect(m_store, &MetricSeriesStore::keysChanged, this, [this](const QString& run_id) {
    if (m_runs.contains(run_id)) onKeysChanged();
  });
  if (m_colors) connect(m_colors, &RunColors::changed, this, &MetricPanelGrid::updateColors);
  updateLegendBar();
}

MetricPanelGrid::~MetricPanelGrid() {
  // Panels release their runs as they go; release the grid's own interest too.
  m_store->releaseRuns(m_runs);
}

void MetricPanelGrid::setRuns(const QStringList& run_ids) {
  QStringList wanted;
  for (const auto& id : run_ids)
    if (!id.isEmpty() && !wanted.contains(id)) wanted << id;
  if (wanted == m_runs) return;
  QStringList added, removed;
  for (const auto& id : wanted)
    if (!m_runs.contains(id)) added << id;
  for (const auto& id : m_runs)
    if (!wanted.contains(id)) removed << id;
  m_store->acquireRuns(added);  // before the panels let go, so shared series stay loaded
  m_runs = wanted;
  for (auto& [key, panel] : m_panels) panel->setRuns(m_runs);
  m_store->releaseRuns(removed);
  updateColors();
  rebuild();
}

void MetricPanelGrid::setRunLabels(const QHash<QString, QString>& labels) {
  if (labels == m_labels) return;
  m_labels = labels;
  for (auto& [key, panel] : m_panels) panel->setRunLabels(m_labels);
  updateLegendBar();
}

void MetricPanelGrid::updateColors() {
  m_run_colors = m_colors ? m_colors->assign(m_runs) : QHash<QString, QColor>{};
  for (const auto& id : m_runs)
    if (!m_run_colors.contains(id)) m_run_colors.insert(id, RunColors::defaultColor(id));
  for (auto& [key, panel] : m_panels) panel->setRunColors(m_run_colors);
  updateLegendBar();
}

void MetricPanelGrid::updateLegendBar() {
  auto* label = static_cast<QLabel*>(m_legend_bar);
  if (m_runs.size() < 2) {
    label->hide();
    return;
  }
  QString html;
  for (const auto& id : m_runs) {
    html += QStringLiteral(
                "<a href=\"%1\" style=\"color:#333; text-decoration:none\">"
                "<span style=\"color:%2; "
                "font-size:large\">&#9644;</span>&nbsp;%3</a>&nbsp;&nbsp;&nbsp; ")
                .arg(id.toHtmlEscaped(), m_run_colors.value(id).name(),
                     m_labels.value(id, id).toHtmlEscaped());
  }
  label->setText(html);
  label->show();
}

void MetricPanelGrid::setSettingsGroup(const QString& group) {
  m_settings_group = group;
  loadSettings();
}

void MetricPanelGrid::loadSettings() {
  if (m_settings_group.isEmpty()) return;
  QSettings settings;
  settings.beginGroup(m_settings_group);
  const QStringList pinned = settings.value(QStringLiteral("pinned")).toStringList();
  m_pinned = QSet<QString>(pinned.begin(), pinned.end());
  m_order = settings.value(QStringLiteral("order")).toStringList();
  if (settings.contains(QStringLiteral("collapsed"))) {
    const QStringList collapsed = settings.value(QStringLiteral("collapsed")).toStringList();
    m_collapsed = QSet<QString>(collapsed.begin(), collapsed.end());
  }
  const XAxisMode mode = xAxisModeFromString(settings.value(QStringLiteral("xAxis")).toString());
  const double smoothing = settings.value(QStringLiteral("smoothing"), m_smoothing).toDouble();
  const bool log_y = settings.value(QStringLiteral("logY"), false).toBool();
  settings.endGroup();
  const QString group = m_settings_group;
  m_settings_group.clear();  // applying them is not a change to save
  if (mode != XAxisMode::Unknown) setXAxisMode(mode);
  setSmoothing(smoothing);
  setYScale(log_y ? MetricPlotWidget::YScale::Log : MetricPlotWidget::YScale::Linear);
  m_settings_group = group;
  for (auto& [key, panel] : m_panels) panel->setPinned(m_pinned.contains(key));
  relayout();
}

void MetricPanelGrid::saveSettings() const {
  if (m_settings_group.isEmpty()) return;
  QSettings settings;
  settings.beginGroup(m_settings_group);
  QStringList pinned(m_pinned.begin(), m_pinned.end());
  std::sort(pinned.begin(), pinned.end());
  settings.setValue(QStringLiteral("pinned"), pinned);
  settings.setValue(QStringLiteral("order"), m_order);
  QStringList collapsed(m_collapsed.begin(), m_collapsed.end());
  std::sort(collapsed.begin(), collapsed.end());
  settings.setValue(QStringLiteral("collapsed"), collapsed);
  settings.setValue(QStringLiteral("xAxis"), toString(m_mode));
  settings.setValue(QStringLiteral("smoothing"), m_smoothing);
  settings.setValue(QStringLiteral("logY"), m_yscale == MetricPlotWidget::YScale::Log);
}

QString MetricPanelGrid::sectionOf(const QString& key) {
  const auto slash = key.indexOf(QLatin1Char('/'));
  if (slash <= 0) return kOtherGroup;
  return key.left(slash);
}

QString MetricPanelGrid::groupOf(const QString& key) const {
  return m_pinned.contains(key) ? kPinnedGroup : sectionOf(key);
}

QStringList MetricPanelGrid::orderedKeys(const QString& group) const {
  QStringList keys;
  for (const auto& [key, panel] : m_panels)
    if (groupOf(key) == group) keys << key;  // std::map: alphabetical
  std::stable_sort(keys.begin(), keys.end(), [this](const QString& a, const QString& b) {
    const auto ra = m_order.indexOf(a), rb = m_order.indexOf(b);
    if ((ra < 0) != (rb < 0)) return ra >= 0;  // ordered by the user first
    return ra < rb;
  });
  return keys;
}

QStringList MetricPanelGrid::groupOrder(const QStringList& keys) const {
  QStringList groups;
  for (const auto& key : keys) {
    const QString g = groupOf(key);
    if (!groups.contains(g)) groups << g;
  }
  std::stable_sort(groups.begin(), groups.end(), [](const QString& a, const QString& b) {
    const int ra = sectionRank(a), rb = sectionRank(b);
    return ra != rb ? ra < rb : a < b;
  });
  return groups;
}

QStringList MetricPanelGrid::metricKeys() const {
  QStringList all;
  for (const auto& [key, panel] : m_panels) all << key;
  QStringList out;
  for (const auto& group : groupOrder(all)) out << orderedKeys(group);
  return out;
}

QStringList MetricPanelGrid::shownKeys() const {
  QStringList out;
  for (const auto& key : metricKeys())
    if (matchesFilter(key)) out << key;
  return out;
}

QStringList MetricPanelGrid::activeKeys() const {
  QStringList out;
  for (const auto& key : metricKeys())
    if (m_panels.at(key)->isActive()) out << key;
  return out;
}

MetricPlotWidget* MetricPanelGrid::panel(const QString& key) const {
  const auto it = m_panels.find(key);
  return it == m_panels.end() ? nullptr : it->second;
}

bool MetricPanelGrid::matchesFilter(const QString& key) const {
  if (m_filter_text.isEmpty()) return true;
  if (key.contains(m_filter_text, Qt::CaseInsensitive)) return true;
  const QRegularExpression re(m_filter_text, QRegularExpression::CaseInsensitiveOption);
  return re.isValid() && re.match(key).hasMatch();
}

void MetricPanelGrid::onKeysChanged() { m_rebuild_timer->start(); }

void MetricPanelGrid::rebuild() {
  QSet<QString> keys;
  for (const auto& run : m_runs)
    for (const auto& key : m_store->keys(run)) keys.insert(key);
  bool changed = false;
  for (auto it = m_panels.begin(); it != m_panels.end();) {
    if (keys.contains(it->first)) {
      ++it;
      continue;
    }
    delete it->second;
    it = m_panels.erase(it);
    changed = true;
  }
  for (const auto& key : keys) {
    if (m_panels.count(key)) continue;
    auto* panel = new MetricPlotWidget(m_store, key, m_content);
    panel->setActive(false);  // until updateActive() finds it in view
    panel->setFixedHeight(kPanelHeight);
    panel->setLegendVisible(false);  // the grid shows one legend for all panels
    panel->setXAxisMode(m_mode);
    panel->setSmoothing(m_smoothing);
    panel->setYScale(m_yscale);
    panel->setPinned(m_pinned.contains(key));
    panel->setRunLabels(m_labels);
    panel->setRunColors(m_run_colors);
    panel->setRuns(m_runs);
    connect(panel, &MetricPlotWidget::pinToggled, this,
            [this, key](bool on) { setPinned(key, on); });
    connect(panel, &MetricPlotWidget::moveRequested, this,
            [this, key](int delta) { movePanel(key, delta); });
    connect(panel, &MetricPlotWidget::panelDropped, this,
            [this, key](const QString& source) { movePanelBefore(source, key); });
    m_panels.emplace(key, panel);
    changed = true;
  }
  relayout();
  if (changed) Q_EMIT keysChanged();
}

int MetricPanelGrid::columns() const {
  const int width = m_scroll->viewport()->width();
  return std::max(1, width / kMinPanelWidth);
}

MetricPanelGrid::Section& MetricPanelGrid::section(const QString& name) {
  auto it = m_sections.find(name);
  if (it != m_sections.end()) return it->second;
  Section s;
  s.box = new QWidget(m_content);
  auto* box_layout = new QVBoxLayout(s.box);
  box_layout->setContentsMargins(0, 0, 0, 6);
  box_layout->setSpacing(4);
  s.header = new QToolButton(s.box);
  s.header->setObjectName(QStringLiteral("sectionHeader"));
  s.header->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  s.header->setAutoRaise(true);
  s.header->setCursor(Qt::PointingHandCursor);
  s.header->setStyleSheet(
      QStringLiteral("QToolButton#sectionHeader { border: none; padding: 2px 4px; color: #333; }"));
  QFont f = s.header->font();
  f.setBold(true);
  s.header->setFont(f);
  s.body = new QWidget(s.box);
  auto* grid = new QGridLayout(s.body);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(8);
  box_layout->addWidget(s.header, 0, Qt::AlignLeft);
  box_layout->addWidget(s.body);
  connect(s.header, &QToolButton::clicked, this,
          [this, name] { setSectionCollapsed(name, !m_collapsed.contains(name)); });
  return m_sections.emplace(name, s).first->second;
}

void MetricPanelGrid::relayout() {
  const int cols = columns();
  m_columns = cols;
  const QStringList all = metricKeys();
  const QStringList groups = groupOrder(all);
  // Take everything out, then put back in order: cheap for tens of panels.
  while (m_content_layout->count() > 0) delete m_content_layout->takeAt(0);
  for (auto& [name, s] : m_sections) {
    auto* grid = static_cast<QGridLayout*>(s.body->layout());
    while (grid->count() > 0) delete grid->takeAt(0);
  }
  int shown_total = 0;
  for (const auto& group : groups) {
    Section& s = section(group);
    auto* grid = static_cast<QGridLayout*>(s.body->layout());
    QStringList keys;
    for (const auto& key : orderedKeys(group))
      if (matchesFilter(key))
        keys << key;
      else
        m_panels.at(key)->hide();
    for (int i = 0; i < keys.size(); ++i) {
      auto* panel = m_panels.at(keys[i]);
      grid->addWidget(panel, i / cols, i % cols);
      panel->show();
    }
    for (int c = 0; c < std::max(cols, grid->columnCount()); ++c)
      grid->setColumnStretch(c, c < cols ? 1 : 0);
    const bool collapsed = m_collapsed.contains(group);
    s.header->setArrowType(collapsed ? Qt::RightArrow : Qt::DownArrow);
    s.header->setText(QStringLiteral("%1  ·  %2").arg(sectionTitle(group)).arg(keys.size()));
    s.header->setToolTip(collapsed ? tr("Show these charts") : tr("Fold these charts away"));
    s.body->setVisible(!collapsed);
    s.box->setVisible(!keys.isEmpty());
    m_content_layout->addWidget(s.box);
    shown_total += static_cast<int>(keys.size());
  }
  for (auto& [name, s] : m_sections)
    if (!groups.contains(name)) s.box->hide();
  m_empty->setText(
      all.isEmpty()
          ? tr("No metrics logged yet.\nCharts appear here as soon as a run logs a value.")
          : tr("No metric matches \"%1\".").arg(m_filter_text));
  m_empty->setVisible(shown_total == 0 && !m_runs.isEmpty());
  m_content_layout->addWidget(m_empty);
  m_content_layout->addStretch(1);
  scheduleActiveUpdate();
  Q_EMIT laidOut();
}

void MetricPanelGrid::scheduleActiveUpdate() {
  if (!m_active_timer->isActive()) m_active_timer->start();
}

void MetricPanelGrid::updateActive() {
  // A panel works only when some of it is on screen (or about to be: half a panel ahead).
  const QRect view =
      m_scroll->viewport()->rect().adjusted(0, -kPanelHeight / 2, 0, kPanelHeight / 2);
  for (auto& [key, panel] : m_panels) {
    bool on = isVisible() && panel->isVisible();
    if (on)
      on = QRect(panel->mapTo(m_scroll->viewport(), QPoint(0, 0)), panel->size()).intersects(view);
    panel->setActive(on);
  }
}

void MetricPanelGrid::setFilterText(const QString& text) {
  if (text == m_filter_text) return;
  m_filter_text = text;
  if (m_filter->text() != text) {
    const QSignalBlocker block(m_filter);
    m_filter->setText(text);
  }
  relayout();
}

void MetricPanelGrid::setXAxisMode(XAxisMode mode) {
  if (mode == XAxisMode::Unknown) return;
  m_mode = mode;
  const int index = m_xaxis->findData(toString(mode));
  if (index >= 0 && index != m_xaxis->currentIndex()) {
    const QSignalBlocker block(m_xaxis);
    m_xaxis->setCurrentIndex(index);
  }
  for (auto& [key, panel] : m_panels) panel->setXAxisMode(mode);
  saveSettings();
}

void MetricPanelGrid::setSmoothing(double weight) {
  weight = std::clamp(weight, 0.0, 0.99);
  m_smoothing = weight;
  const int slider = static_cast<int>(std::lround(weight * 100));
  if (m_smoothing_slider->value() != slider) {
    const QSignalBlocker block(m_smoothing_slider);
    m_smoothing_slider->setValue(slider);
  }
  m_smoothing_value->setText(QString::number(weight, 'f', 2));
  for (auto& [key, panel] : m_panels) panel->setSmoothing(weight);
  saveSettings();
}

void MetricPanelGrid::setYScale(MetricPlotWidget::YScale scale) {
  if (scale == MetricPlotWidget::YScale::Unknown) return;
  m_yscale = scale;
  const bool log = scale == MetricPlotWidget::YScale::Log;
  if (m_log_y->isChecked() != log) {
    const QSignalBlocker block(m_log_y);
    m_log_y->setChecked(log);
  }
  for (auto& [key, panel] : m_panels) panel->setYScale(scale);
  saveSettings();
}

void MetricPanelGrid::resetAll() {
  for (auto& [key, panel] : m_panels) panel->resetView();
}

void MetricPanelGrid::setPinned(const QString& key, bool pinned) {
  if (pinned == m_pinned.contains(key)) return;
  if (pinned)
    m_pinned.insert(key);
  else
    m_pinned.remove(key);
  if (auto* p = panel(key)) p->setPinned(pinned);
  saveSettings();
  relayout();
}

void MetricPanelGrid::movePanel(const QString& key, int delta) {
  QStringList keys = orderedKeys(groupOf(key));
  const auto from = keys.indexOf(key);
  if (from < 0) return;
  const auto to = std::clamp<qsizetype>(from + delta, 0, keys.size() - 1);
  if (to == from) return;
  keys.move(from, to);
  for (const auto& k : keys) m_order.removeAll(k);
  m_order << keys;
  saveSettings();
  relayout();
}

void MetricPanelGrid::movePanelBefore(const QString& key, const QString& target) {
  if (key == target || groupOf(key) != groupOf(target)) return;
  QStringList keys = orderedKeys(groupOf(key));
  keys.removeAll(key);
  keys.insert(keys.indexOf(target), key);
  for (const auto& k : keys) m_order.removeAll(k);
  m_order << keys;
  saveSettings();
  relayout();
}

void MetricPanelGrid::setSectionCollapsed(const QString& section, bool collapsed) {
  if (collapsed == m_collapsed.contains(section)) return;
  if (collapsed)
    m_collapsed.insert(section);
  else
    m_collapsed.remove(section);
  saveSettings();
  relayout();
}

void MetricPanelGrid::scrollToPanel(const QString& key) {
  auto* p = panel(key);
  if (!p) return;
  const QString group = groupOf(key);
  if (m_collapsed.contains(group)) setSectionCollapsed(group, false);
  if (!matchesFilter(key)) setFilterText(QString());
  // The layout settles on the next pass; scroll then.
  QTimer::singleShot(0, this, [this, key] {
    if (auto* p = panel(key)) m_scroll->ensureWidgetVisible(p, 0, 8);
  });
}

void MetricPanelGrid::placeControls() {
  // Search and controls share a row when there is room, else the search gets its own.
  const bool wide = width() >= kWideControlsPx;
  if (m_top->count() > 0 && wide == m_controls_wide) return;
  m_controls_wide = wide;
  m_top->removeWidget(m_filter);
  m_top->removeWidget(m_controls);
  m_top->addWidget(m_filter, 0, 0);
  m_top->addWidget(m_controls, wide ? 0 : 1, wide ? 1 : 0, Qt::AlignLeft);
  m_top->setColumnStretch(0, 1);
}

void MetricPanelGrid::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  placeControls();
  scheduleActiveUpdate();
}

bool MetricPanelGrid::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_scroll->viewport()) {
    switch (event->type()) {
      case QEvent::Resize:
        if (columns() != m_columns) relayout();
        scheduleActiveUpdate();
        break;
      case QEvent::Show:
      case QEvent::Hide:
        scheduleActiveUpdate();
        break;
      default:
        break;
    }
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace wb::ui
