#include "ui/compare/compare_parallel_section.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/metrics/run_comparison.h"
#include "ui/compare/compare_runs.h"
#include "ui/compare/compare_style.h"
#include "ui/compare/parallel_coords_widget.h"

namespace wb::ui {

CompareParallelSection::CompareParallelSection(const CompareRuns* runs, QWidget* parent)
    : QWidget(parent), m_runs(runs) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(0, 6, 0, 0);
  auto* bar = new QHBoxLayout;
  bar->addWidget(compare_style::sectionTitle(tr("Parallel coordinates"), this));
  m_axes_button = new QPushButton(tr("Axes"), this);
  m_axes_button->setToolTip(tr("Params drawn as axes; the ranking metric is always the last axis"));
  auto* axes_menu = new QMenu(m_axes_button);
  m_axes_button->setMenu(axes_menu);
  connect(axes_menu, &QMenu::aboutToShow, this, &CompareParallelSection::fillAxesMenu);
  bar->addWidget(m_axes_button);
  auto* hint = new QLabel(tr("drag along an axis to select a range"), this);
  hint->setStyleSheet(QStringLiteral("color: #888;"));
  bar->addWidget(hint);
  bar->addStretch(1);
  m_brush_label = new QLabel(this);
  bar->addWidget(m_brush_label);
  m_clear_brushes = new QPushButton(tr("Clear"), this);
  m_clear_brushes->setToolTip(tr("Clear every brush (or double-click the plot)"));
  m_compare_brushed = new QPushButton(tr("Compare These"), this);
  m_compare_brushed->setToolTip(tr("Narrow the comparison to the runs inside the brushes"));
  m_select_brushed = new QPushButton(tr("Select in Runs"), this);
  m_select_brushed->setToolTip(tr("Make the runs inside the brushes the Runs table's selection"));
  bar->addWidget(m_clear_brushes);
  bar->addWidget(m_compare_brushed);
  bar->addWidget(m_select_brushed);
  l->addLayout(bar);
  m_parallel = new ParallelCoordsWidget(this);
  m_parallel->setObjectName(QStringLiteral("parallelCoords"));
  l->addWidget(m_parallel, 1);
  connect(m_parallel, &ParallelCoordsWidget::runsBrushed, this, &CompareParallelSection::onBrushed);
  connect(m_clear_brushes, &QPushButton::clicked, m_parallel, &ParallelCoordsWidget::clearBrushes);
  connect(m_compare_brushed, &QPushButton::clicked, this, [this] {
    const QStringList ids = m_brushed;
    m_parallel->clearBrushes();
    Q_EMIT compareRequested(ids);
  });
  connect(m_select_brushed, &QPushButton::clicked, this,
          [this] { Q_EMIT selectInRunsRequested(m_brushed); });
  updateBrushControls();
}

QSet<QString> CompareParallelSection::fadedRuns() const {
  QSet<QString> faded;
  if (m_parallel->hasBrushes())
    for (const auto& id : m_runs->ids())
      if (!m_brushed.contains(id)) faded.insert(id);
  return faded;
}

void CompareParallelSection::setAxisParams(const QStringList& keys, bool chosen) {
  restoreAxisParams(keys, chosen);
  refresh();
}

void CompareParallelSection::restoreAxisParams(const QStringList& keys, bool chosen) {
  m_axis_params = keys;
  m_axis_params_chosen = chosen;
}

void CompareParallelSection::fillAxesMenu() {
  auto* menu = m_axes_button->menu();
  menu->clear();
  const QStringList shown =
      m_axis_params_chosen ? m_axis_params : m_runs->axisParamCandidates(kMaxAutoAxes);
  auto* auto_action = menu->addAction(tr("Params that differ"));
  auto_action->setCheckable(true);
  auto_action->setChecked(!m_axis_params_chosen);
  connect(auto_action, &QAction::triggered, this, [this] {
    m_axis_params_chosen = false;
    refresh();
  });
  menu->addSeparator();
  const QStringList differing = m_runs->differingParamKeys();
  auto add = [&](const QString& key, QMenu* into) {
    auto* a = into->addAction(key);
    a->setCheckable(true);
    a->setChecked(shown.contains(key));
    connect(a, &QAction::toggled, this, [this, key](bool on) {
      QStringList keys =
          m_axis_params_chosen ? m_axis_params : m_runs->axisParamCandidates(kMaxAutoAxes);
      if (on && !keys.contains(key)) keys << key;
      if (!on) keys.removeAll(key);
      setAxisParams(keys);
    });
  };
  for (const auto& k : differing) add(k, menu);
  const QStringList params = m_runs->paramKeys();
  if (params.size() > differing.size()) {
    auto* same = menu->addMenu(tr("Equal in every run"));
    for (const auto& k : params)
      if (!differing.contains(k)) add(k, same);
  }
}

void CompareParallelSection::refresh() {
  if (!m_axis_params_chosen) m_axis_params = m_runs->axisParamCandidates(kMaxAutoAxes);
  QList<ParallelCoordsWidget::Run> runs;
  const QStringList ids = m_runs->ids();
  for (const auto& id : ids) runs.push_back({id, m_runs->label(id), m_runs->color(id)});
  QList<ParallelCoordsWidget::Axis> axes;
  for (const auto& key : m_axis_params) {
    ParallelCoordsWidget::Axis a;
    a.key = key;
    for (const auto& r : m_runs->rows()) {
      const auto it = r.params.find(key.toStdString());
      a.values << (it == r.params.end() ? QVariant()
                                        : QVariant(QString::fromStdString(it->second)));
    }
    axes << a;
  }
  const QString metric = m_runs->targetMetric();
  if (!metric.isEmpty()) {
    ParallelCoordsWidget::Axis a;
    a.key = metric;
    a.is_target = true;
    a.allow_log = false;
    const auto goal = m_runs->effectiveGoal();
    a.subtitle =
        goal == metrics::Goal::Min ? tr("best · lower is better") : tr("best · higher is better");
    for (const auto& id : ids) {
      const auto* s = m_runs->summary(id, metric);
      const auto v = s ? metrics::bestValue(*s, goal) : std::nullopt;
      a.values << (v ? QVariant(*v) : QVariant());
    }
    axes << a;
  }
  m_parallel->setData(runs, axes);
  m_axes_button->setText(tr("Axes: %n param(s)", nullptr, static_cast<int>(m_axis_params.size())));
}

void CompareParallelSection::onBrushed(const QStringList& run_ids) {
  m_brushed = run_ids;
  updateBrushControls();
  Q_EMIT runsBrushed(run_ids);
}

void CompareParallelSection::updateBrushControls() {
  const bool brushing = m_parallel->hasBrushes();
  m_brush_label->setText(
      brushing ? tr("%1 of %n run(s) selected", nullptr, static_cast<int>(m_runs->ids().size()))
                     .arg(m_brushed.size())
               : QString());
  m_clear_brushes->setVisible(brushing);
  m_compare_brushed->setEnabled(brushing && m_brushed.size() >= 2);
  m_select_brushed->setEnabled(brushing && !m_brushed.isEmpty());
}

}  // namespace wb::ui
