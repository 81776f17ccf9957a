#pragma once

#include <memory>

#include <QPointer>
#include <QWidget>

#include "core/data/dataset.h"
#include "core/workspace/workspace.h"

class QCheckBox;
class QComboBox;
class QDialog;
class QLabel;
class QListView;
class QSplitter;

namespace wb::ui {

class DatasetImagePreviewWidget;
class ThumbnailDelegate;
class ThumbnailModel;

/// The Samples page of an image dataset: class and split filters, a virtualised thumbnail
/// grid (QListView in icon mode over a ThumbnailModel) and a preview pane for the current
/// sample. Enter or a double-click opens a large preview window.
class ThumbnailGridWidget : public QWidget {
  Q_OBJECT
 public:
  explicit ThumbnailGridWidget(QWidget* parent = nullptr, int thumbnail_side = 96);

  void setManifest(const Workspace& workspace, std::shared_ptr<const data::Manifest> manifest);

  ThumbnailModel* model() const { return m_model; }
  QListView* view() const { return m_view; }
  QComboBox* classFilter() const { return m_class; }
  QComboBox* splitFilter() const { return m_split; }
  QCheckBox* shuffleBox() const { return m_shuffle; }
  DatasetImagePreviewWidget* preview() const { return m_preview; }
  /// The large preview window, once opened.
  DatasetImagePreviewWidget* dialogPreview() const { return m_dialog_preview; }
  QSplitter* splitter() const { return m_splitter; }

  /// Puts the keyboard focus on the class filter.
  void setFocusToFilter();
  /// Opens (or raises) the large preview window on a row of the grid.
  void openPreviewWindow(int row);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void fitColumns();
  void applyFilter();
  void updateCount();

  Workspace m_workspace;
  ThumbnailModel* m_model;
  ThumbnailDelegate* m_delegate;
  QComboBox* m_class;
  QComboBox* m_split;
  QCheckBox* m_shuffle;
  QLabel* m_count;
  QListView* m_view;
  QSplitter* m_splitter;
  DatasetImagePreviewWidget* m_preview;
  QPointer<QDialog> m_dialog;
  DatasetImagePreviewWidget* m_dialog_preview = nullptr;
};

}  // namespace wb::ui
