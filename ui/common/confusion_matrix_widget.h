#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <QColor>
#include <QStringList>
#include <QWidget>

#include "core/metrics/confusion_artifact.h"

class QPainter;

namespace wb::ui {

/// A run's confusion matrix as the trainer stores it (the confusion_matrix_{test,val}.json
/// artifact written by train::ClassificationMetrics::confusionJson).
struct ConfusionMatrix {
  int classes = 0;
  QStringList labels;                // class names; "0", "1", … when the artifact has none
  std::vector<std::int64_t> counts;  // row-major: row = true class, column = predicted
  std::vector<double> precision;     // per class
  std::vector<double> recall;        // per class
  double accuracy = 0;
  std::int64_t total = 0;
  QString split;  // "test" or "val": which data it was measured on

  std::int64_t at(int true_class, int predicted) const {
    return counts[static_cast<std::size_t>(true_class) * static_cast<std::size_t>(classes) +
                  static_cast<std::size_t>(predicted)];
  }
  std::int64_t rowTotal(int true_class) const;
  std::int64_t columnTotal(int predicted) const;

  /// The artifact as core reads it (metrics::readConfusionArtifact, the one parser).
  static ConfusionMatrix fromArtifact(const metrics::ConfusionArtifact& artifact);
};

/// One run's confusion matrix as a heatmap (cells shaded by their share of the true class's
/// row, so runs with different sample counts compare at a glance), with each class's recall
/// beside its row and precision under its column. Without a matrix it shows a message.
class ConfusionMatrixWidget : public QWidget {
  Q_OBJECT
 public:
  enum class CellText { Unknown = 0, Counts, RowPercent };

  explicit ConfusionMatrixWidget(QWidget* parent = nullptr);

  void setRun(const QString& run_id, const QString& label, const QColor& color);
  QString runId() const { return m_run_id; }
  void setMatrix(const ConfusionMatrix& matrix);
  /// Drops the matrix and shows text instead ("Loading…", "No confusion matrix").
  void setMessage(const QString& text);
  bool hasMatrix() const { return m_matrix.has_value(); }
  const std::optional<ConfusionMatrix>& matrix() const { return m_matrix; }
  QString message() const { return m_message; }
  void setCellText(CellText mode);
  CellText cellText() const { return m_cell_text; }

  /// Where a cell is drawn (empty without a matrix).
  QRect cellRect(int true_class, int predicted) const;
  QString toolTipAt(const QPoint& pos) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override { return sizeHint(); }

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;

 private:
  struct Layout {
    int cell = 0;
    QRect grid;                     // the n × n cells
    QRect recall_column;            // right of the grid
    QRect precision_row;            // under the grid
    bool vertical_columns = false;  // predicted labels rotated
    int header_height = 0;
  };
  Layout layout() const;
  // paintEvent's steps, in drawing order.
  void paintTitle(QPainter& p) const;
  void paintCaptions(QPainter& p, const Layout& l) const;
  void paintClassLabels(QPainter& p, const Layout& l) const;
  void paintCells(QPainter& p, const Layout& l) const;
  void paintScores(QPainter& p, const Layout& l) const;

  QString m_run_id;
  QString m_label;
  QColor m_color;
  std::optional<ConfusionMatrix> m_matrix;
  QString m_message;
  CellText m_cell_text = CellText::Counts;
};

}  // namespace wb::ui
