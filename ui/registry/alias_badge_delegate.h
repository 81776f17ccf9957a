#pragma once

#include <QColor>
#include <QStyledItemDelegate>

namespace wb::ui {

/// Paints a cell's aliases (a QStringList under AliasBadgeDelegate::AliasesRole) as rounded
/// coloured badges: production green, staging amber, champion violet, others by name.
class AliasBadgeDelegate : public QStyledItemDelegate {
  Q_OBJECT
 public:
  static constexpr int AliasesRole = Qt::UserRole + 40;

  using QStyledItemDelegate::QStyledItemDelegate;

  /// The badge colour of an alias (the same everywhere it is drawn).
  static QColor aliasColor(const QString& alias);
  /// A badge as HTML for rich-text labels.
  static QString badgeHtml(const QString& text, const QString& alias);

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

}  // namespace wb::ui
