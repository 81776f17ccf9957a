#pragma once

#include <QStyledItemDelegate>

namespace wb::ui {

/// Paints one grid cell of a ThumbnailModel: the thumbnail scaled to fit a square (small
/// images are enlarged with nearest-neighbour sampling so pixels stay crisp), a placeholder
/// while it loads, a mark when it failed, and the label below. Every cell has the same size.
class ThumbnailDelegate : public QStyledItemDelegate {
  Q_OBJECT
 public:
  explicit ThumbnailDelegate(int image_side = 96, QObject* parent = nullptr);

  int imageSide() const { return m_side; }
  /// The fixed cell size (image plus one text line and margins).
  QSize cellSize(const QFont& font) const;

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

 private:
  int m_side;
};

}  // namespace wb::ui
