#pragma once

#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include <QAbstractListModel>
#include <QCache>
#include <QImage>

#include "core/data/dataset.h"
#include "core/workspace/workspace.h"
#include "ui/datasets/thumbnail_loader.h"

namespace wb::ui {

/// The samples of an image dataset version as a flat list for a thumbnail grid. Rows are a
/// filtered index vector over the manifest (class and split filters). Thumbnails are decoded
/// off the GUI thread by a ThumbnailLoader, only for rows a view asks to paint; until one
/// arrives, DecorationRole is a placeholder. Decoded thumbnails sit in an LRU cache (by sample,
/// so filtering keeps them) and arrive as batched dataChanged over contiguous row runs.
class ThumbnailModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role {
    SampleIndexRole = Qt::UserRole + 1,  // int: index into Manifest::samples
    KeyRole,                             // QString
    LabelRole,                           // QString
    SplitRole,                           // int: data::Split
    ThumbnailStateRole,                  // int: ThumbnailState
  };
  enum class ThumbnailState { Unknown = 0, Pending, Loaded, Failed };
  static constexpr qint64 kDefaultCacheBytes = 96ll << 20;

  explicit ThumbnailModel(QObject* parent = nullptr, int max_side = 96, int threads = 0);
  ~ThumbnailModel() override;

  /// Shows a manifest's samples (all of them; filters reset). Drops cached thumbnails.
  void setManifest(const Workspace& workspace, std::shared_ptr<const data::Manifest> manifest);
  void clear();
  std::shared_ptr<const data::Manifest> manifest() const { return m_manifest; }

  /// Empty label = every class; nullopt split = every split.
  void setFilter(const QString& label, std::optional<data::Split> split);
  QString labelFilter() const { return m_label_filter; }
  std::optional<data::Split> splitFilter() const { return m_split_filter; }
  int totalCount() const;
  /// A fixed pseudo-random order (by a hash of each key) instead of key order: a glance shows
  /// every class. Filtering keeps the relative order.
  void setShuffled(bool shuffled);
  bool isShuffled() const { return m_shuffled; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  /// Sample index of a row, or -1.
  int sampleIndex(int row) const;
  const data::Sample* sampleAt(int row) const;
  /// Row of a sample index under the current filter, or -1.
  int rowOfSample(int sample_index) const;

  ThumbnailLoader* loader() const { return m_loader; }
  QImage placeholder() const { return m_placeholder; }
  void setCacheBytes(qint64 bytes);
  int cachedCount() const { return static_cast<int>(m_cache.count()); }

 Q_SIGNALS:
  /// A batch of thumbnails arrived (after dataChanged was emitted for them).
  void thumbnailsArrived(int count);

 private:
  void enqueue(int sample_index) const;
  void flushRequests();
  void onThumbnails(const QVector<ThumbnailResult>& batch);
  void rebuildRows();

  Workspace m_workspace;
  std::shared_ptr<const data::Manifest> m_manifest;
  std::vector<int> m_rows;           // sample indices that pass the filter, in display order
  std::vector<int> m_row_of_sample;  // sample index → row, -1 when filtered out
  std::vector<std::uint64_t> m_shuffle_keys;  // per sample; computed on first use
  bool m_shuffled = false;
  QString m_label_filter;
  std::optional<data::Split> m_split_filter;
  quint64 m_generation = 0;

  ThumbnailLoader* m_loader;
  QImage m_placeholder;
  // Mutated from data(), which views call as const.
  mutable QCache<int, QImage> m_cache;             // cost: KiB
  mutable std::unordered_set<int> m_pending;       // requested, not yet answered
  mutable std::unordered_set<int> m_failed;        // decoding failed: not retried
  mutable std::vector<ThumbnailRequest> m_outbox;  // requested during this event-loop turn
  mutable bool m_flush_scheduled = false;
};

}  // namespace wb::ui
