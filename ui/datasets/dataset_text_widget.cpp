#include "ui/datasets/dataset_text_widget.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/datasets/dataset_text_model.h"

namespace wb::ui {

DatasetTextWidget::DatasetTextWidget(QWidget* parent)
    : QWidget(parent),
      m_model(new DatasetTextModel(this)),
      m_splitter(new QSplitter(Qt::Vertical, this)),
      m_view(new QTableView(m_splitter)),
      m_preview_pane(new QWidget(m_splitter)),
      m_preview_title(new QLabel(m_preview_pane)),
      m_preview(new QPlainTextEdit(m_preview_pane)) {
  setObjectName(QStringLiteral("textSamples"));
  m_view->setObjectName(QStringLiteral("textRows"));
  m_view->setModel(m_model);
  m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_view->setSelectionMode(QAbstractItemView::SingleSelection);
  m_view->setAlternatingRowColors(true);
  m_view->setWordWrap(false);
  m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
  m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  m_view->horizontalHeader()->setStretchLastSection(true);
  m_view->setColumnWidth(DatasetTextModel::kLabel, 120);
  m_view->setColumnWidth(DatasetTextModel::kSplit, 70);

  m_preview->setReadOnly(true);
  m_preview->setObjectName(QStringLiteral("textPreview"));
  QFont bold = m_preview_title->font();
  bold.setBold(true);
  m_preview_title->setFont(bold);
  auto* pane_layout = new QVBoxLayout(m_preview_pane);
  pane_layout->setContentsMargins(0, 4, 0, 0);
  pane_layout->addWidget(m_preview_title);
  pane_layout->addWidget(m_preview, 1);

  m_splitter->addWidget(m_view);
  m_splitter->addWidget(m_preview_pane);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 4, 0, 0);
  layout->addWidget(m_splitter);

  connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) { showRow(current.isValid() ? current.row() : -1); });
  showRow(-1);
}

void DatasetTextWidget::setManifest(std::shared_ptr<const data::Manifest> manifest) {
  m_model->setManifest(std::move(manifest));
  showRow(-1);
  if (m_model->rowCount() > 0) m_view->selectRow(0);
}

void DatasetTextWidget::showRow(int row) {
  const auto manifest = m_model->manifest();
  if (!manifest || row < 0 || row >= m_model->rowCount()) {
    m_preview_title->setText(tr("No row selected"));
    m_preview->clear();
    return;
  }
  const auto& s = manifest->samples[static_cast<std::size_t>(row)];
  m_preview_title->setText(tr("Row %1 · label %2 · %3 · key %4")
                               .arg(row + 1)
                               .arg(QString::fromStdString(s.label),
                                    QString::fromUtf8(data::toString(s.split).data()),
                                    QString::fromStdString(s.key)));
  m_preview->setPlainText(m_model->fullText(row));
}

}  // namespace wb::ui
