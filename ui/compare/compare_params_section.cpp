#include "ui/compare/compare_params_section.h"

#include <algorithm>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/compare/compare_runs.h"
#include "ui/compare/compare_style.h"
#include "ui/compare/params_diff_model.h"

namespace wb::ui {

CompareParamsSection::CompareParamsSection(const CompareRuns* runs, QWidget* parent)
    : QWidget(parent), m_runs(runs) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(0, 4, 4, 0);
  auto* bar = new QHBoxLayout;
  bar->addWidget(compare_style::sectionTitle(tr("Parameters"), this));
  bar->addStretch(1);
  m_count = new QLabel(this);
  m_count->setStyleSheet(QStringLiteral("color: #666;"));
  bar->addWidget(m_count);
  m_only_diff = new QCheckBox(tr("Show only differences"), this);
  m_only_diff->setChecked(true);
  bar->addWidget(m_only_diff);
  l->addLayout(bar);
  m_model = new ParamsDiffModel(this);
  m_view = new QTableView(this);
  m_view->setObjectName(QStringLiteral("paramsDiff"));
  m_view->setModel(m_model);
  m_view->verticalHeader()->hide();
  m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
  m_view->horizontalHeader()->setHighlightSections(false);
  m_view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
  m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_view->setWordWrap(false);
  m_view->setShowGrid(false);
  m_view->setStyleSheet(QStringLiteral("QTableView { border: 1px solid #ddd; }"));
  l->addWidget(m_view, 1);
  connect(m_only_diff, &QCheckBox::toggled, this, [this](bool on) {
    m_model->setOnlyDifferences(on);
    refresh();
  });
}

void CompareParamsSection::setFadedRuns(const QSet<QString>& run_ids) {
  m_model->setFadedRuns(run_ids);
}

void CompareParamsSection::refresh() {
  std::vector<ParamsDiffModel::Run> runs;
  for (const auto& r : m_runs->rows()) {
    const QString id = QString::fromStdString(r.run.id);
    runs.push_back({id, m_runs->label(id), m_runs->color(id), r.params});
  }
  // Keep the view's column widths when only values change.
  const bool same_columns = m_model->runCount() == static_cast<int>(runs.size());
  m_model->setRuns(runs);
  if (!same_columns || m_view->horizontalHeader()->sectionSize(0) <= 0) {
    m_view->resizeColumnsToContents();
    for (int c = 0; c < m_model->columnCount(); ++c)
      m_view->setColumnWidth(c, std::clamp(m_view->columnWidth(c) + 12, 70, 240));
  }
  const int equal = m_model->equalCount(), differing = m_model->differingCount();
  if (differing + equal == 0)
    m_count->setText(tr("no params logged"));
  else if (m_only_diff->isChecked())
    m_count->setText(tr("%1 differ · %2 equal hidden").arg(differing).arg(equal));
  else
    m_count->setText(tr("%1 differ · %2 equal").arg(differing).arg(equal));
}

}  // namespace wb::ui
