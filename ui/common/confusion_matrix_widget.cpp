#include "ui/common/confusion_matrix_widget.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

namespace wb::ui {

namespace {
constexpr int kPad = 10;
constexpr int kTitleHeight = 44;
constexpr int kCaption = 16;  // "Predicted" above, "True" beside
constexpr int kGap = 6;
constexpr double kScoreShade = 0.72;  // precision/recall of 1 stay mid green: text readable
constexpr int kMinTextCell = 20;      // smaller cells: no numbers in them
const QColor kMuted(0x70, 0x74, 0x7a);

using Stops = std::array<QColor, 5>;
// ColorBrewer's Blues and Greens: sequential, readable in print and for most colour-blind eyes.
const Stops kBlues = {QColor(247, 251, 255), QColor(198, 219, 239), QColor(107, 174, 214),
                      QColor(33, 113, 181), QColor(8, 48, 107)};
const Stops kGreens = {QColor(247, 252, 245), QColor(199, 233, 192), QColor(116, 196, 118),
                       QColor(35, 139, 69), QColor(0, 68, 27)};

QColor ramp(const Stops& stops, double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (stops.size() - 1);
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  const QColor& a = stops[i];
  const QColor& b = stops[i + 1];
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * f),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * f),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * f));
}

QColor textOn(double t) { return t > 0.55 ? QColor(Qt::white) : QColor(0x22, 0x22, 0x22); }

int cellSizeFor(int classes) {
  if (classes <= 4) return 52;
  if (classes <= 8) return 42;
  if (classes <= 12) return 32;
  if (classes <= 20) return 24;
  return std::max(6, 480 / classes);
}

QFont smallFont(const QFont& base) {
  QFont small = base;
  small.setPointSizeF(base.pointSizeF() * 0.85);
  return small;
}

QString percent(double v) {
  return QString::number(100.0 * v, 'f', v >= 0.9995 || v == 0 ? 0 : 1) + QLatin1Char('%');
}
}  // namespace

// ---- ConfusionMatrix ---------------------------------------------------------------------

std::int64_t ConfusionMatrix::rowTotal(int true_class) const {
  std::int64_t sum = 0;
  for (int p = 0; p < classes; ++p) sum += at(true_class, p);
  return sum;
}

std::int64_t ConfusionMatrix::columnTotal(int predicted) const {
  std::int64_t sum = 0;
  for (int t = 0; t < classes; ++t) sum += at(t, predicted);
  return sum;
}

ConfusionMatrix ConfusionMatrix::fromArtifact(const metrics::ConfusionArtifact& artifact) {
  ConfusionMatrix m;
  m.classes = artifact.classes;
  for (const auto& label : artifact.labels) m.labels << QString::fromStdString(label);
  m.counts = artifact.counts;
  m.precision = artifact.precision;
  m.recall = artifact.recall;
  m.accuracy = artifact.accuracy;
  m.total = artifact.total;
  m.split = QString::fromStdString(artifact.split);
  return m;
}

// ---- ConfusionMatrixWidget ---------------------------------------------------------------

ConfusionMatrixWidget::ConfusionMatrixWidget(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
  m_message = tr("Loading…");
}

void ConfusionMatrixWidget::setRun(const QString& run_id, const QString& label,
                                   const QColor& color) {
  m_run_id = run_id;
  m_label = label;
  m_color = color;
  updateGeometry();
  update();
}

void ConfusionMatrixWidget::setMatrix(const ConfusionMatrix& matrix) {
  m_matrix = matrix;
  m_message.clear();
  updateGeometry();
  update();
}

void ConfusionMatrixWidget::setMessage(const QString& text) {
  m_matrix.reset();
  m_message = text;
  updateGeometry();
  update();
}

void ConfusionMatrixWidget::setCellText(CellText mode) {
  if (mode == m_cell_text) return;
  m_cell_text = mode;
  update();
}

ConfusionMatrixWidget::Layout ConfusionMatrixWidget::layout() const {
  Layout l;
  if (!m_matrix) return l;
  const int n = m_matrix->classes;
  const QFontMetrics fm(font());
  int widest = 0;
  for (const auto& label : m_matrix->labels) widest = std::max(widest, fm.horizontalAdvance(label));
  l.cell = cellSizeFor(n);
  const QFont small = smallFont(font());
  // Room for the class names and for the "Precision" caption of the bottom row.
  const int row_label_w =
      std::max(std::min(widest, 110) + 8,
               QFontMetrics(small).horizontalAdvance(tr("Precision")) + 8 - kCaption);
  l.vertical_columns = widest + 4 > l.cell;
  const int column_label_h = l.vertical_columns ? std::min(widest, 90) + 6 : fm.height() + 4;
  const int aux_w = std::max(l.cell, fm.horizontalAdvance(tr("Recall")) + 8);
  const int aux_h = std::clamp(l.cell, 18, 28);
  const int left = kPad + kCaption + row_label_w;
  const int top = kPad + kTitleHeight + kCaption + column_label_h;
  l.header_height = top;
  l.grid = QRect(left, top, n * l.cell, n * l.cell);
  l.recall_column = QRect(l.grid.right() + 1 + kGap, top, aux_w, n * l.cell);
  l.precision_row = QRect(left, l.grid.bottom() + 1 + kGap, n * l.cell, aux_h);
  return l;
}

QSize ConfusionMatrixWidget::sizeHint() const {
  const QFontMetrics fm(font());
  QFont title_font = font();
  title_font.setBold(true);
  const int title_w = QFontMetrics(title_font).horizontalAdvance(m_label) + 2 * kPad + 22;
  if (!m_matrix) return {std::max(260, std::min(title_w, 420)), 200};
  const Layout l = layout();
  const int w = std::max({l.recall_column.right() + 1 + kPad, title_w, 240});
  const int h = l.precision_row.bottom() + 1 + kPad;
  return {std::min(w, 2000), h};
}

QRect ConfusionMatrixWidget::cellRect(int true_class, int predicted) const {
  if (!m_matrix || true_class < 0 || predicted < 0 || true_class >= m_matrix->classes ||
      predicted >= m_matrix->classes)
    return {};
  const Layout l = layout();
  return {l.grid.left() + predicted * l.cell, l.grid.top() + true_class * l.cell, l.cell, l.cell};
}

QString ConfusionMatrixWidget::toolTipAt(const QPoint& pos) const {
  if (!m_matrix) return {};
  const auto& m = *m_matrix;
  const Layout l = layout();
  if (l.grid.contains(pos)) {
    const int p = (pos.x() - l.grid.left()) / l.cell, t = (pos.y() - l.grid.top()) / l.cell;
    const auto v = m.at(t, p);
    const auto row = m.rowTotal(t);
    return tr("True <b>%1</b>, predicted <b>%2</b><br>%3 of %4 samples (%5)")
        .arg(m.labels[t].toHtmlEscaped(), m.labels[p].toHtmlEscaped())
        .arg(v)
        .arg(row)
        .arg(percent(row ? static_cast<double>(v) / static_cast<double>(row) : 0));
  }
  if (l.recall_column.contains(pos)) {
    const int c = (pos.y() - l.recall_column.top()) / l.cell;
    return tr("Recall of <b>%1</b>: %2<br>%3 of %4 found")
        .arg(m.labels[c].toHtmlEscaped(),
             QString::number(m.recall[static_cast<std::size_t>(c)], 'f', 3))
        .arg(m.at(c, c))
        .arg(m.rowTotal(c));
  }
  if (l.precision_row.contains(pos)) {
    const int c = (pos.x() - l.precision_row.left()) / l.cell;
    return tr("Precision of <b>%1</b>: %2<br>%3 of %4 predictions right")
        .arg(m.labels[c].toHtmlEscaped(),
             QString::number(m.precision[static_cast<std::size_t>(c)], 'f', 3))
        .arg(m.at(c, c))
        .arg(m.columnTotal(c));
  }
  return {};
}

bool ConfusionMatrixWidget::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    const auto* help = static_cast<QHelpEvent*>(event);
    const QString text = toolTipAt(help->pos());
    if (text.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(help->globalPos(), text, this);
    return true;
  }
  return QWidget::event(event);
}

void ConfusionMatrixWidget::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  paintTitle(p);
  if (!m_matrix) {
    p.drawText(rect().adjusted(kPad, kPad + kTitleHeight, -kPad, -kPad),
               Qt::AlignCenter | Qt::TextWordWrap, m_message);
    return;
  }
  const Layout l = layout();
  paintCaptions(p, l);
  paintClassLabels(p, l);
  paintCells(p, l);
  paintScores(p, l);
}

void ConfusionMatrixWidget::paintTitle(QPainter& p) const {
  const QRectF frame = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
  p.setPen(QColor(0xdd, 0xdf, 0xe3));
  p.setBrush(palette().base());
  p.drawRoundedRect(frame, 6, 6);

  // The run's colour and name, then what the matrix was measured on.
  p.setPen(Qt::NoPen);
  p.setBrush(m_color.isValid() ? m_color : QColor(Qt::gray));
  p.drawRoundedRect(QRectF(kPad, kPad + 4, 12, 12), 3, 3);
  QFont title_font = font();
  title_font.setBold(true);
  p.setFont(title_font);
  p.setPen(palette().color(QPalette::Text));
  const int title_w = width() - 2 * kPad - 18;
  p.drawText(QRect(kPad + 18, kPad, title_w, 20), Qt::AlignLeft | Qt::AlignVCenter,
             p.fontMetrics().elidedText(m_label, Qt::ElideRight, title_w));
  // Leaves the small muted text set: the message without a matrix is drawn in it.
  p.setFont(smallFont(font()));
  p.setPen(kMuted);
  if (!m_matrix) return;
  const auto& m = *m_matrix;
  const QString sub =
      tr("%1 split · accuracy %2 · %n sample(s)", nullptr, static_cast<int>(m.total))
          .arg(m.split.isEmpty() ? tr("evaluation") : m.split, percent(m.accuracy));
  p.drawText(QRect(kPad + 18, kPad + 20, title_w, 18), Qt::AlignLeft | Qt::AlignVCenter,
             p.fontMetrics().elidedText(sub, Qt::ElideRight, title_w));
}

void ConfusionMatrixWidget::paintCaptions(QPainter& p, const Layout& l) const {
  p.setPen(kMuted);
  p.drawText(QRect(l.grid.left(), kPad + kTitleHeight, l.grid.width(), kCaption), Qt::AlignCenter,
             tr("Predicted"));
  p.save();
  p.translate(kPad + kCaption / 2.0, l.grid.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-l.grid.height() / 2.0, -kCaption / 2.0, l.grid.height(), kCaption),
             Qt::AlignCenter, tr("True"));
  p.restore();
}

void ConfusionMatrixWidget::paintClassLabels(QPainter& p, const Layout& l) const {
  const auto& m = *m_matrix;
  const QFontMetrics fm(font());
  p.setFont(font());
  p.setPen(palette().color(QPalette::Text));
  const int row_label_w = l.grid.left() - kPad - kCaption - 6;
  for (int c = 0; c < m.classes; ++c) {
    if (l.cell < fm.height() - 2 && c % std::max(1, (fm.height() + 2) / std::max(1, l.cell)) != 0)
      continue;
    const QString text = m.labels[c];
    p.drawText(QRect(kPad + kCaption, l.grid.top() + c * l.cell, row_label_w, l.cell),
               Qt::AlignRight | Qt::AlignVCenter, fm.elidedText(text, Qt::ElideRight, row_label_w));
    const int x = l.grid.left() + c * l.cell;
    if (l.vertical_columns) {
      const int h = l.grid.top() - (kPad + kTitleHeight + kCaption) - 4;
      p.save();
      p.translate(x + l.cell / 2.0, l.grid.top() - 4);
      p.rotate(-90);
      p.drawText(QRectF(0, -fm.height() / 2.0, h, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                 fm.elidedText(text, Qt::ElideRight, h));
      p.restore();
    } else {
      p.drawText(QRect(x, l.grid.top() - fm.height() - 4, l.cell, fm.height()), Qt::AlignCenter,
                 text);
    }
  }
  p.setPen(kMuted);
  p.setFont(smallFont(font()));
  p.drawText(QRect(l.recall_column.left(), l.grid.top() - fm.height() - 4, l.recall_column.width(),
                   fm.height()),
             Qt::AlignCenter, tr("Recall"));
  p.drawText(QRect(kPad, l.precision_row.top(), l.grid.left() - kPad - 6, l.precision_row.height()),
             Qt::AlignRight | Qt::AlignVCenter, tr("Precision"));
}

void ConfusionMatrixWidget::paintCells(QPainter& p, const Layout& l) const {
  // Shaded by their share of the true class.
  const auto& m = *m_matrix;
  const int n = m.classes;
  QFont cell_font = font();
  cell_font.setPixelSize(std::clamp(l.cell / 3, 8, QFontMetrics(font()).height()));
  p.setFont(cell_font);
  for (int t = 0; t < n; ++t) {
    const auto row = m.rowTotal(t);
    for (int c = 0; c < n; ++c) {
      const auto v = m.at(t, c);
      const double share = row ? static_cast<double>(v) / static_cast<double>(row) : 0;
      const QRect r = cellRect(t, c);
      p.fillRect(r, ramp(kBlues, share));
      if (l.cell < kMinTextCell) continue;
      p.setPen(textOn(share));
      p.drawText(r, Qt::AlignCenter,
                 m_cell_text == CellText::RowPercent ? percent(share) : QString::number(v));
    }
  }
  // The diagonal outlined: where the right answers are.
  if (l.cell >= 10) {
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(QColor(8, 48, 107, 90), 1));
    for (int c = 0; c < n; ++c) p.drawRect(QRectF(cellRect(c, c)).adjusted(0.5, 0.5, -0.5, -0.5));
  }
  p.setPen(QPen(QColor(0xc8, 0xcc, 0xd2), 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(QRectF(l.grid).adjusted(-0.5, -0.5, 0.5, 0.5));
}

void ConfusionMatrixWidget::paintScores(QPainter& p, const Layout& l) const {
  // Recall beside each row, precision under each column (in the cells' font).
  const auto& m = *m_matrix;
  for (int c = 0; c < m.classes; ++c) {
    const double r = m.recall[static_cast<std::size_t>(c)];
    const QRect rr(l.recall_column.left(), l.recall_column.top() + c * l.cell,
                   l.recall_column.width(), l.cell);
    p.fillRect(rr.adjusted(0, 1, 0, -1), ramp(kGreens, r * kScoreShade));
    const double pr = m.precision[static_cast<std::size_t>(c)];
    const QRect pr_rect(l.precision_row.left() + c * l.cell, l.precision_row.top(), l.cell,
                        l.precision_row.height());
    p.fillRect(pr_rect.adjusted(1, 0, -1, 0), ramp(kGreens, pr * kScoreShade));
    if (l.cell >= kMinTextCell) {
      p.setPen(textOn(r * kScoreShade));
      p.drawText(rr, Qt::AlignCenter, QString::number(r, 'f', 2));
      p.setPen(textOn(pr * kScoreShade));
      p.drawText(pr_rect, Qt::AlignCenter, QString::number(pr, 'f', 2));
    }
  }
}

}  // namespace wb::ui
