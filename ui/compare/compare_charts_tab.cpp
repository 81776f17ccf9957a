#include "ui/compare/compare_charts_tab.h"

#include <QHBoxLayout>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

#include "ui/charts/metric_panel_grid.h"
#include "ui/compare/compare_runs.h"

namespace wb::ui {

CompareChartsTab::CompareChartsTab(const CompareRuns* runs, MetricSeriesStore* store,
                                   RunColors* colors, const QString& settings_group,
                                   QWidget* parent)
    : QWidget(parent), m_runs(runs) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(0, 6, 0, 0);
  auto* bar = new QHBoxLayout;
  m_metrics_button = new QPushButton(this);
  m_metrics_button->setToolTip(tr("Which metrics to chart"));
  auto* menu = new QMenu(m_metrics_button);
  m_metrics_button->setMenu(menu);
  connect(menu, &QMenu::aboutToShow, this, &CompareChartsTab::fillMetricsMenu);
  bar->addWidget(m_metrics_button);
  bar->addStretch(1);
  l->addLayout(bar);
  m_grid = new MetricPanelGrid(store, colors, this);
  m_grid->setSettingsGroup(settings_group);
  l->addWidget(m_grid, 1);
}

void CompareChartsTab::refresh() {
  m_grid->setRunLabels(m_runs->labels());
  m_grid->setRuns(m_runs->ids());
  setChartMetrics(m_chart_metrics);
}

void CompareChartsTab::refreshLabels() { m_grid->setRunLabels(m_runs->labels()); }

void CompareChartsTab::setChartMetrics(const QStringList& keys) {
  m_chart_metrics = keys;
  // The grid's search takes a regular expression: an exact alternation shows just these.
  QStringList escaped;
  for (const auto& k : keys) escaped << QRegularExpression::escape(k);
  m_grid->setFilterText(keys.isEmpty() ? QString()
                                       : QStringLiteral("^(?:") + escaped.join(QLatin1Char('|')) +
                                             QStringLiteral(")$"));
  m_metrics_button->setText(keys.isEmpty()
                                ? tr("Metrics: all")
                                : tr("Metrics: %n chosen", nullptr, static_cast<int>(keys.size())));
}

void CompareChartsTab::fillMetricsMenu() {
  auto* menu = m_metrics_button->menu();
  menu->clear();
  auto* all = menu->addAction(tr("All metrics"));
  all->setCheckable(true);
  all->setChecked(m_chart_metrics.isEmpty());
  connect(all, &QAction::triggered, this, [this] { setChartMetrics({}); });
  menu->addSeparator();
  QString last_section;
  for (const auto& key : m_runs->metricKeys()) {
    const QString section = MetricPanelGrid::sectionOf(key);
    if (!last_section.isEmpty() && section != last_section) menu->addSeparator();
    last_section = section;
    auto* a = menu->addAction(key);
    a->setCheckable(true);
    a->setChecked(m_chart_metrics.contains(key));
    connect(a, &QAction::toggled, this, [this, key](bool on) {
      QStringList keys = m_chart_metrics;
      if (on && !keys.contains(key)) keys << key;
      if (!on) keys.removeAll(key);
      setChartMetrics(keys);
    });
  }
}

}  // namespace wb::ui
