#include "ui/compare/compare_summary_bar.h"

#include <cmath>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

#include "core/common/numbers.h"
#include "core/metrics/run_comparison.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/compare_style.h"
#include "ui/runs/run_table_model.h"

namespace wb::ui {

CompareSummaryBar::CompareSummaryBar(const CompareRuns* runs, QWidget* parent)
    : QFrame(parent), m_runs(runs) {
  auto* summary_frame = this;
  summary_frame->setObjectName(QStringLiteral("compareSummary"));
  summary_frame->setStyleSheet(QStringLiteral(
      "#compareSummary { background: #f2f8f3; border: 1px solid #cfe5d4; border-radius: 6px; }"));
  auto* summary_row = new QHBoxLayout(summary_frame);
  summary_row->setContentsMargins(10, 6, 10, 6);
  auto* rank_label = new QLabel(tr("Rank by"), summary_frame);
  m_target_combo = new QComboBox(summary_frame);
  m_target_combo->setObjectName(QStringLiteral("targetMetric"));
  m_target_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_target_combo->setToolTip(tr("The metric runs are ranked by (each run's best value)"));
  m_goal_combo = new QComboBox(summary_frame);
  m_goal_combo->setObjectName(QStringLiteral("goal"));
  m_goal_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_goal_combo->addItem(tr("Auto"), static_cast<int>(metrics::Goal::Unknown));
  m_goal_combo->addItem(tr("Higher is better"), static_cast<int>(metrics::Goal::Max));
  m_goal_combo->addItem(tr("Lower is better"), static_cast<int>(metrics::Goal::Min));
  m_goal_combo->setToolTip(
      tr("Auto: lower is better for loss, error, RMSE, MAE…; higher otherwise"));
  m_summary = new QLabel(summary_frame);
  m_summary->setObjectName(QStringLiteral("compareSummaryText"));
  m_summary->setTextFormat(Qt::RichText);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_summary->setWordWrap(true);
  summary_row->addWidget(rank_label);
  summary_row->addWidget(m_target_combo);
  summary_row->addWidget(m_goal_combo);
  summary_row->addSpacing(14);
  summary_row->addWidget(m_summary, 1);
  connect(m_target_combo, &QComboBox::activated, this,
          [this](int index) { Q_EMIT targetChosen(m_target_combo->itemData(index).toString()); });
  connect(m_goal_combo, &QComboBox::activated, this, [this](int index) {
    Q_EMIT goalChosen(static_cast<metrics::Goal>(m_goal_combo->itemData(index).toInt()));
  });
}

void CompareSummaryBar::refresh() {
  refreshPickers();
  refreshVerdict();
}

void CompareSummaryBar::refreshPickers() {
  const QStringList keys = m_runs->metricKeys();
  const QString target = m_runs->targetMetric();
  {
    const QSignalBlocker block(m_target_combo);
    m_target_combo->clear();
    for (const auto& k : keys) m_target_combo->addItem(k, k);
    m_target_combo->setCurrentIndex(static_cast<int>(keys.indexOf(target)));
  }
  {
    const QSignalBlocker block(m_goal_combo);
    const bool inferred_min = metrics::goalForMetric(target.toStdString()) == metrics::Goal::Min;
    m_goal_combo->setItemText(
        0, inferred_min ? tr("Auto: lower is better") : tr("Auto: higher is better"));
    m_goal_combo->setCurrentIndex(m_goal_combo->findData(static_cast<int>(m_runs->goalOverride())));
  }
}

void CompareSummaryBar::refreshVerdict() {
  m_best_run.clear();
  m_runner_up.clear();
  const QString metric = m_runs->targetMetric();
  if (metric.isEmpty()) {
    m_plain = tr("No run logged a metric yet.");
    m_summary->setText(m_plain.toHtmlEscaped());
    return;
  }
  const metrics::Goal goal = m_runs->effectiveGoal();
  std::vector<const store::MetricSummary*> summaries;
  const QStringList ids = m_runs->ids();
  for (const auto& id : ids) summaries.push_back(m_runs->summary(id, metric));
  const auto ranked = metrics::rankRuns(summaries, goal);
  const QString goal_text =
      goal == metrics::Goal::Min ? tr("lower is better") : tr("higher is better");
  if (ranked.empty()) {
    m_plain = tr("No run has a value of %1 yet.").arg(metric);
    m_summary->setText(m_plain.toHtmlEscaped());
    return;
  }
  const auto& first = ranked[0];
  const QString best_id = ids[static_cast<int>(first.index)];
  m_best_run = best_id;
  const QString best_label = m_runs->label(best_id);
  QString html =
      tr("<span style=\"color:%1\">&#9733;</span> Best on <b>%2</b>: %3&nbsp;<b>%4</b> with "
         "<b>%5</b>")
          .arg(compare_style::bestColor().name(), metric.toHtmlEscaped(),
               compare_style::swatchHtml(m_runs->color(best_id)), best_label.toHtmlEscaped(),
               formatValue(first.best));
  QString plain =
      tr("Best on %1 (%2): %3 (%4)").arg(metric, goal_text, best_label, formatValue(first.best));
  if (ranked.size() < 2) {
    html += tr(" — no other run logged it");
    plain += tr("; no other run logged it");
  } else {
    const auto& second = ranked[1];
    const QString second_id = ids[static_cast<int>(second.index)];
    m_runner_up = second_id;
    const QString second_label = m_runs->label(second_id);
    const double delta = first.best - second.best;
    if (delta == 0) {
      html += tr(", tied with %1&nbsp;%2")
                  .arg(compare_style::swatchHtml(m_runs->color(second_id)),
                       second_label.toHtmlEscaped());
      plain += tr(", tied with %1").arg(second_label);
      if (first.last && second.last && *first.last != *second.last) {
        html += tr(" (ahead on the last value: %1 vs %2)")
                    .arg(formatValue(*first.last), formatValue(*second.last));
        plain += tr("; ahead on the last value (%1 vs %2)")
                     .arg(formatValue(*first.last), formatValue(*second.last));
      }
    } else {
      // Said as a margin: "+0.03 over" when higher wins, "0.08 lower than" when lower does.
      const bool lower = goal == metrics::Goal::Min;
      const double margin = std::abs(delta);
      const QString amount = (lower ? QString() : QStringLiteral("+")) + formatValue(margin);
      QString rel;
      if (second.best != 0) {
        // Locale-free, as formatValue() is: one decimal point throughout the line.
        const double percent = 100 * margin / std::abs(second.best);
        rel = (lower ? QString() : QStringLiteral("+")) +
              QString::fromStdString(wb::formatFixed(percent, 1)) + QLatin1Char('%');
      }
      const QString better = lower ? tr("lower than") : tr("over");
      html += tr(", <b style=\"color:%1\">%2</b>%3 %4 the runner-up %5&nbsp;%6 (%7)")
                  .arg(compare_style::bestColor().name(), amount,
                       rel.isEmpty() ? QString() : QStringLiteral(" (") + rel + QLatin1Char(')'),
                       better, compare_style::swatchHtml(m_runs->color(second_id)),
                       second_label.toHtmlEscaped(), formatValue(second.best));
      plain += tr(", %1 %2 %3 (%4)").arg(amount, better, second_label, formatValue(second.best));
      if (!rel.isEmpty()) plain += QStringLiteral(", ") + rel;
    }
  }
  const int missing = static_cast<int>(ids.size() - ranked.size());
  if (missing > 0)
    html += tr(" <span style=\"color:#888\">· %n run(s) without it</span>", nullptr, missing);
  html += QStringLiteral(" <span style=\"color:#888\">· %1</span>").arg(goal_text);
  m_plain = plain;
  m_summary->setText(html);
}

}  // namespace wb::ui
