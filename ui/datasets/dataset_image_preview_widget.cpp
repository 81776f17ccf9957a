#include "ui/datasets/dataset_image_preview_widget.h"

#include <QFutureWatcher>
#include <QLabel>
#include <QLocale>
#include <QTextDocument>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/data/importer.h"
#include "ui/datasets/thumbnail_loader.h"

namespace wb::ui {

namespace {

// Long unbroken text (hashes, paths) may wrap: zero-width spaces after separators and every
// `chunk` characters.
QString breakable(const QString& text, int chunk) {
  QString out;
  int run = 0;
  for (const QChar c : text) {
    out += c;
    ++run;
    if (c == QLatin1Char('/') || c == QLatin1Char('\\') || run >= chunk) {
      out += QChar(0x200B);
      run = 0;
    }
  }
  return out;
}

struct Decoded {
  QImage image;
  QString error;
};
}  // namespace

DatasetImagePreviewWidget::DatasetImagePreviewWidget(QWidget* parent)
    : QWidget(parent),
      m_view(new QLabel(this)),
      m_title(new QLabel(this)),
      m_details(new QLabel(this)) {
  setObjectName(QStringLiteral("imagePreview"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 0, 0, 0);
  QFont f = m_title->font();
  f.setBold(true);
  f.setPointSizeF(f.pointSizeF() * 1.15);
  m_title->setFont(f);
  m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_view->setAlignment(Qt::AlignCenter);
  m_view->setMinimumSize(120, 120);
  m_view->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  m_view->setAutoFillBackground(true);
  QPalette pal = m_view->palette();
  pal.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
  pal.setColor(QPalette::WindowText, QColor(0xdd, 0xdd, 0xdd));
  m_view->setPalette(pal);
  m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_details->setWordWrap(true);
  // The pane never forces the splitter wider: long values wrap instead.
  m_details->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  setMinimumWidth(180);
  m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  layout->addWidget(m_title);
  layout->addWidget(m_view, 1);
  layout->addWidget(m_details);
  setSample({}, nullptr, -1);
}

void DatasetImagePreviewWidget::setSample(const Workspace& workspace,
                                          std::shared_ptr<const data::Manifest> manifest,
                                          int sample_index) {
  const int generation = ++m_generation;
  m_image = QImage();
  if (!manifest || sample_index < 0 || sample_index >= static_cast<int>(manifest->samples.size())) {
    m_sample_index = -1;
    m_title->setText(tr("No sample selected"));
    m_details->setText(tr("Click a thumbnail (or press Enter on it) to preview it here."));
    m_view->clear();
    return;
  }
  m_sample_index = sample_index;
  const data::Sample& s = manifest->samples[static_cast<std::size_t>(sample_index)];
  const auto path = data::samplePath(workspace, *manifest, s);
  const QLocale locale;
  m_title->setText(QString::fromStdString(s.label.empty() ? s.key : s.label));
  m_details->setText(
      tr("<table cellspacing=2>"
         "<tr><td><b>Label</b></td><td>%1</td></tr>"
         "<tr><td><b>Split</b></td><td>%2</td></tr>"
         "<tr><td><b>Size</b></td><td>%3×%4 · %5 channel(s)</td></tr>"
         "<tr><td><b>Bytes</b></td><td>%6</td></tr>"
         "<tr><td><b>Key</b></td><td>%7</td></tr>"
         "<tr><td><b>Hash</b></td><td><tt>%8</tt></td></tr>"
         "<tr><td><b>File</b></td><td>%9</td></tr></table>")
          .arg(QString::fromStdString(s.label).toHtmlEscaped(),
               QString::fromUtf8(data::toString(s.split).data()), QString::number(s.width),
               QString::number(s.height), QString::number(s.channels),
               locale.toString(static_cast<qulonglong>(s.size_bytes)),
               breakable(QString::fromStdString(s.key), 24).toHtmlEscaped(),
               breakable(QString::fromStdString(s.hash), 16),
               breakable(QString::fromStdString(path.string()), 24).toHtmlEscaped()));
  m_view->setText(tr("Loading…"));

  auto* watcher = new QFutureWatcher<Decoded>(this);
  connect(watcher, &QFutureWatcher<Decoded>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    if (generation != m_generation) return;  // another sample was chosen meanwhile
    const Decoded d = watcher->result();
    m_image = d.image;
    if (m_image.isNull())
      m_view->setText(tr("Cannot show this image:\n%1").arg(d.error));
    else
      updatePixmap();
    Q_EMIT imageLoaded(m_sample_index, !m_image.isNull());
  });
  watcher->setFuture(QtConcurrent::run([path] {
    Decoded d;
    d.image = ThumbnailLoader::decodeFile(path, 0, &d.error);
    return d;
  }));
}

QString DatasetImagePreviewWidget::detailsText() const {
  QTextDocument doc;
  doc.setHtml(m_details->text());
  return m_title->text() + QLatin1Char('\n') + doc.toPlainText().remove(QChar(0x200B));
}

void DatasetImagePreviewWidget::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  updatePixmap();
}

void DatasetImagePreviewWidget::updatePixmap() {
  if (m_image.isNull()) return;
  const QSize area = m_view->size() - QSize(8, 8);
  if (area.width() <= 0 || area.height() <= 0) return;
  QImage shown;
  if (m_image.width() <= area.width() / 2 && m_image.height() <= area.height() / 2) {
    // Small images (digits): whole-number enlargement keeps the pixels square and crisp.
    const int factor =
        std::max(1, std::min(area.width() / m_image.width(), area.height() / m_image.height()));
    shown = m_image.scaled(m_image.size() * factor, Qt::KeepAspectRatio, Qt::FastTransformation);
  } else if (m_image.width() > area.width() || m_image.height() > area.height()) {
    shown = m_image.scaled(area, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  } else {
    shown = m_image;
  }
  m_view->setPixmap(QPixmap::fromImage(shown));
}

}  // namespace wb::ui
