#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

class QTextDocument;

namespace wb::ui {

/// YAML colouring for the config editor: keys, comments, quoted strings, numbers,
/// booleans/null, list dashes, anchors/aliases/tags, document markers and block scalars
/// (`|`, `>`) whose lines stay string-coloured. Colours follow the palette (light or dark).
class YamlHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
 public:
  enum class Token { Unknown, Key, Comment, String, Number, Keyword, Dash, Anchor, Marker };

  explicit YamlHighlighter(QTextDocument* document);

  /// Picks colours for a light or a dark background and rehighlights.
  void setDarkBackground(bool dark);
  QTextCharFormat format(Token token) const;

  /// The token at COLUMN of LINE as this highlighter sees it (tests, tooltips).
  static Token tokenAt(const QString& line, int column);

 protected:
  void highlightBlock(const QString& text) override;

 private:
  QTextCharFormat m_key;
  QTextCharFormat m_comment;
  QTextCharFormat m_string;
  QTextCharFormat m_number;
  QTextCharFormat m_keyword;
  QTextCharFormat m_dash;
  QTextCharFormat m_anchor;
  QTextCharFormat m_marker;
};

}  // namespace wb::ui
