#include "ui/datasets/dataset_table_widget.h"

#include <QHeaderView>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/datasets/dataset_column_stats_model.h"
#include "ui/datasets/dataset_table_model.h"

namespace wb::ui {

namespace {
void setUpTable(QTableView* view) {
  view->setSelectionBehavior(QAbstractItemView::SelectRows);
  view->setAlternatingRowColors(true);
  view->setWordWrap(false);
  view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
  view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  view->horizontalHeader()->setHighlightSections(false);
}
}  // namespace

DatasetTableWidget::DatasetTableWidget(QWidget* parent)
    : QWidget(parent),
      m_stats_model(new DatasetColumnStatsModel(this)),
      m_model(new DatasetTableModel(this)),
      m_splitter(new QSplitter(Qt::Vertical, this)),
      m_stats(new QTableView(m_splitter)),
      m_view(new QTableView(m_splitter)) {
  setObjectName(QStringLiteral("tableSamples"));
  m_stats->setObjectName(QStringLiteral("columnStats"));
  m_view->setObjectName(QStringLiteral("tableRows"));
  setUpTable(m_stats);
  setUpTable(m_view);
  m_stats->verticalHeader()->hide();
  m_stats->horizontalHeader()->setStretchLastSection(true);
  m_stats->setModel(m_stats_model);
  m_view->setModel(m_model);
  m_view->horizontalHeader()->setDefaultSectionSize(110);
  m_splitter->addWidget(m_stats);
  m_splitter->addWidget(m_view);
  m_splitter->setStretchFactor(0, 1);
  m_splitter->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 4, 0, 0);
  layout->addWidget(m_splitter);
}

void DatasetTableWidget::setManifest(std::shared_ptr<const data::Manifest> manifest) {
  if (manifest)
    m_stats_model->setColumns(manifest->columns, manifest->target_column, manifest->text_columns);
  else
    m_stats_model->setColumns({}, {});
  m_model->setManifest(std::move(manifest));
  m_stats->resizeColumnsToContents();
  for (int c = 0; c < m_stats_model->columnCount(); ++c)
    m_stats->setColumnWidth(c, std::min(m_stats->columnWidth(c), 260));
}

}  // namespace wb::ui
