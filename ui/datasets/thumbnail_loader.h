#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

class QTimer;

namespace wb::data {
struct Image;
}

namespace wb::ui {

struct ThumbnailRequest {
  quint64 generation = 0;  // the requester's content generation; echoed in the result
  int id = -1;             // the requester's item id (a sample index)
  std::filesystem::path path;
  quint64 batch = 0;  // set by the loader
};

/// One request's outcome: a decoded image, a failure with its reason, or dropped unseen.
struct ThumbnailResult {
  quint64 generation = 0;
  int id = -1;
  QImage image;          // Format_RGB32, longer side <= max side; null unless decoded
  QString error;         // why the file could not be decoded
  bool dropped = false;  // superseded by newer requests before a worker reached it
};

/// Decodes image thumbnails on its own worker threads (at a lower CPU priority than the GUI).
/// Newest requests first: each request() batch (a view asks once per paint) goes to the front
/// of the queue, in order. Requests from more than maxPendingBatches batches ago, or beyond
/// maxPending requests, are dropped and reported as such: during a fast scroll the workers
/// decode what is on screen now, not a backlog of rows long gone. Workers publish results to a
/// locked buffer; the owner's thread receives them in batches at most every
/// kDeliverIntervalMs, never one signal per image.
class ThumbnailLoader : public QObject {
  Q_OBJECT
 public:
  static constexpr int kDeliverIntervalMs = 30;

  /// threads = 0: one per core, at least two.
  explicit ThumbnailLoader(int max_side = 96, int threads = 0, QObject* parent = nullptr);
  ~ThumbnailLoader() override;

  int maxSide() const { return m_max_side; }
  int threadCount() const { return static_cast<int>(m_workers.size()); }
  void setMaxPending(int max_pending);
  int maxPending() const;
  void setMaxPendingBatches(int batches);
  int pendingCount() const;

  /// Queues a batch ahead of everything already waiting.
  void request(std::vector<ThumbnailRequest> batch);
  /// Drops every waiting request (without reporting them: the requester starts over).
  void clear();

  /// Decodes one file into a thumbnail (what the workers run). Thread-safe.
  /// max_side = 0: the full image.
  static QImage decodeFile(const std::filesystem::path& path, int max_side, QString* error);

  /// A 1- or 3-channel 8-bit image as Format_RGB32; null for other channel counts.
  static QImage toQImage(const data::Image& image);

  quint64 decodedCount() const { return m_decoded.load(); }
  quint64 droppedCount() const { return m_dropped_total.load(); }

 Q_SIGNALS:
  void thumbnailsReady(const QVector<wb::ui::ThumbnailResult>& batch);

 private:
  void work(std::stop_token stop);
  void publish(ThumbnailResult result);
  void deliver();

  const int m_max_side;
  mutable std::mutex m_mutex;
  std::condition_variable_any m_cv;
  std::deque<ThumbnailRequest> m_queue;  // guarded by m_mutex; front = newest
  std::vector<ThumbnailResult> m_done;   // guarded by m_mutex
  bool m_deliver_scheduled = false;      // guarded by m_mutex
  int m_max_pending = 1024;              // guarded by m_mutex
  int m_max_batches = 3;                 // guarded by m_mutex
  quint64 m_batch = 0;                   // guarded by m_mutex
  std::atomic<quint64> m_decoded{0};
  std::atomic<quint64> m_dropped_total{0};
  QTimer* m_deliver_timer;
  std::vector<std::jthread> m_workers;  // last: joined before the rest is destroyed
};

}  // namespace wb::ui

Q_DECLARE_METATYPE(wb::ui::ThumbnailResult)
