#include "ui/compare/compare_metrics_table.h"

#include <algorithm>

#include <QHeaderView>

#include "core/metrics/run_comparison.h"
#include "ui/charts/metric_panel_grid.h"
#include "ui/common/run_colors.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/compare_style.h"
#include "ui/runs/run_table_model.h"

namespace wb::ui {

CompareMetricsTable::CompareMetricsTable(const CompareRuns* runs, QWidget* parent)
    : QTableWidget(parent), m_runs(runs) {
  setObjectName(QStringLiteral("metricsTable"));
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  verticalHeader()->hide();
  verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
  horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
  horizontalHeader()->setHighlightSections(false);
  setShowGrid(false);
  setAlternatingRowColors(true);
}

void CompareMetricsTable::refresh() {
  const QStringList ids = m_runs->ids();
  QStringList keys = m_runs->metricKeys();
  const QString target = m_runs->targetMetric();
  if (keys.removeAll(target)) keys.prepend(target);
  clear();
  setColumnCount(2 + static_cast<int>(ids.size()));
  setRowCount(static_cast<int>(keys.size()));
  setHorizontalHeaderItem(0, new QTableWidgetItem(tr("Metric")));
  setHorizontalHeaderItem(1, new QTableWidgetItem(tr("Goal")));
  for (int c = 0; c < ids.size(); ++c) {
    auto* h =
        new QTableWidgetItem(RunColors::swatchIcon(m_runs->color(ids[c])), m_runs->label(ids[c]));
    h->setToolTip(ids[c]);
    setHorizontalHeaderItem(2 + c, h);
  }
  for (int r = 0; r < keys.size(); ++r) {
    const QString& key = keys[r];
    const auto goal = m_runs->goalOf(key);
    auto* key_item = new QTableWidgetItem(key);
    if (key == target) {
      QFont f = key_item->font();
      f.setBold(true);
      key_item->setFont(f);
      key_item->setToolTip(tr("The metric runs are ranked by"));
    }
    const bool system = MetricPanelGrid::sectionOf(key) == QLatin1String("sys");
    if (system) key_item->setForeground(QColor(120, 120, 120));
    setItem(r, 0, key_item);
    setItem(r, 1,
            new QTableWidgetItem(system                       ? QStringLiteral("—")
                                 : goal == metrics::Goal::Min ? tr("min")
                                                              : tr("max")));
    std::vector<const store::MetricSummary*> summaries;
    for (const auto& id : ids) summaries.push_back(m_runs->summary(id, key));
    const auto ranked = metrics::rankRuns(summaries, goal);
    for (int c = 0; c < ids.size(); ++c) {
      const auto* s = summaries[static_cast<std::size_t>(c)];
      auto* item = new QTableWidgetItem;
      if (!s) {
        item->setText(QStringLiteral("—"));
        item->setForeground(QColor(150, 150, 150));
      } else {
        const auto best = metrics::bestValue(*s, goal);
        item->setText(best ? formatValue(*best) : QStringLiteral("—"));
        item->setData(Qt::UserRole, best ? QVariant(*best) : QVariant());
        item->setToolTip(tr("%1 of %2\nbest %3 · last %4 · min %5 · max %6 · %7 points")
                             .arg(key, m_runs->label(ids[c]),
                                  best ? formatValue(*best) : QStringLiteral("—"),
                                  s->last_value ? formatValue(*s->last_value) : QStringLiteral("—"),
                                  s->min_value ? formatValue(*s->min_value) : QStringLiteral("—"),
                                  s->max_value ? formatValue(*s->max_value) : QStringLiteral("—"))
                             .arg(s->count));
        // Every run tied for best is marked, when there is a comparison to make. System
        // metrics (memory, CPU, timings) describe the machine, not the model: no winner.
        if (ranked.size() > 1 && best && *best == ranked[0].best && !system) {
          QFont f = item->font();
          f.setBold(true);
          item->setFont(f);
          item->setForeground(compare_style::bestColor());
          item->setBackground(QColor(226, 242, 230));
          item->setText(QStringLiteral("★ ") + item->text());
        }
      }
      setItem(r, 2 + c, item);
    }
  }
  resizeColumnsToContents();
  for (int c = 0; c < columnCount(); ++c)
    setColumnWidth(c, std::clamp(columnWidth(c) + 16, 60, 260));
}

}  // namespace wb::ui
