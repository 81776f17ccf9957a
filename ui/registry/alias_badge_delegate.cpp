#include "ui/registry/alias_badge_delegate.h"

#include <QPainter>
#include <QPainterPath>

namespace wb::ui {

namespace {
constexpr int kPadX = 6;
constexpr int kGap = 4;
constexpr int kMarginY = 3;
}  // namespace

QColor AliasBadgeDelegate::aliasColor(const QString& alias) {
  if (alias == QLatin1String("production")) return QColor(0x2e, 0x7d, 0x32);
  if (alias == QLatin1String("staging")) return QColor(0xc7, 0x7c, 0x02);
  if (alias == QLatin1String("champion")) return QColor(0x6a, 0x1b, 0x9a);
  if (alias == QLatin1String("latest")) return QColor(0x60, 0x7d, 0x8b);
  static const QColor kOthers[] = {QColor(0x15, 0x65, 0xc0), QColor(0x00, 0x83, 0x8f),
                                   QColor(0xad, 0x14, 0x57), QColor(0x45, 0x5a, 0x64)};
  uint h = 2166136261u;  // FNV-1a: the same colour in every session
  for (QChar c : alias) h = (h ^ c.unicode()) * 16777619u;
  return kOthers[h % 4];
}

QString AliasBadgeDelegate::badgeHtml(const QString& text, const QString& alias) {
  return QStringLiteral("<span style=\"background-color:%1; color:white;\">&nbsp;%2&nbsp;</span>")
      .arg(aliasColor(alias).name(), text.toHtmlEscaped());
}

void AliasBadgeDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const {
  const QVariant data = index.data(AliasesRole);
  if (!data.isValid()) {  // not an alias cell
    QStyledItemDelegate::paint(painter, option, index);
    return;
  }
  const QStringList aliases = data.toStringList();
  QStyleOptionViewItem opt(option);
  initStyleOption(&opt, index);
  opt.text.clear();
  const QStyle* style = opt.widget ? opt.widget->style() : nullptr;
  if (style) style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
  if (aliases.isEmpty()) return;
  painter->save();
  painter->setRenderHint(QPainter::Antialiasing);
  QFont font = option.font;
  font.setPointSizeF(font.pointSizeF() * 0.9);
  painter->setFont(font);
  const QFontMetrics fm(font);
  int x = option.rect.left() + 4;
  const int h = std::min(option.rect.height() - 2 * kMarginY, fm.height() + 2);
  const int y = option.rect.top() + (option.rect.height() - h) / 2;
  for (const QString& entry : aliases) {
    // "production" or "production:3" (the model list shows where each alias points).
    const QString alias = entry.section(QLatin1Char(':'), 0, 0);
    const QString text = entry.contains(QLatin1Char(':'))
                             ? alias + QStringLiteral(" → v") + entry.section(QLatin1Char(':'), 1)
                             : alias;
    const int w = fm.horizontalAdvance(text) + 2 * kPadX;
    if (x + w > option.rect.right()) break;
    QPainterPath path;
    path.addRoundedRect(QRectF(x, y, w, h), h / 2.0, h / 2.0);
    painter->fillPath(path, aliasColor(alias));
    painter->setPen(Qt::white);
    painter->drawText(QRect(x, y, w, h), Qt::AlignCenter, text);
    x += w + kGap;
  }
  painter->restore();
}

QSize AliasBadgeDelegate::sizeHint(const QStyleOptionViewItem& option,
                                   const QModelIndex& index) const {
  QSize size = QStyledItemDelegate::sizeHint(option, index);
  if (!index.data(AliasesRole).isValid()) return size;
  QFont font = option.font;
  font.setPointSizeF(font.pointSizeF() * 0.9);
  const QFontMetrics fm(font);
  int w = 8;
  for (const QString& entry : index.data(AliasesRole).toStringList())
    w += fm.horizontalAdvance(entry) + 2 * kPadX + kGap +
         fm.horizontalAdvance(QStringLiteral(" → v"));
  size.setWidth(std::max(size.width(), w));
  return size;
}

}  // namespace wb::ui
