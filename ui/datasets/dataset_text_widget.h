#pragma once

#include <memory>

#include <QWidget>

#include "core/data/dataset.h"

class QLabel;
class QPlainTextEdit;
class QSplitter;
class QTableView;

namespace wb::ui {

class DatasetTextModel;

/// The Samples page of a text dataset: a virtualised list of rows (label, split, the start of
/// the text) and the selected row's full text below.
class DatasetTextWidget : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetTextWidget(QWidget* parent = nullptr);

  void setManifest(std::shared_ptr<const data::Manifest> manifest);

  DatasetTextModel* model() const { return m_model; }
  QTableView* view() const { return m_view; }
  QPlainTextEdit* preview() const { return m_preview; }

 private:
  void showRow(int row);

  DatasetTextModel* m_model;
  QSplitter* m_splitter;
  QTableView* m_view;
  QWidget* m_preview_pane;
  QLabel* m_preview_title;
  QPlainTextEdit* m_preview;
};

}  // namespace wb::ui
