#include "ui/datasets/thumbnail_model.h"

#include <algorithm>

#include <QPainter>
#include <QTimer>

#include "core/data/importer.h"
#include "core/data/split.h"

namespace wb::ui {

namespace {
QImage makePlaceholder(int side) {
  QImage img(side, side, QImage::Format_RGB32);
  img.fill(QColor(0xe4, 0xe6, 0xea));
  return img;
}
}  // namespace

ThumbnailModel::ThumbnailModel(QObject* parent, int max_side, int threads)
    : QAbstractListModel(parent),
      m_loader(new ThumbnailLoader(max_side, threads, this)),
      m_placeholder(makePlaceholder(max_side)) {
  m_cache.setMaxCost(static_cast<qsizetype>(kDefaultCacheBytes >> 10));
  connect(m_loader, &ThumbnailLoader::thumbnailsReady, this, &ThumbnailModel::onThumbnails);
}

ThumbnailModel::~ThumbnailModel() = default;

void ThumbnailModel::setCacheBytes(qint64 bytes) {
  m_cache.setMaxCost(static_cast<qsizetype>(std::max<qint64>(1, bytes >> 10)));
}

void ThumbnailModel::setManifest(const Workspace& workspace,
                                 std::shared_ptr<const data::Manifest> manifest) {
  beginResetModel();
  ++m_generation;
  m_loader->clear();
  m_workspace = workspace;
  m_manifest = std::move(manifest);
  m_label_filter.clear();
  m_split_filter.reset();
  m_cache.clear();
  m_pending.clear();
  m_failed.clear();
  m_outbox.clear();
  m_shuffle_keys.clear();
  rebuildRows();
  endResetModel();
}

void ThumbnailModel::setShuffled(bool shuffled) {
  if (shuffled == m_shuffled) return;
  beginResetModel();
  m_shuffled = shuffled;
  m_loader->clear();
  m_pending.clear();
  m_outbox.clear();
  ++m_generation;
  rebuildRows();
  endResetModel();
}

void ThumbnailModel::clear() { setManifest(Workspace(), nullptr); }

void ThumbnailModel::setFilter(const QString& label, std::optional<data::Split> split) {
  if (label == m_label_filter && split == m_split_filter) return;
  beginResetModel();
  m_label_filter = label;
  m_split_filter = split;
  // Requests for rows that are no longer shown are worthless; the cache is kept.
  m_loader->clear();
  m_pending.clear();
  m_outbox.clear();
  ++m_generation;
  rebuildRows();
  endResetModel();
}

void ThumbnailModel::rebuildRows() {
  m_rows.clear();
  m_row_of_sample.clear();
  if (!m_manifest) return;
  const auto& samples = m_manifest->samples;
  const std::string label = m_label_filter.toStdString();
  const bool all = label.empty() && !m_split_filter;
  m_rows.reserve(all ? samples.size() : samples.size() / 4);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!label.empty() && samples[i].label != label) continue;
    if (m_split_filter && samples[i].split != *m_split_filter) continue;
    m_rows.push_back(static_cast<int>(i));
  }
  if (m_shuffled) {
    if (m_shuffle_keys.size() != samples.size()) {
      m_shuffle_keys.resize(samples.size());
      for (std::size_t i = 0; i < samples.size(); ++i)
        m_shuffle_keys[i] = data::stableHash(samples[i].key, 1);
    }
    std::sort(m_rows.begin(), m_rows.end(), [this](int a, int b) {
      return m_shuffle_keys[static_cast<std::size_t>(a)] <
             m_shuffle_keys[static_cast<std::size_t>(b)];
    });
  }
  m_row_of_sample.assign(samples.size(), -1);
  for (std::size_t row = 0; row < m_rows.size(); ++row)
    m_row_of_sample[static_cast<std::size_t>(m_rows[row])] = static_cast<int>(row);
}

int ThumbnailModel::totalCount() const {
  return m_manifest ? static_cast<int>(m_manifest->samples.size()) : 0;
}

int ThumbnailModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ThumbnailModel::sampleIndex(int row) const {
  return row >= 0 && row < static_cast<int>(m_rows.size()) ? m_rows[static_cast<std::size_t>(row)]
                                                           : -1;
}

const data::Sample* ThumbnailModel::sampleAt(int row) const {
  const int i = sampleIndex(row);
  return i < 0 ? nullptr : &m_manifest->samples[static_cast<std::size_t>(i)];
}

int ThumbnailModel::rowOfSample(int sample_index) const {
  if (sample_index < 0 || sample_index >= static_cast<int>(m_row_of_sample.size())) return -1;
  return m_row_of_sample[static_cast<std::size_t>(sample_index)];
}

QVariant ThumbnailModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const int id = m_rows[static_cast<std::size_t>(index.row())];
  const data::Sample& s = m_manifest->samples[static_cast<std::size_t>(id)];
  switch (role) {
    case Qt::DisplayRole:
    case LabelRole:
      return QString::fromStdString(s.label);
    case Qt::ToolTipRole:
      return tr("%1\nclass %2 · %3 · %4×%5")
          .arg(QString::fromStdString(s.key), QString::fromStdString(s.label),
               QString::fromUtf8(data::toString(s.split).data()))
          .arg(s.width)
          .arg(s.height);
    case Qt::DecorationRole: {
      if (const QImage* img = m_cache.object(id)) return *img;
      if (!m_failed.count(id)) enqueue(id);
      return m_placeholder;
    }
    case SampleIndexRole:
      return id;
    case KeyRole:
      return QString::fromStdString(s.key);
    case SplitRole:
      return static_cast<int>(s.split);
    case ThumbnailStateRole: {
      if (m_cache.contains(id)) return static_cast<int>(ThumbnailState::Loaded);
      if (m_failed.count(id)) return static_cast<int>(ThumbnailState::Failed);
      return static_cast<int>(ThumbnailState::Pending);
    }
    default:
      return {};
  }
}

void ThumbnailModel::enqueue(int sample_index) const {
  if (!m_pending.insert(sample_index).second) return;
  const auto& s = m_manifest->samples[static_cast<std::size_t>(sample_index)];
  m_outbox.push_back({m_generation, sample_index, data::samplePath(m_workspace, *m_manifest, s)});
  if (m_flush_scheduled) return;
  m_flush_scheduled = true;
  // One batch per paint: the view asks for every visible row, then the loader gets them all
  // at once, ahead of older requests.
  QTimer::singleShot(0, this,
                     [self = const_cast<ThumbnailModel*>(this)] { self->flushRequests(); });
}

void ThumbnailModel::flushRequests() {
  m_flush_scheduled = false;
  if (m_outbox.empty()) return;
  std::vector<ThumbnailRequest> batch;
  batch.swap(m_outbox);
  m_loader->request(std::move(batch));
}

void ThumbnailModel::onThumbnails(const QVector<ThumbnailResult>& batch) {
  std::vector<int> rows;
  rows.reserve(static_cast<std::size_t>(batch.size()));
  int arrived = 0;
  for (const auto& r : batch) {
    if (r.generation != m_generation) continue;
    m_pending.erase(r.id);
    if (!r.dropped) {
      if (r.image.isNull()) {
        m_failed.insert(r.id);
      } else {
        const auto cost = std::max<qsizetype>(1, r.image.sizeInBytes() >> 10);
        m_cache.insert(r.id, new QImage(r.image), cost);
        ++arrived;
      }
    }
    // A dropped row that is still on screen repaints and asks again.
    if (const int row = rowOfSample(r.id); row >= 0) rows.push_back(row);
  }
  if (rows.empty()) return;
  std::sort(rows.begin(), rows.end());
  const QList<int> roles{Qt::DecorationRole, ThumbnailStateRole};
  std::size_t start = 0;
  for (std::size_t i = 1; i <= rows.size(); ++i) {
    if (i < rows.size() && rows[i] <= rows[i - 1] + 1) continue;
    Q_EMIT dataChanged(index(rows[start]), index(rows[i - 1]), roles);
    start = i;
  }
  if (arrived > 0) Q_EMIT thumbnailsArrived(arrived);
}

}  // namespace wb::ui
