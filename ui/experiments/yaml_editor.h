#pragma once

#include <QList>
#include <QPlainTextEdit>
#include <QString>

class QPaintEvent;
class QResizeEvent;

namespace wb::ui {

class YamlHighlighter;

/// A YAML text editor: monospace, line-number gutter, syntax colouring, inline errors (a red
/// wavy underline under the token, a marker in the gutter, the message as a tooltip), Ctrl+/
/// to toggle comments, Tab/Shift+Tab to indent by two spaces, and auto-indent on Enter.
class YamlEditor : public QPlainTextEdit {
  Q_OBJECT
 public:
  /// One problem to show. LINE and COLUMN are 1-based, COLUMN in UTF-8 bytes as yaml-cpp
  /// reports it (0 = the whole line).
  struct Diagnostic {
    int line = 0;
    int column = 0;
    QString message;
  };

  static constexpr int kIndent = 2;

  explicit YamlEditor(QWidget* parent = nullptr);

  void setErrors(const QList<Diagnostic>& errors);
  const QList<Diagnostic>& errors() const { return m_errors; }
  /// The messages of the errors on LINE (1-based), joined by newlines; empty when none.
  QString errorTextAt(int line) const;

  /// Replaces the whole text as one undo step (Ctrl+Z restores the previous text). Only the
  /// span that differs is rewritten, so the cursor and the scroll position stay put. With
  /// JOIN_PREVIOUS the change merges into the previous undo step.
  void replaceTextUndoable(const QString& text, bool join_previous = false);

  /// Moves the cursor to LINE and COLUMN (1-based; COLUMN in UTF-8 bytes, 0 = line start).
  void goTo(int line, int column = 0);
  /// Comments out the selected lines (or the current one), or uncomments them when all are.
  void toggleComment();

  YamlHighlighter* highlighter() const { return m_highlighter; }
  int gutterWidth() const;

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  bool viewportEvent(QEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  class Gutter;
  friend class Gutter;

  void paintGutter(QPaintEvent* event);
  void updateGutterGeometry();
  void updateSelections();
  void indentSelection(bool outdent);
  // UTF-16 column in BLOCK of a 1-based UTF-8 byte column.
  static int qtColumn(const QString& block_text, int utf8_column);

  Gutter* m_gutter;
  YamlHighlighter* m_highlighter;
  QList<Diagnostic> m_errors;
};

}  // namespace wb::ui
