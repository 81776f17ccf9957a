#include "ui/experiments/yaml_highlighter.h"

#include <QGuiApplication>
#include <QPalette>
#include <QRegularExpression>
#include <QTextDocument>
#include <QVector>

namespace wb::ui {

namespace {

struct Span {
  int start;
  int length;
  YamlHighlighter::Token token;
};

bool isSpace(QChar c) { return c == u' ' || c == u'\t'; }
bool isFlowIndicator(QChar c) {
  return c == u',' || c == u'[' || c == u']' || c == u'{' || c == u'}';
}

YamlHighlighter::Token classifyPlain(const QString& word) {
  static const QRegularExpression kNumber(QStringLiteral(
      R"(^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$)"));
  static const QRegularExpression kKeyword(
      QStringLiteral("^(true|True|TRUE|false|False|FALSE|null|Null|NULL|~|yes|no|on|off)$"));
  if (kNumber.match(word).hasMatch()) return YamlHighlighter::Token::Number;
  if (kKeyword.match(word).hasMatch()) return YamlHighlighter::Token::Keyword;
  return YamlHighlighter::Token::String;
}

// End (exclusive) of the quoted scalar opening at I, or the line's end when unterminated.
int quotedEnd(const QString& line, int i) {
  const QChar q = line[i];
  for (int j = i + 1; j < line.size(); ++j) {
    if (q == u'"' && line[j] == u'\\') {
      ++j;
    } else if (line[j] == q) {
      if (q == u'\'' && j + 1 < line.size() && line[j + 1] == u'\'') {
        ++j;
        continue;
      }
      return j + 1;
    }
  }
  return static_cast<int>(line.size());
}

// Whether a ':' that makes the preceding scalar a key follows at I (after blanks).
bool keyColonAt(const QString& line, int i, int flow_depth) {
  while (i < line.size() && isSpace(line[i])) ++i;
  if (i >= line.size() || line[i] != u':') return false;
  const int next = i + 1;
  return next >= line.size() || isSpace(line[next]) ||
         (flow_depth > 0 && isFlowIndicator(line[next]));
}

// One line's tokens. BLOCK_SCALAR is set when the line opens a `|` or `>` block.
QVector<Span> lex(const QString& line, bool* block_scalar = nullptr) {
  using Token = YamlHighlighter::Token;
  QVector<Span> spans;
  const int n = static_cast<int>(line.size());
  int i = 0;
  int flow_depth = 0;
  bool line_start = true;  // only blanks and dashes so far
  if (block_scalar) *block_scalar = false;
  if ((line.startsWith(QStringLiteral("---")) || line.startsWith(QStringLiteral("..."))) &&
      (n == 3 || isSpace(line[3]))) {
    spans.push_back({0, 3, Token::Marker});
    i = 3;
  }
  while (i < n) {
    const QChar c = line[i];
    if (isSpace(c)) {
      ++i;
      continue;
    }
    if (c == u'#' && (i == 0 || isSpace(line[i - 1]))) {
      spans.push_back({i, n - i, Token::Comment});
      break;
    }
    if (c == u'-' && line_start && (i + 1 >= n || isSpace(line[i + 1]))) {
      spans.push_back({i, 1, Token::Dash});
      ++i;
      continue;
    }
    line_start = false;
    if (isFlowIndicator(c)) {
      if (c == u'[' || c == u'{') ++flow_depth;
      if ((c == u']' || c == u'}') && flow_depth > 0) --flow_depth;
      ++i;
      continue;
    }
    if (c == u':' || c == u'?') {
      ++i;
      continue;
    }
    if (c == u'&' || c == u'*' || c == u'!') {
      int j = i + 1;
      while (j < n && !isSpace(line[j]) && !(flow_depth > 0 && isFlowIndicator(line[j]))) ++j;
      spans.push_back({i, j - i, Token::Anchor});
      i = j;
      continue;
    }
    if ((c == u'|' || c == u'>') && flow_depth == 0) {
      int j = i + 1;
      while (j < n && (line[j] == u'-' || line[j] == u'+' || line[j].isDigit())) ++j;
      spans.push_back({i, j - i, Token::Marker});
      if (block_scalar) *block_scalar = true;
      i = j;
      continue;
    }
    if (c == u'"' || c == u'\'') {
      const int end = quotedEnd(line, i);
      spans.push_back({i, end - i, keyColonAt(line, end, flow_depth) ? Token::Key : Token::String});
      i = end;
      continue;
    }
    // A plain scalar: up to ": ", " #", or a flow indicator inside a flow collection.
    int j = i;
    while (j < n) {
      const QChar d = line[j];
      if (d == u':' &&
          (j + 1 >= n || isSpace(line[j + 1]) || (flow_depth > 0 && isFlowIndicator(line[j + 1]))))
        break;
      if (d == u'#' && isSpace(line[j - 1])) break;
      if (flow_depth > 0 && isFlowIndicator(d)) break;
      ++j;
    }
    int end = j;
    while (end > i && isSpace(line[end - 1])) --end;
    const QString word = line.mid(i, end - i);
    const Token token = keyColonAt(line, j, flow_depth) ? Token::Key : classifyPlain(word);
    spans.push_back({i, end - i, token});
    i = j;
  }
  return spans;
}

int indentOf(const QString& line) {
  int i = 0;
  while (i < line.size() && line[i] == u' ') ++i;
  return i;
}

}  // namespace

YamlHighlighter::YamlHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
  const QPalette palette = QGuiApplication::palette();
  setDarkBackground(palette.color(QPalette::Base).lightness() < 128);
}

void YamlHighlighter::setDarkBackground(bool dark) {
  auto make = [](const char* color, bool bold = false, bool italic = false) {
    QTextCharFormat f;
    f.setForeground(QColor(QLatin1StringView(color)));
    if (bold) f.setFontWeight(QFont::DemiBold);
    f.setFontItalic(italic);
    return f;
  };
  if (dark) {
    m_key = make("#8cb4ff", true);
    m_comment = make("#8b949e", false, true);
    m_string = make("#a5d6a7");
    m_number = make("#ffb870");
    m_keyword = make("#d2a8ff", true);
    m_dash = make("#c9d1d9", true);
    m_anchor = make("#76e3ea", false, true);
    m_marker = make("#8b949e", true);
  } else {
    m_key = make("#1c4f9c", true);
    m_comment = make("#7a7f85", false, true);
    m_string = make("#2b7a3d");
    m_number = make("#b0540c");
    m_keyword = make("#8a2fa8", true);
    m_dash = make("#4a4f55", true);
    m_anchor = make("#0b7285", false, true);
    m_marker = make("#6b7077", true);
  }
  rehighlight();
}

QTextCharFormat YamlHighlighter::format(Token token) const {
  switch (token) {
    case Token::Key:
      return m_key;
    case Token::Comment:
      return m_comment;
    case Token::String:
      return m_string;
    case Token::Number:
      return m_number;
    case Token::Keyword:
      return m_keyword;
    case Token::Dash:
      return m_dash;
    case Token::Anchor:
      return m_anchor;
    case Token::Marker:
      return m_marker;
    case Token::Unknown:
      break;
  }
  return {};
}

YamlHighlighter::Token YamlHighlighter::tokenAt(const QString& line, int column) {
  for (const Span& s : lex(line))
    if (column >= s.start && column < s.start + s.length) return s.token;
  return Token::Unknown;
}

void YamlHighlighter::highlightBlock(const QString& text) {
  // Block state: the indentation of the line that opened a block scalar, else -1.
  const int open = previousBlockState();
  if (open >= 0) {
    const bool blank = text.trimmed().isEmpty();
    if (blank || indentOf(text) > open) {
      if (!blank) setFormat(0, static_cast<int>(text.size()), m_string);
      setCurrentBlockState(open);
      return;
    }
  }
  bool block_scalar = false;
  for (const Span& s : lex(text, &block_scalar)) setFormat(s.start, s.length, format(s.token));
  setCurrentBlockState(block_scalar ? indentOf(text) : -1);
}

}  // namespace wb::ui
