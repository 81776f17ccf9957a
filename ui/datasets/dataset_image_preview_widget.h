#pragma once

#include <memory>

#include <QImage>
#include <QWidget>

#include "core/data/dataset.h"
#include "core/workspace/workspace.h"

class QLabel;

namespace wb::ui {

/// One image sample at full size (scaled to the pane) with its label, split, size, channels,
/// bytes, hash and key/path. The image is read and decoded off the GUI thread.
class DatasetImagePreviewWidget : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetImagePreviewWidget(QWidget* parent = nullptr);

  /// sample_index < 0 clears the pane.
  void setSample(const Workspace& workspace, std::shared_ptr<const data::Manifest> manifest,
                 int sample_index);
  int sampleIndex() const { return m_sample_index; }
  /// The decoded image (null until loaded or when decoding failed).
  QImage image() const { return m_image; }
  QString detailsText() const;

 Q_SIGNALS:
  void imageLoaded(int sample_index, bool ok);

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void updatePixmap();

  int m_sample_index = -1;
  int m_generation = 0;
  QImage m_image;
  QLabel* m_view;
  QLabel* m_title;
  QLabel* m_details;
};

}  // namespace wb::ui
