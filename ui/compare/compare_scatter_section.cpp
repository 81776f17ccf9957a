#include "ui/compare/compare_scatter_section.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "core/metrics/run_comparison.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/compare_style.h"
#include "ui/compare/scatter_plot_widget.h"

namespace wb::ui {

CompareScatterSection::CompareScatterSection(const CompareRuns* runs, QWidget* parent)
    : QWidget(parent), m_runs(runs) {
  auto* r = new QVBoxLayout(this);
  r->setContentsMargins(4, 4, 0, 0);
  auto* sbar = new QHBoxLayout;
  sbar->addWidget(compare_style::sectionTitle(tr("Scatter"), this));
  m_param_combo = new QComboBox(this);
  m_param_combo->setObjectName(QStringLiteral("scatterParam"));
  m_param_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_metric_combo = new QComboBox(this);
  m_metric_combo->setObjectName(QStringLiteral("scatterMetric"));
  m_metric_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  sbar->addWidget(m_metric_combo);
  sbar->addWidget(new QLabel(tr("against"), this));
  sbar->addWidget(m_param_combo);
  sbar->addStretch(1);
  r->addLayout(sbar);
  m_scatter = new ScatterPlotWidget(this);
  m_scatter->setObjectName(QStringLiteral("scatterPlot"));
  r->addWidget(m_scatter, 1);
  connect(m_param_combo, &QComboBox::activated, this,
          [this](int i) { setParam(m_param_combo->itemData(i).toString()); });
  connect(m_metric_combo, &QComboBox::activated, this,
          [this](int i) { setMetric(m_metric_combo->itemData(i).toString()); });
}

void CompareScatterSection::refreshPickers() {
  const QStringList keys = m_runs->metricKeys();
  const QString target = m_runs->targetMetric();
  {
    const QSignalBlocker block(m_metric_combo);
    m_metric_combo->clear();
    for (const auto& k : keys) m_metric_combo->addItem(k, k);
    const QString metric = m_metric.isEmpty() || !keys.contains(m_metric) ? target : m_metric;
    m_metric_combo->setCurrentIndex(static_cast<int>(keys.indexOf(metric)));
  }
  {
    const QSignalBlocker block(m_param_combo);
    m_param_combo->clear();
    const QStringList differing = m_runs->differingParamKeys();
    const QStringList params = m_runs->paramKeys();
    // Differing params first: the only ones a scatter can say something about.
    for (const auto& k : differing) m_param_combo->addItem(k, k);
    if (!differing.isEmpty() && differing.size() < params.size())
      m_param_combo->insertSeparator(m_param_combo->count());
    for (const auto& k : params)
      if (!differing.contains(k)) m_param_combo->addItem(k, k);
    const QString param =
        m_param.isEmpty() || !params.contains(m_param) ? m_runs->scatterParamCandidate() : m_param;
    m_param_combo->setCurrentIndex(m_param_combo->findData(param));
  }
}

void CompareScatterSection::setFadedRuns(const QSet<QString>& run_ids) {
  m_scatter->setFadedRuns(run_ids);
}

void CompareScatterSection::restoreChoices(const QString& param, const QString& metric) {
  m_param = param;
  m_metric = metric;
}

void CompareScatterSection::setParam(const QString& key) {
  m_param = key;
  refresh();
}

void CompareScatterSection::setMetric(const QString& key) {
  m_metric = key;
  refresh();
}

void CompareScatterSection::refresh() {
  const QStringList params = m_runs->paramKeys(), metrics_keys = m_runs->metricKeys();
  const QString param =
      m_param.isEmpty() || !params.contains(m_param) ? m_runs->scatterParamCandidate() : m_param;
  const QString metric =
      m_metric.isEmpty() || !metrics_keys.contains(m_metric) ? m_runs->targetMetric() : m_metric;
  {
    const QSignalBlocker a(m_param_combo), b(m_metric_combo);
    m_param_combo->setCurrentIndex(m_param_combo->findData(param));
    m_metric_combo->setCurrentIndex(m_metric_combo->findData(metric));
  }
  QList<ScatterPlotWidget::Point> points;
  const auto goal = m_runs->goalOf(metric);
  for (const auto& r : m_runs->rows()) {
    const QString id = QString::fromStdString(r.run.id);
    ScatterPlotWidget::Point p{id, m_runs->label(id), m_runs->color(id), {}, std::nullopt};
    const auto it = r.params.find(param.toStdString());
    if (it != r.params.end()) p.x = QString::fromStdString(it->second);
    if (const auto* s = m_runs->summary(id, metric)) p.y = metrics::bestValue(*s, goal);
    points << p;
  }
  m_scatter->setData(param, metric.isEmpty() ? QString() : tr("%1 (best)").arg(metric), points);
}

}  // namespace wb::ui
