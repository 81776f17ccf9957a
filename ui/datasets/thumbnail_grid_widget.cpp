#include "ui/datasets/thumbnail_grid_widget.h"

#include <map>

#include <QEvent>

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QScrollBar>
#include <QSplitter>
#include <QVBoxLayout>

#include "ui/datasets/dataset_image_preview_widget.h"
#include "ui/datasets/thumbnail_delegate.h"
#include "ui/datasets/thumbnail_model.h"

namespace wb::ui {

namespace {
constexpr int kCellGap = 6;
}

ThumbnailGridWidget::ThumbnailGridWidget(QWidget* parent, int thumbnail_side)
    : QWidget(parent),
      m_model(new ThumbnailModel(this, thumbnail_side)),
      m_delegate(new ThumbnailDelegate(thumbnail_side, this)),
      m_class(new QComboBox(this)),
      m_split(new QComboBox(this)),
      m_shuffle(new QCheckBox(tr("S&huffle"), this)),
      m_count(new QLabel(this)),
      m_view(new QListView(this)),
      m_splitter(new QSplitter(Qt::Horizontal, this)),
      m_preview(new DatasetImagePreviewWidget(this)) {
  setObjectName(QStringLiteral("thumbnailGrid"));
  m_class->setObjectName(QStringLiteral("classFilter"));
  m_split->setObjectName(QStringLiteral("splitFilter"));
  m_class->setMinimumContentsLength(14);
  m_class->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  auto* class_label = new QLabel(tr("&Class:"), this);
  class_label->setBuddy(m_class);
  auto* split_label = new QLabel(tr("S&plit:"), this);
  split_label->setBuddy(m_split);

  auto* bar = new QHBoxLayout;
  bar->addWidget(class_label);
  bar->addWidget(m_class);
  bar->addSpacing(8);
  bar->addWidget(split_label);
  bar->addWidget(m_split);
  bar->addSpacing(8);
  bar->addWidget(m_shuffle);
  bar->addStretch(1);
  bar->addWidget(m_count);

  m_view->setObjectName(QStringLiteral("thumbnailView"));
  m_view->setViewMode(QListView::IconMode);
  m_view->setMovement(QListView::Static);
  m_view->setResizeMode(QListView::Adjust);
  m_view->setUniformItemSizes(true);
  m_view->setLayoutMode(QListView::SinglePass);
  m_view->setWrapping(true);
  m_view->setSelectionMode(QAbstractItemView::SingleSelection);
  m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  m_view->setItemDelegate(m_delegate);
  m_view->setGridSize(m_delegate->cellSize(font()) + QSize(kCellGap, kCellGap));
  m_view->setIconSize(QSize(thumbnail_side, thumbnail_side));
  m_view->setSpacing(0);
  m_view->setMouseTracking(true);
  // Always there, so the width (and the column count) does not flip when the list grows.
  m_view->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
  m_view->viewport()->installEventFilter(this);
  m_view->setModel(m_model);
  // One wheel notch scrolls about a row.
  m_view->verticalScrollBar()->setSingleStep(m_view->gridSize().height() / 3);

  m_splitter->addWidget(m_view);
  m_splitter->addWidget(m_preview);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 1);
  m_splitter->setChildrenCollapsible(true);
  m_splitter->setSizes({640, 320});

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 4, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(m_splitter, 1);
  setTabOrder(m_class, m_split);
  setTabOrder(m_split, m_shuffle);
  setTabOrder(m_shuffle, m_view);
  m_shuffle->setObjectName(QStringLiteral("shuffleBox"));
  m_shuffle->setToolTip(tr("Show the samples in a fixed random order instead of by file name"));
  connect(m_shuffle, &QCheckBox::toggled, m_model, &ThumbnailModel::setShuffled);

  connect(m_class, &QComboBox::currentIndexChanged, this, [this] { applyFilter(); });
  connect(m_split, &QComboBox::currentIndexChanged, this, [this] { applyFilter(); });
  connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& current) {
            m_preview->setSample(m_workspace, m_model->manifest(),
                                 current.isValid() ? m_model->sampleIndex(current.row()) : -1);
          });
  // Enter (and a double-click) activates: the large preview.
  connect(m_view, &QAbstractItemView::activated, this,
          [this](const QModelIndex& index) { openPreviewWindow(index.row()); });
  connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
    m_preview->setSample(m_workspace, m_model->manifest(), -1);
    updateCount();
    // Start on the first sample: the preview pane shows something useful at once.
    if (m_model->rowCount() > 0) m_view->setCurrentIndex(m_model->index(0));
  });
  setManifest({}, nullptr);
}

void ThumbnailGridWidget::setManifest(const Workspace& workspace,
                                      std::shared_ptr<const data::Manifest> manifest) {
  m_workspace = workspace;
  {
    const QSignalBlocker block_class(m_class), block_split(m_split);
    m_class->clear();
    m_split->clear();
    std::map<std::string, int> per_class;
    int per_split[4] = {0, 0, 0, 0};
    if (manifest) {
      for (const auto& s : manifest->samples) {
        per_class[s.label]++;
        per_split[static_cast<int>(s.split) & 3]++;
      }
    }
    const QLocale locale;
    const int total = manifest ? static_cast<int>(manifest->samples.size()) : 0;
    m_class->addItem(tr("All classes (%1)").arg(locale.toString(total)), QString());
    for (const auto& [label, n] : per_class)
      m_class->addItem(
          QStringLiteral("%1 (%2)").arg(QString::fromStdString(label), locale.toString(n)),
          QString::fromStdString(label));
    m_split->addItem(tr("All splits"), -1);
    for (auto split :
         {data::Split::Train, data::Split::Val, data::Split::Test, data::Split::Unassigned}) {
      const int n = per_split[static_cast<int>(split)];
      if (n == 0 && split == data::Split::Unassigned) continue;
      m_split->addItem(QStringLiteral("%1 (%2)").arg(
                           QString::fromUtf8(data::toString(split).data()), locale.toString(n)),
                       static_cast<int>(split));
    }
  }
  m_model->setManifest(workspace, std::move(manifest));
  if (m_dialog) m_dialog->close();
}

void ThumbnailGridWidget::applyFilter() {
  const QString label = m_class->currentData().toString();
  const int split = m_split->currentData().toInt();
  m_model->setFilter(label, split < 0
                                ? std::nullopt
                                : std::optional<data::Split>(static_cast<data::Split>(split)));
}

void ThumbnailGridWidget::updateCount() {
  const QLocale locale;
  const int shown = m_model->rowCount(), total = m_model->totalCount();
  m_count->setText(shown == total
                       ? tr("%1 images").arg(locale.toString(total))
                       : tr("%1 of %2 images").arg(locale.toString(shown), locale.toString(total)));
}

bool ThumbnailGridWidget::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_view->viewport() && event->type() == QEvent::Resize) fitColumns();
  return QWidget::eventFilter(watched, event);
}

void ThumbnailGridWidget::fitColumns() {
  // Spread the columns over the whole width instead of leaving a gap on the right.
  const int min_width = m_delegate->cellSize(font()).width() + kCellGap;
  // QListView wraps when a cell would end past width - 1: keep a pixel to spare.
  const int width = m_view->viewport()->width() - 2;
  const int columns = std::max(1, width / min_width);
  const QSize grid(std::max(min_width, width / columns),
                   m_delegate->cellSize(font()).height() + kCellGap);
  if (m_view->gridSize() != grid) m_view->setGridSize(grid);
}

void ThumbnailGridWidget::setFocusToFilter() { m_class->setFocus(Qt::ShortcutFocusReason); }

void ThumbnailGridWidget::openPreviewWindow(int row) {
  const int sample = m_model->sampleIndex(row);
  if (sample < 0) return;
  if (!m_dialog) {
    m_dialog = new QDialog(this);
    m_dialog->setObjectName(QStringLiteral("previewWindow"));
    m_dialog->setWindowTitle(tr("Sample Preview"));
    m_dialog->resize(720, 780);
    auto* layout = new QVBoxLayout(m_dialog);
    m_dialog_preview = new DatasetImagePreviewWidget(m_dialog);
    layout->addWidget(m_dialog_preview);
  }
  m_dialog_preview->setSample(m_workspace, m_model->manifest(), sample);
  m_dialog->setWindowTitle(
      tr("Sample Preview — %1").arg(QString::fromStdString(m_model->sampleAt(row)->key)));
  m_dialog->show();
  m_dialog->raise();
  m_dialog->activateWindow();
}

}  // namespace wb::ui
