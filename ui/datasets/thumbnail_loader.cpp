#include "ui/datasets/thumbnail_loader.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>

#include <QMetaObject>
#include <QTimer>

#include "core/data/image_codec.h"

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace wb::ui {

namespace {
[[maybe_unused]] constexpr int kWorkerNice = 5;
}

ThumbnailLoader::ThumbnailLoader(int max_side, int threads, QObject* parent)
    : QObject(parent), m_max_side(max_side), m_deliver_timer(new QTimer(this)) {
  qRegisterMetaType<ThumbnailResult>();
  m_deliver_timer->setSingleShot(true);
  m_deliver_timer->setInterval(kDeliverIntervalMs);
  connect(m_deliver_timer, &QTimer::timeout, this, &ThumbnailLoader::deliver);
  if (threads <= 0) threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  m_workers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i)
    m_workers.emplace_back([this](std::stop_token stop) {
#ifdef __linux__
      // Decoding yields to the GUI thread: scrolling stays smooth on a busy machine.
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kWorkerNice);
#endif
      work(stop);
    });
}

ThumbnailLoader::~ThumbnailLoader() {
  for (auto& w : m_workers) w.request_stop();
  m_cv.notify_all();
  for (auto& w : m_workers) w.join();
}

void ThumbnailLoader::setMaxPending(int max_pending) {
  std::lock_guard lock(m_mutex);
  m_max_pending = std::max(1, max_pending);
}

void ThumbnailLoader::setMaxPendingBatches(int batches) {
  std::lock_guard lock(m_mutex);
  m_max_batches = std::max(1, batches);
}

int ThumbnailLoader::maxPending() const {
  std::lock_guard lock(m_mutex);
  return m_max_pending;
}

int ThumbnailLoader::pendingCount() const {
  std::lock_guard lock(m_mutex);
  return static_cast<int>(m_queue.size());
}

void ThumbnailLoader::request(std::vector<ThumbnailRequest> batch) {
  if (batch.empty()) return;
  std::vector<ThumbnailResult> dropped;
  {
    std::lock_guard lock(m_mutex);
    const quint64 id = ++m_batch;
    for (auto& r : batch) r.batch = id;
    m_queue.insert(m_queue.begin(), std::make_move_iterator(batch.begin()),
                   std::make_move_iterator(batch.end()));
    while (static_cast<int>(m_queue.size()) > m_max_pending ||
           (!m_queue.empty() && m_queue.back().batch + static_cast<quint64>(m_max_batches) <= id)) {
      ThumbnailResult r;
      r.generation = m_queue.back().generation;
      r.id = m_queue.back().id;
      r.dropped = true;
      dropped.push_back(std::move(r));
      m_queue.pop_back();
    }
  }
  m_dropped_total += dropped.size();
  m_cv.notify_all();
  for (auto& r : dropped) publish(std::move(r));
}

void ThumbnailLoader::clear() {
  std::lock_guard lock(m_mutex);
  m_queue.clear();
}

void ThumbnailLoader::work(std::stop_token stop) {
  for (;;) {
    ThumbnailRequest req;
    {
      std::unique_lock lock(m_mutex);
      if (!m_cv.wait(lock, stop, [this] { return !m_queue.empty(); })) return;
      req = std::move(m_queue.front());
      m_queue.pop_front();
    }
    ThumbnailResult result;
    result.generation = req.generation;
    result.id = req.id;
    result.image = decodeFile(req.path, m_max_side, &result.error);
    m_decoded++;
    publish(std::move(result));
  }
}

void ThumbnailLoader::publish(ThumbnailResult result) {
  std::lock_guard lock(m_mutex);
  m_done.push_back(std::move(result));
  if (m_deliver_scheduled) return;
  m_deliver_scheduled = true;
  // Timers belong to the owner's thread: start the coalescing timer there.
  QMetaObject::invokeMethod(
      this, [this] { m_deliver_timer->start(); }, Qt::QueuedConnection);
}

void ThumbnailLoader::deliver() {
  std::vector<ThumbnailResult> done;
  {
    std::lock_guard lock(m_mutex);
    done.swap(m_done);
    m_deliver_scheduled = false;
  }
  if (done.empty()) return;
  QVector<ThumbnailResult> batch;
  batch.reserve(static_cast<qsizetype>(done.size()));
  for (auto& r : done) batch.push_back(std::move(r));
  Q_EMIT thumbnailsReady(batch);
}

QImage ThumbnailLoader::decodeFile(const std::filesystem::path& path, int max_side,
                                   QString* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = QString::fromStdString(why);
    return QImage();
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0);
  if (size <= 0) return fail("empty file");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), size)) return fail("cannot read " + path.string());
  auto img = max_side > 0 ? data::decodeImageThumbnail(bytes.data(), bytes.size(), max_side)
                          : data::decodeImage(bytes.data(), bytes.size());
  if (!img) return fail(img.error().text());
  QImage out = toQImage(*img);
  if (out.isNull()) return fail("unsupported channel count");
  return out;
}

QImage ThumbnailLoader::toQImage(const data::Image& img) {
  if ((img.channels != 1 && img.channels != 3) || img.empty()) return {};
  QImage out(img.width, img.height, QImage::Format_RGB32);
  for (int y = 0; y < img.height; ++y) {
    const std::uint8_t* src = img.row(y);
    auto* dst = reinterpret_cast<QRgb*>(out.scanLine(y));
    if (img.channels == 1) {
      for (int x = 0; x < img.width; ++x) dst[x] = qRgb(src[x], src[x], src[x]);
    } else {
      for (int x = 0; x < img.width; ++x) dst[x] = qRgb(src[3 * x], src[3 * x + 1], src[3 * x + 2]);
    }
  }
  return out;
}

}  // namespace wb::ui
