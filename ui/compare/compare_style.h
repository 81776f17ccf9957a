#pragma once

#include <QColor>
#include <QFont>
#include <QLabel>
#include <QString>

// Looks the Compare section's parts share.
namespace wb::ui::compare_style {

/// The best run's green (summary star, metrics table).
inline QColor bestColor() { return QColor(27, 122, 62); }

/// A run's colour as a square inside rich text.
inline QString swatchHtml(const QColor& c) {
  return QStringLiteral("<span style=\"color:%1; font-size:large\">&#9632;</span>").arg(c.name());
}

/// A bold title over a part of a tab.
inline QLabel* sectionTitle(const QString& text, QWidget* parent) {
  auto* label = new QLabel(text, parent);
  QFont f = label->font();
  f.setBold(true);
  label->setFont(f);
  return label;
}

}  // namespace wb::ui::compare_style
