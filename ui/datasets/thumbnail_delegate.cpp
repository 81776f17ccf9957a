#include "ui/datasets/thumbnail_delegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>

#include "ui/datasets/thumbnail_model.h"

namespace wb::ui {

namespace {
constexpr int kMargin = 4;
}

ThumbnailDelegate::ThumbnailDelegate(int image_side, QObject* parent)
    : QStyledItemDelegate(parent), m_side(image_side) {}

QSize ThumbnailDelegate::cellSize(const QFont& font) const {
  const QFontMetrics fm(font);
  return {m_side + 2 * kMargin, m_side + fm.height() + 3 * kMargin};
}

QSize ThumbnailDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
  return cellSize(option.font);
}

void ThumbnailDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
  painter->save();
  const QRect cell = option.rect;
  const QPalette& pal = option.palette;
  const bool selected = option.state & QStyle::State_Selected;
  if (selected) {
    painter->fillRect(
        cell, pal.brush(option.state & QStyle::State_Active ? QPalette::Active : QPalette::Inactive,
                        QPalette::Highlight));
  } else if (option.state & QStyle::State_MouseOver) {
    painter->fillRect(cell, pal.brush(QPalette::Midlight));
  }

  const QRect square(cell.left() + (cell.width() - m_side) / 2, cell.top() + kMargin, m_side,
                     m_side);
  // Asking for the decoration is what requests a thumbnail that is not cached yet.
  const QVariant decoration = index.data(Qt::DecorationRole);
  const auto state = static_cast<ThumbnailModel::ThumbnailState>(
      index.data(ThumbnailModel::ThumbnailStateRole).toInt());
  if (state == ThumbnailModel::ThumbnailState::Loaded) {
    const QImage img = decoration.value<QImage>();
    if (!img.isNull()) {
      QSize size = img.size().scaled(square.size(), Qt::KeepAspectRatio);
      // Enlarging a tiny image (28×28 digits): crisp pixels; shrinking: smooth.
      const bool enlarge = size.width() > img.width();
      if (enlarge) {
        const int factor = std::max(1, square.width() / std::max(img.width(), img.height()));
        size = img.size() * factor;
      }
      painter->setRenderHint(QPainter::SmoothPixmapTransform, !enlarge);
      const QRect target(square.left() + (square.width() - size.width()) / 2,
                         square.top() + (square.height() - size.height()) / 2, size.width(),
                         size.height());
      painter->drawImage(target, img);
    }
  } else {
    painter->fillRect(square.adjusted(6, 6, -6, -6), QColor(0xe4, 0xe6, 0xea));
    if (state == ThumbnailModel::ThumbnailState::Failed) {
      painter->setPen(QPen(QColor(0xc6, 0x28, 0x28), 2));
      painter->drawLine(square.center() + QPoint(-10, -10), square.center() + QPoint(10, 10));
      painter->drawLine(square.center() + QPoint(-10, 10), square.center() + QPoint(10, -10));
    }
  }

  const QRect text_rect(cell.left() + kMargin, square.bottom() + kMargin,
                        cell.width() - 2 * kMargin, cell.bottom() - square.bottom() - kMargin);
  painter->setPen(pal.color(selected ? QPalette::HighlightedText : QPalette::Text));
  painter->setFont(option.font);
  const QString label = option.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(),
                                                      Qt::ElideRight, text_rect.width());
  painter->drawText(text_rect, Qt::AlignHCenter | Qt::AlignTop, label);

  if (option.state & QStyle::State_HasFocus) {
    QStyleOptionFocusRect focus;
    focus.QStyleOption::operator=(option);
    focus.rect = cell.adjusted(1, 1, -1, -1);
    focus.backgroundColor = pal.color(selected ? QPalette::Highlight : QPalette::Base);
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_FrameFocusRect, &focus, painter, widget);
  }
  painter->restore();
}

}  // namespace wb::ui
