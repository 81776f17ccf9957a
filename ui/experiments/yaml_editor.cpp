#include "ui/experiments/yaml_editor.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSet>
#include <QTextBlock>
#include <QToolTip>

#include <algorithm>
#include <climits>

#include "ui/experiments/yaml_highlighter.h"

namespace wb::ui {

namespace {

const QColor kErrorColor(0xd0, 0x30, 0x30);

bool isDark(const QPalette& palette) { return palette.color(QPalette::Base).lightness() < 128; }

int leadingSpaces(const QString& text) {
  int i = 0;
  while (i < text.size() && (text[i] == u' ' || text[i] == u'\t')) ++i;
  return i;
}

}  // namespace

// The line-number strip left of the text; the editor paints it.
class YamlEditor::Gutter : public QWidget {
 public:
  explicit Gutter(YamlEditor* editor) : QWidget(editor), m_editor(editor) {
    setObjectName(QStringLiteral("yamlGutter"));
    setMouseTracking(true);
  }
  QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

 protected:
  void paintEvent(QPaintEvent* event) override { m_editor->paintGutter(event); }
  bool event(QEvent* event) override {
    if (event->type() == QEvent::ToolTip) {
      auto* help = static_cast<QHelpEvent*>(event);
      const QPoint in_viewport(0, help->pos().y());
      const int line = m_editor->cursorForPosition(in_viewport).blockNumber() + 1;
      const QString text = m_editor->errorTextAt(line);
      if (text.isEmpty())
        QToolTip::hideText();
      else
        QToolTip::showText(help->globalPos(), text, this);
      return true;
    }
    return QWidget::event(event);
  }

 private:
  YamlEditor* m_editor;
};

YamlEditor::YamlEditor(QWidget* parent)
    : QPlainTextEdit(parent),
      m_gutter(new Gutter(this)),
      m_highlighter(new YamlHighlighter(document())) {
  setObjectName(QStringLiteral("yamlEditor"));
  QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  font.setStyleHint(QFont::Monospace);
  setFont(font);
  document()->setDocumentMargin(6);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setTabStopDistance(fontMetrics().horizontalAdvance(QLatin1Char(' ')) * kIndent);
  setCenterOnScroll(false);
  setMouseTracking(true);
  viewport()->setMouseTracking(true);
  setPlaceholderText(tr("# An experiment config in YAML"));

  connect(this, &QPlainTextEdit::blockCountChanged, this, [this] { updateGutterGeometry(); });
  connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect& rect, int dy) {
    if (dy != 0)
      m_gutter->scroll(0, dy);
    else
      m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
  });
  connect(this, &QPlainTextEdit::cursorPositionChanged, this, [this] {
    updateSelections();
    m_gutter->update();
  });
  // Errors belong to the text they were computed for: an edit makes the underline stale,
  // so it stays until fresh errors arrive but moves with the text (extra selections do).
  updateGutterGeometry();
  updateSelections();
}

int YamlEditor::gutterWidth() const {
  int digits = 2;
  for (int max = std::max(1, blockCount()); max >= 100; max /= 10) ++digits;
  const int marker = fontMetrics().height() * 3 / 4;
  return 8 + marker + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits + 10;
}

void YamlEditor::updateGutterGeometry() {
  setViewportMargins(gutterWidth(), 0, 0, 0);
  const QRect cr = contentsRect();
  m_gutter->setGeometry(QRect(cr.left(), cr.top(), gutterWidth(), cr.height()));
  m_gutter->update();
}

void YamlEditor::resizeEvent(QResizeEvent* event) {
  QPlainTextEdit::resizeEvent(event);
  updateGutterGeometry();
}

void YamlEditor::changeEvent(QEvent* event) {
  QPlainTextEdit::changeEvent(event);
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
    m_highlighter->setDarkBackground(isDark(palette()));
    updateSelections();
  }
  if (event->type() == QEvent::FontChange) {
    setTabStopDistance(fontMetrics().horizontalAdvance(QLatin1Char(' ')) * kIndent);
    updateGutterGeometry();
  }
}

void YamlEditor::paintGutter(QPaintEvent* event) {
  QPainter painter(m_gutter);
  const QPalette pal = palette();
  const bool dark = isDark(pal);
  const QColor background =
      dark ? pal.color(QPalette::Base).lighter(115) : pal.color(QPalette::Base).darker(104);
  painter.fillRect(event->rect(), background);
  painter.setPen(dark ? background.lighter(130) : background.darker(112));
  painter.drawLine(m_gutter->width() - 1, event->rect().top(), m_gutter->width() - 1,
                   event->rect().bottom());

  QSet<int> error_lines;
  for (const auto& e : m_errors) error_lines.insert(e.line);
  const int current = textCursor().blockNumber();
  const QColor number_color = pal.color(QPalette::PlaceholderText);
  const int marker = fontMetrics().height() * 3 / 4;
  QFont bold = font();
  bold.setBold(true);

  painter.setRenderHint(QPainter::Antialiasing);
  QTextBlock block = firstVisibleBlock();
  int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
  while (block.isValid() && top <= event->rect().bottom()) {
    const int height = qRound(blockBoundingRect(block).height());
    if (block.isVisible() && top + height >= event->rect().top()) {
      const int number = block.blockNumber() + 1;
      const bool error = error_lines.contains(number);
      const int line_height = fontMetrics().height();
      if (error) {
        // A red dot with a white bar: visible at a glance, readable in both themes.
        const QRectF dot(6, top + (line_height - marker) / 2.0 + 1, marker, marker);
        painter.setPen(Qt::NoPen);
        painter.setBrush(kErrorColor);
        painter.drawEllipse(dot);
        painter.setPen(QPen(Qt::white, 1.6));
        painter.drawLine(QPointF(dot.center().x(), dot.top() + marker * 0.25),
                         QPointF(dot.center().x(), dot.top() + marker * 0.58));
        painter.drawPoint(QPointF(dot.center().x(), dot.top() + marker * 0.76));
      }
      painter.setFont(block.blockNumber() == current ? bold : font());
      painter.setPen(
          error ? kErrorColor
                : (block.blockNumber() == current ? pal.color(QPalette::Text) : number_color));
      painter.drawText(QRect(0, top, m_gutter->width() - 8, line_height),
                       Qt::AlignRight | Qt::AlignVCenter, QString::number(number));
    }
    block = block.next();
    top += height;
  }
}

int YamlEditor::qtColumn(const QString& block_text, int utf8_column) {
  if (utf8_column <= 1) return 0;
  const QByteArray bytes = block_text.toUtf8();
  const int n = std::min(static_cast<int>(bytes.size()), utf8_column - 1);
  return static_cast<int>(QString::fromUtf8(bytes.left(n)).size());
}

void YamlEditor::updateSelections() {
  QList<QTextEdit::ExtraSelection> selections;
  const QPalette pal = palette();
  {
    QTextEdit::ExtraSelection line;
    QColor color = pal.color(QPalette::Highlight);
    color.setAlpha(isDark(pal) ? 40 : 22);
    line.format.setBackground(color);
    line.format.setProperty(QTextFormat::FullWidthSelection, true);
    line.cursor = textCursor();
    line.cursor.clearSelection();
    selections.push_back(line);
  }
  for (const auto& e : m_errors) {
    const QTextBlock block = document()->findBlockByNumber(e.line - 1);
    if (!block.isValid()) continue;
    const QString text = block.text();
    int start = 0;
    int end = static_cast<int>(text.size());
    if (e.column > 0) {
      start = std::min(qtColumn(text, e.column), static_cast<int>(text.size()));
      end = start;
      if (end < text.size() && (text[end] == u'"' || text[end] == u'\'')) {
        const QChar q = text[end];
        end = static_cast<int>(text.indexOf(q, end + 1));
        end = end < 0 ? static_cast<int>(text.size()) : end + 1;
      } else {
        while (end < text.size() && !text[end].isSpace() && text[end] != u',' &&
               text[end] != u']' && text[end] != u'}' &&
               !(text[end] == u':' && (end + 1 == text.size() || text[end + 1].isSpace())))
          ++end;
      }
    }
    if (end <= start) {
      // Nothing to point at (an empty value): mark the line's content.
      start = 0;
      end = static_cast<int>(text.size());
    }
    while (start < end && text[start].isSpace()) ++start;
    if (end <= start) continue;  // an empty line: the gutter marker says it
    QTextEdit::ExtraSelection sel;
    sel.cursor = QTextCursor(block);
    sel.cursor.setPosition(block.position() + start);
    sel.cursor.setPosition(block.position() + end, QTextCursor::KeepAnchor);
    sel.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    sel.format.setUnderlineColor(kErrorColor);
    sel.format.setToolTip(e.message);
    selections.push_back(sel);
  }
  setExtraSelections(selections);
}

void YamlEditor::setErrors(const QList<Diagnostic>& errors) {
  m_errors = errors;
  updateSelections();
  m_gutter->update();
}

QString YamlEditor::errorTextAt(int line) const {
  QStringList messages;
  for (const auto& e : m_errors)
    if (e.line == line) messages.push_back(e.message);
  return messages.join(QLatin1Char('\n'));
}

bool YamlEditor::viewportEvent(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const QTextCursor cursor = cursorForPosition(help->pos());
    const QRect line_rect = cursorRect(QTextCursor(cursor.block()));
    const QString text = line_rect.top() <= help->pos().y() && help->pos().y() <= line_rect.bottom()
                             ? errorTextAt(cursor.blockNumber() + 1)
                             : QString();
    if (text.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(help->globalPos(), text, viewport());
    return true;
  }
  return QPlainTextEdit::viewportEvent(event);
}

void YamlEditor::replaceTextUndoable(const QString& text, bool join_previous) {
  const QString old = toPlainText();
  if (old == text) return;
  const auto old_size = old.size();
  const auto new_size = text.size();
  qsizetype prefix = 0;
  const qsizetype limit = std::min(old_size, new_size);
  while (prefix < limit && old[prefix] == text[prefix]) ++prefix;
  qsizetype suffix = 0;
  while (suffix < limit - prefix && old[old_size - 1 - suffix] == text[new_size - 1 - suffix])
    ++suffix;
  QTextCursor cursor(document());
  if (join_previous)
    cursor.joinPreviousEditBlock();
  else
    cursor.beginEditBlock();
  cursor.setPosition(static_cast<int>(prefix));
  cursor.setPosition(static_cast<int>(old_size - suffix), QTextCursor::KeepAnchor);
  cursor.insertText(text.mid(prefix, new_size - prefix - suffix));
  cursor.endEditBlock();
}

void YamlEditor::goTo(int line, int column) {
  QTextBlock block = document()->findBlockByNumber(std::max(0, line - 1));
  if (!block.isValid()) block = document()->lastBlock();
  QTextCursor cursor(block);
  cursor.setPosition(block.position() + std::min(qtColumn(block.text(), column),
                                                 static_cast<int>(block.length() - 1)));
  setTextCursor(cursor);
  centerCursor();
  setFocus(Qt::OtherFocusReason);
}

void YamlEditor::toggleComment() {
  QTextCursor cursor = textCursor();
  QTextBlock first = document()->findBlock(cursor.selectionStart());
  QTextBlock last = document()->findBlock(cursor.selectionEnd());
  // A selection ending at a line's start does not take that line along.
  if (cursor.hasSelection() && last.position() == cursor.selectionEnd() && last != first)
    last = last.previous();

  bool all_commented = true;
  int min_indent = INT_MAX;
  for (QTextBlock b = first; b.isValid(); b = b.next()) {
    const QString t = b.text();
    const QString trimmed = t.trimmed();
    if (!trimmed.isEmpty()) {
      all_commented = all_commented && trimmed.startsWith(QLatin1Char('#'));
      min_indent = std::min(min_indent, leadingSpaces(t));
    }
    if (b == last) break;
  }
  if (min_indent == INT_MAX) return;  // only blank lines

  QTextCursor edit(document());
  edit.beginEditBlock();
  for (QTextBlock b = first; b.isValid(); b = b.next()) {
    const QString t = b.text();
    const int indent = leadingSpaces(t);
    if (!t.trimmed().isEmpty()) {
      if (all_commented) {
        const int remove = t.mid(indent, 2) == QStringLiteral("# ") ? 2 : 1;
        edit.setPosition(b.position() + indent);
        edit.setPosition(b.position() + indent + remove, QTextCursor::KeepAnchor);
        edit.removeSelectedText();
      } else {
        edit.setPosition(b.position() + min_indent);
        edit.insertText(QStringLiteral("# "));
      }
    }
    if (b == last) break;
  }
  edit.endEditBlock();
}

void YamlEditor::indentSelection(bool outdent) {
  QTextCursor cursor = textCursor();
  QTextBlock first = document()->findBlock(cursor.selectionStart());
  QTextBlock last = document()->findBlock(cursor.selectionEnd());
  if (cursor.hasSelection() && last.position() == cursor.selectionEnd() && last != first)
    last = last.previous();
  QTextCursor edit(document());
  edit.beginEditBlock();
  for (QTextBlock b = first; b.isValid(); b = b.next()) {
    const QString t = b.text();
    if (outdent) {
      int n = 0;
      while (n < kIndent && n < t.size() && t[n] == u' ') ++n;
      if (n > 0) {
        edit.setPosition(b.position());
        edit.setPosition(b.position() + n, QTextCursor::KeepAnchor);
        edit.removeSelectedText();
      }
    } else if (!t.trimmed().isEmpty()) {
      edit.setPosition(b.position());
      edit.insertText(QString(kIndent, QLatin1Char(' ')));
    }
    if (b == last) break;
  }
  edit.endEditBlock();
}

void YamlEditor::keyPressEvent(QKeyEvent* event) {
  const bool ctrl = event->modifiers().testFlag(Qt::ControlModifier);
  if (ctrl && (event->key() == Qt::Key_Slash || event->key() == Qt::Key_Question)) {
    toggleComment();
    return;
  }
  if (event->key() == Qt::Key_Backtab) {
    indentSelection(true);
    return;
  }
  if (event->key() == Qt::Key_Tab && !ctrl) {
    const QTextCursor cursor = textCursor();
    if (cursor.hasSelection() && document()->findBlock(cursor.selectionStart()) !=
                                     document()->findBlock(cursor.selectionEnd())) {
      indentSelection(false);
    } else {
      insertPlainText(QString(kIndent, QLatin1Char(' ')));
    }
    return;
  }
  if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) &&
      !event->modifiers().testFlag(Qt::ShiftModifier) && !ctrl) {
    // Keep the indentation; one level deeper after "key:".
    QTextCursor cursor = textCursor();
    const QString before = cursor.block().text().left(cursor.positionInBlock());
    int indent = 0;
    while (indent < before.size() && before[indent] == u' ') ++indent;
    QString stripped = before.trimmed();
    if (const auto hash = stripped.indexOf(QStringLiteral(" #")); hash >= 0)
      stripped = stripped.left(hash).trimmed();
    if (stripped.endsWith(QLatin1Char(':'))) indent += kIndent;
    if (stripped.startsWith(QStringLiteral("- ")) && stripped.endsWith(QLatin1Char(':')))
      indent += kIndent;  // "- name:" opens a map inside the item
    cursor.beginEditBlock();
    cursor.insertText(QLatin1Char('\n') + QString(indent, QLatin1Char(' ')));
    cursor.endEditBlock();
    setTextCursor(cursor);
    ensureCursorVisible();
    return;
  }
  QPlainTextEdit::keyPressEvent(event);
}

}  // namespace wb::ui
