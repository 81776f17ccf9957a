#include "core/data/loader.h"

#include <torch/torch.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/data/dataset_repository.h"
#include "core/data/feature_transforms.h"
#include "core/data/image_codec.h"
#include "core/data/importer.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace wb::data {

namespace {

using Json = nlohmann::json;

// Independent streams drawn from the one user seed.
constexpr std::uint64_t kOrderStream = 0x6f726465725f7331ull;
constexpr std::uint64_t kSampleStream = 0x73616d706c655f31ull;

// A cache slot's life: empty → filling (one thread owns it) → ready (read-only forever).
constexpr int kSlotEmpty = 0;
constexpr int kSlotFilling = 1;
constexpr int kSlotReady = 2;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b) { return splitmix64(a ^ splitmix64(b)); }

struct UniqueFd {
  int fd = -1;
  explicit UniqueFd(int f) : fd(f) {}
  ~UniqueFd() {
    if (fd >= 0) ::close(fd);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
};

// Reads a whole file into `buffer`, reusing its capacity (one buffer per worker thread).
Status readFileInto(const std::string& path, std::string& buffer) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd < 0) return makeError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0)
    return makeError("cannot stat " + path + ": " + std::strerror(errno));
  buffer.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::read(file.fd, buffer.data() + done, buffer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return makeError("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  buffer.resize(done);  // a file that shrank under us decodes as truncated, not as zeros
  return {};
}

Result<Image> readImage(const std::string& path) {
  thread_local std::string bytes;
  if (Status s = readFileInto(path, bytes); !s) return s.error();
  return decodeImage(bytes.data(), bytes.size(), 0);
}

std::string describe(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

// Runs fn(i, worker) for i in [0, n) on `threads` threads; fn returns false to stop early.
template <class Fn>
void parallelFor(std::size_t n, int threads, Fn fn) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<std::size_t>(n, 1))));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto body = [&](int worker) {
    for (std::size_t i = next++; i < n && !stop; i = next++) {
      if (!fn(i, worker)) stop = true;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(body, t);
  body(0);
  for (auto& t : pool) t.join();
}

// The cells of `cols` joined with one space (a text sample's input); bad indices are skipped.
std::string joinCells(const Sample& sample, const std::vector<int>& cols) {
  std::string out;
  for (const int col : cols) {
    if (col < 0 || static_cast<std::size_t>(col) >= sample.values.size()) continue;
    if (!out.empty()) out += ' ';
    out += sample.values[static_cast<std::size_t>(col)];
  }
  return out;
}

// The most common (width, height) and channel count among SAMPLES' manifest shapes; ties go to
// the shape met first (key order). False when no sample has a known shape.
bool dominantShape(const Manifest& manifest, const std::vector<std::size_t>& samples, int& w, int& h,
                   int& c) {
  std::map<std::pair<int, int>, std::pair<std::size_t, std::size_t>> sizes;  // → (count, first)
  std::map<int, std::pair<std::size_t, std::size_t>> channels;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const Sample& s = manifest.samples[samples[k]];
    if (s.width <= 0 || s.height <= 0 || (s.channels != 1 && s.channels != 3)) continue;
    auto& size = sizes.try_emplace({s.width, s.height}, 0, k).first->second;
    ++size.first;
    auto& chan = channels.try_emplace(s.channels, 0, k).first->second;
    ++chan.first;
  }
  if (sizes.empty()) return false;
  auto better = [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first
                                            : a.second.second < b.second.second;
  };
  const auto size = std::min_element(sizes.begin(), sizes.end(), better);
  const auto chan = std::min_element(channels.begin(), channels.end(), better);
  w = size->first.first;
  h = size->first.second;
  c = chan->first;
  return true;
}

}  // namespace

struct DataLoader::Impl {
  struct CacheSlot {
    std::atomic<int> state{kSlotEmpty};
    Image image;  // written once by the thread that won the slot, then read-only
  };

  // ---- fixed after create() ----
  LoaderOptions options;
  Workspace workspace;  // a cheap value: where sample objects are
  Manifest manifest;
  DatasetKind kind = DatasetKind::Unknown;
  std::vector<std::size_t> members;       // manifest indices of this split, manifest order
  std::vector<std::string> paths;         // images: where each member's bytes are
  std::vector<std::int64_t> class_index;  // per member; -1 = label not among the classes
  std::vector<std::string> classes;
  Task task = Task::Unknown;
  ImagePipeline image_pipeline;
  int out_w = 0, out_h = 0, out_c = 0;
  std::size_t other_shape = 0;  // members whose manifest shape is not the dominant one
  std::unique_ptr<CacheSlot[]> cache;  // images, one slot per member; null = no cache
  TabularPipeline tabular;
  // Tables: each member's features and target are converted from text once, on first use
  // (parsing the cells every epoch cost 30-40% of an MLP step).
  std::once_flag table_alloc_once;
  std::unique_ptr<std::once_flag[]> table_once;
  std::vector<float> table_rows;     // members × features
  std::vector<float> table_targets;  // per member
  std::vector<std::string> table_errors;  // per member; empty = converted
  TextPipeline text;
  std::vector<int> text_cols;
  c10::Device device = c10::Device(c10::kCPU);
  bool pin_memory = false;
  std::size_t window = 1;  // batches claimed or ready ahead of the consumer

  // Recycled image batch buffers. A fresh 38 MB batch (64×3×224×224 floats) cost ~30 ms of
  // page faults per batch here, as much as decoding it, so a buffer whose batch nobody holds
  // any more is written again instead. Each handed-out tensor is a new from_blob tensor
  // whose deleter holds the pooled one: pooled use_count() == 1 means free, whatever views
  // or autograd state the consumer made.
  std::mutex pool_mutex;
  std::vector<at::Tensor> pool;  // guarded by pool_mutex
  std::size_t pool_limit = 0;

  // ---- epoch state, guarded by mutex ----
  std::mutex mutex;
  std::condition_variable work_cv;   // workers: a batch may be claimed, or stop
  std::condition_variable ready_cv;  // consumer: a batch is ready
  bool started = false;
  bool stop = false;
  std::uint64_t generation = 0;
  int epoch = 0;
  std::shared_ptr<const std::vector<std::uint32_t>> order;  // positions into members
  std::size_t batches = 0;
  std::size_t next_claim = 0;
  std::size_t consumed = 0;
  std::map<std::size_t, Result<Batch>> ready;
  std::atomic<std::uint64_t> live_generation{0};  // lets builders of a dropped epoch quit early
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;

  std::size_t batchesPerEpoch() const {
    const std::size_t n = members.size(), b = static_cast<std::size_t>(options.batch_size);
    return options.drop_last ? n / b : (n + b - 1) / b;
  }

  const Sample& sample(std::size_t member) const { return manifest.samples[members[member]]; }

  Error sampleError(std::size_t member, const std::string& message) const {
    return makeError(message, "sample '" + sample(member).key + "'");
  }

  bool cancelled(std::uint64_t gen) const {
    return stopping.load(std::memory_order_relaxed) ||
           live_generation.load(std::memory_order_relaxed) != gen;
  }

  // ---- images ----

  // The decoded image of a member: from the cache, or read and decoded (and cached).
  Status decodedImage(std::size_t member, const Image*& out, Image& local) const {
    CacheSlot* slot = cache ? &cache[member] : nullptr;
    if (slot && slot->state.load(std::memory_order_acquire) == kSlotReady) {
      out = &slot->image;
      return {};
    }
    auto image = readImage(paths[member]);
    if (!image) return image.error();
    local = std::move(*image);
    out = &local;
    int expected = kSlotEmpty;
    if (slot &&
        slot->state.compare_exchange_strong(expected, kSlotFilling, std::memory_order_acq_rel)) {
      slot->image = std::move(local);
      slot->state.store(kSlotReady, std::memory_order_release);
      out = &slot->image;
    }
    return {};
  }

  at::Tensor imageBuffer(const std::vector<std::int64_t>& sizes) {
    const auto options = at::TensorOptions().dtype(at::kFloat);
    // CUDA's caching host allocator already recycles pinned blocks and tracks in-flight
    // non_blocking copies; reusing a pinned buffer here could overwrite one being copied.
    if (pin_memory) return at::empty(sizes, options.pinned_memory(true));
    at::Tensor buffer;
    {
      std::lock_guard lock(pool_mutex);
      for (const at::Tensor& t : pool) {
        if (t.use_count() == 1 && t.sizes() == at::IntArrayRef(sizes)) {
          buffer = t;
          break;
        }
      }
      if (!buffer.defined()) {
        buffer = at::empty(sizes, options);
        if (pool.size() < pool_limit) {
          pool.push_back(buffer);
        } else {
          for (at::Tensor& t : pool) {
            if (t.use_count() == 1) {  // a free buffer of another shape (a last batch)
              t = buffer;
              break;
            }
          }
        }
      }
    }
    return at::from_blob(
        buffer.data_ptr(), sizes, [buffer](void*) mutable { buffer.reset(); }, options);
  }

  std::mt19937_64 sampleRng(std::size_t member, int for_epoch) const {
    const std::uint64_t s = mixSeed(
        mixSeed(mixSeed(options.seed, kSampleStream), static_cast<std::uint64_t>(for_epoch)),
        members[member]);
    return std::mt19937_64(s);
  }

  Status fillImages(const std::vector<std::uint32_t>& ids, int for_epoch, std::uint64_t gen,
                    Batch& batch) {
    const auto n = static_cast<std::int64_t>(ids.size());
    batch.inputs = imageBuffer({n, out_c, out_h, out_w});
    batch.targets = at::empty({n}, at::TensorOptions().dtype(at::kLong).pinned_memory(pin_memory));
    float* inputs = batch.inputs.data_ptr<float>();
    std::int64_t* targets = batch.targets.data_ptr<std::int64_t>();
    const std::size_t per_sample = std::size_t(out_c) * out_h * out_w;
    Image local;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (cancelled(gen)) return makeError("cancelled");
      const std::size_t member = ids[k];
      if (class_index[member] < 0) {
        return sampleError(member, "label '" + sample(member).label + "' is not a class");
      }
      targets[k] = class_index[member];
      const Image* image = nullptr;
      if (Status s = decodedImage(member, image, local); !s) {
        return sampleError(member, s.error().text());
      }
      std::mt19937_64 rng = sampleRng(member, for_epoch);
      if (Status s = image_pipeline.apply(*image, options.mode, rng, inputs + k * per_sample, out_w,
                                          out_h, out_c);
          !s) {
        return sampleError(member, s.error().text());
      }
    }
    return {};
  }

  // ---- tables and texts ----

  Status fillTable(const std::vector<std::uint32_t>& ids, std::uint64_t gen, Batch& batch) {
    const auto n = static_cast<std::int64_t>(ids.size());
    const auto features = static_cast<std::int64_t>(tabular.featureCount());
    const auto opts = at::TensorOptions().pinned_memory(pin_memory);
    batch.inputs = at::empty({n, features}, opts.dtype(at::kFloat));
    const bool regression = task == Task::Regression;
    batch.targets = at::empty({n}, opts.dtype(regression ? at::kFloat : at::kLong));
    float* inputs = batch.inputs.data_ptr<float>();
    std::call_once(table_alloc_once, [&] {
      table_once = std::make_unique<std::once_flag[]>(members.size());
      table_rows.assign(members.size() * static_cast<std::size_t>(features), 0.0f);
      table_targets.assign(members.size(), 0.0f);
      table_errors.assign(members.size(), std::string());
    });
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (cancelled(gen)) return makeError("cancelled");
      const std::size_t member = ids[k];
      float* row = table_rows.data() + member * static_cast<std::size_t>(features);
      std::call_once(table_once[member], [&] {
        const Sample& s = sample(member);
        if (Status st = tabular.transformRow(s.values, row); !st) {
          table_errors[member] = st.error().text();
          return;
        }
        auto target = tabular.transformTarget(s.label);
        if (!target) {
          table_errors[member] = target.error().text();
          return;
        }
        table_targets[member] = *target;
      });
      if (!table_errors[member].empty()) return sampleError(member, table_errors[member]);
      std::copy(row, row + features, inputs + k * features);
      if (regression) {
        batch.targets.data_ptr<float>()[k] = table_targets[member];
      } else {
        batch.targets.data_ptr<std::int64_t>()[k] = static_cast<std::int64_t>(table_targets[member]);
      }
    }
    return {};
  }

  Status fillText(const std::vector<std::uint32_t>& ids, std::uint64_t gen, Batch& batch) {
    const auto n = static_cast<std::int64_t>(ids.size());
    const auto opts = at::TensorOptions().dtype(at::kLong).pinned_memory(pin_memory);
    batch.offsets = at::empty({n}, opts);
    batch.targets = at::empty({n}, opts);
    std::int64_t* offsets = batch.offsets.data_ptr<std::int64_t>();
    std::int64_t* targets = batch.targets.data_ptr<std::int64_t>();
    std::vector<std::int64_t> all_ids;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (cancelled(gen)) return makeError("cancelled");
      const std::size_t member = ids[k];
      if (class_index[member] < 0) {
        return sampleError(member, "label '" + sample(member).label + "' is not a class");
      }
      targets[k] = class_index[member];
      offsets[k] = static_cast<std::int64_t>(all_ids.size());
      const auto token_ids = text.encode(joinText(sample(member)));
      all_ids.insert(all_ids.end(), token_ids.begin(), token_ids.end());
    }
    batch.inputs = at::empty({static_cast<std::int64_t>(all_ids.size())}, opts);
    if (!all_ids.empty()) {
      std::memcpy(batch.inputs.data_ptr<std::int64_t>(), all_ids.data(),
                  all_ids.size() * sizeof(std::int64_t));
    }
    return {};
  }

  // Builds batch `b` of an epoch. Pure function of (order, b, epoch) apart from the cache.
  Result<Batch> buildBatch(const std::vector<std::uint32_t>& epoch_order, std::size_t b,
                           int for_epoch, std::uint64_t gen) {
    const std::size_t bs = static_cast<std::size_t>(options.batch_size);
    const std::size_t begin = b * bs, end = std::min(begin + bs, epoch_order.size());
    const std::vector<std::uint32_t> ids(epoch_order.begin() + static_cast<std::ptrdiff_t>(begin),
                                         epoch_order.begin() + static_cast<std::ptrdiff_t>(end));
    Batch batch;
    batch.indices.reserve(ids.size());
    for (std::uint32_t id : ids) batch.indices.push_back(members[id]);
    try {
      Status s;
      switch (kind) {
        case DatasetKind::Images:
          s = fillImages(ids, for_epoch, gen, batch);
          break;
        case DatasetKind::Tabular:
          s = fillTable(ids, gen, batch);
          break;
        case DatasetKind::Text:
          s = fillText(ids, gen, batch);
          break;
        case DatasetKind::Unknown:
          s = makeError("unknown dataset kind");
          break;
      }
      if (!s) return s.error();
    } catch (const std::exception& e) {
      // c10::Error (allocation, pinning) and bad_alloc end up here, never in the caller.
      return makeError("building batch " + std::to_string(b) + " failed: " + describe(e));
    }
    return batch;
  }

  // ---- threads ----

  void workerLoop() {
    std::unique_lock lock(mutex);
    for (;;) {
      work_cv.wait(lock, [&] {
        return stop || (started && next_claim < batches && next_claim < consumed + window);
      });
      if (stop) return;
      const std::size_t b = next_claim++;
      const std::uint64_t gen = generation;
      const int for_epoch = epoch;
      const auto epoch_order = order;
      lock.unlock();
      Result<Batch> batch = buildBatch(*epoch_order, b, for_epoch, gen);
      lock.lock();
      if (gen != generation) continue;  // built for an epoch that was restarted: drop it
      ready.emplace(b, std::move(batch));
      ready_cv.notify_all();
    }
  }

  // Guarded by mutex.
  void startEpochLocked(int new_epoch) {
    ++generation;
    live_generation.store(generation, std::memory_order_relaxed);
    epoch = new_epoch;
    auto new_order = std::make_shared<std::vector<std::uint32_t>>(members.size());
    for (std::size_t i = 0; i < new_order->size(); ++i) (*new_order)[i] = std::uint32_t(i);
    if (options.shuffle) {
      // Fisher–Yates with plain modulo: the same order on every standard library.
      std::mt19937_64 rng(mixSeed(mixSeed(options.seed, kOrderStream), std::uint64_t(new_epoch)));
      for (std::size_t i = new_order->size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(rng() % i);
        std::swap((*new_order)[i - 1], (*new_order)[j]);
      }
    }
    order = std::move(new_order);
    batches = batchesPerEpoch();
    next_claim = 0;
    consumed = 0;
    ready.clear();
    started = true;
    work_cv.notify_all();
  }

  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stop = true;
      stopping = true;
    }
    work_cv.notify_all();
    for (auto& t : threads) t.join();
    threads.clear();
  }

  // ---- fitting (create) ----

  Status setUpImages(const Json& transforms) {
    auto pipeline = ImagePipeline::fromJson(transforms);
    if (!pipeline) return makeError(pipeline.error().text(), "image transforms");
    image_pipeline = std::move(*pipeline);
    classes = manifest.classes;
    task = Task::Classification;

    std::vector<std::size_t> train;
    for (std::size_t i = 0; i < manifest.samples.size(); ++i) {
      if (manifest.samples[i].split == Split::Train) train.push_back(i);
    }
    // The output shape comes from the dominant shape of the training samples (all samples
    // when train is empty), so every split of a version yields the same shape and one odd
    // image cannot decide it; the others are resized and converted in apply().
    const std::vector<std::size_t>& shape_from = !train.empty() ? train : members;
    int w = 0, h = 0, c = 0;
    if (!dominantShape(manifest, shape_from, w, h, c)) {
      const std::size_t first = shape_from.empty() ? 0 : shape_from.front();
      auto image = readImage(samplePathOf(first));
      if (!image) return makeError(image.error().text(), "sample '" + manifest.samples[first].key + "'");
      w = image->width;
      h = image->height;
      c = image->channels;
    }
    for (std::size_t m : members) {
      const Sample& s = manifest.samples[m];
      if (s.width > 0 && (s.width != w || s.height != h || s.channels != c)) ++other_shape;
    }
    image_pipeline.outputShape(w, h, c, out_w, out_h, out_c);
    if (out_w < 1 || out_h < 1 || (out_c != 1 && out_c != 3)) {
      return makeError("the transforms produce an invalid shape " + std::to_string(out_c) + "x" +
                       std::to_string(out_h) + "x" + std::to_string(out_w));
    }

    std::uint64_t decoded_bytes = 0;
    for (std::size_t m : members) {
      const Sample& s = manifest.samples[m];
      decoded_bytes +=
          std::uint64_t(std::max(s.width, 1)) * std::max(s.height, 1) * std::max(s.channels, 1);
    }
    const bool use_cache = options.cache == LoaderOptions::Cache::On ||
                           (options.cache == LoaderOptions::Cache::Auto &&
                            decoded_bytes < LoaderOptions::kAutoCacheBytes);
    if (use_cache) cache = std::make_unique<CacheSlot[]>(members.size());

    if (image_pipeline.needsFit()) {
      if (train.empty()) return makeError("normalize needs fitting but the train split is empty");
      // When this loader reads the train split its cache slots are the train samples: the
      // fitting pass fills them for free.
      const bool fill_cache = cache && options.split == Split::Train;
      const int threads = std::max(1, options.workers);
      std::vector<ChannelStats> stats(static_cast<std::size_t>(threads), ChannelStats(out_c));
      std::vector<std::optional<Error>> errors(train.size());
      parallelFor(train.size(), threads, [&](std::size_t i, int worker) {
        Image local;
        const Image* image = nullptr;
        Status s;
        if (fill_cache) {
          s = decodedImage(i, image, local);  // members == train here, in the same order
        } else if (auto decoded = readImage(samplePathOf(train[i])); decoded) {
          local = std::move(*decoded);
          image = &local;
        } else {
          s = decoded.error();
        }
        if (s) s = image_pipeline.accumulateStats(*image, out_w, out_h, out_c, stats[worker]);
        if (!s) {
          errors[i] =
              makeError(s.error().text(), "sample '" + manifest.samples[train[i]].key + "'");
        }
        return s.ok();
      });
      for (const auto& e : errors) {
        if (e) return makeError("fitting normalize: " + e->message, e->context);
      }
      ChannelStats total(out_c);
      for (const auto& s : stats) total.merge(s);
      image_pipeline.setNormalization(total.mean(), total.std());
    }
    return {};
  }

  Status setUpTable(const Json& transforms) {
    auto pipeline = TabularPipeline::fromJson(transforms.is_null() ? Json::array() : transforms);
    if (!pipeline) return makeError(pipeline.error().text(), "table transforms");
    tabular = std::move(*pipeline);
    if (!tabular.fitted()) {
      std::vector<std::vector<std::string>> rows;
      std::vector<std::size_t> train;
      rows.reserve(manifest.samples.size());
      for (std::size_t i = 0; i < manifest.samples.size(); ++i) {
        rows.push_back(manifest.samples[i].values);
        if (manifest.samples[i].split == Split::Train) train.push_back(i);
      }
      if (train.empty()) return makeError("the train split is empty: nothing to fit on");
      if (Status s =
              tabular.fit(manifest.columns, rows, train, manifest.target_column, manifest.task);
          !s) {
        return s;
      }
    } else if (tabular.targetColumn() != manifest.target_column) {
      return makeError("the fitted transforms are for target '" + tabular.targetColumn() +
                       "', the dataset's target is '" + manifest.target_column + "'");
    }
    task = tabular.task();
    classes = tabular.classes();
    return {};
  }

  std::string joinText(const Sample& s) const { return joinCells(s, text_cols); }

  Status setUpText(const Json& transforms) {
    static const Json kDefault =
        Json::array({{{"name", "lowercase"}}, {{"name", "tokenize"}}, {{"name", "vocabulary"}}});
    auto pipeline = TextPipeline::fromJson(transforms.is_null() ? kDefault : transforms);
    if (!pipeline) return makeError(pipeline.error().text(), "text transforms");
    text = std::move(*pipeline);
    if (!text.fitted()) {
      std::vector<std::string> train_texts;
      for (const Sample& s : manifest.samples) {
        if (s.split == Split::Train) train_texts.push_back(joinText(s));
      }
      if (train_texts.empty()) return makeError("the train split is empty: nothing to fit on");
      if (Status s = text.fit(train_texts); !s) return s;
    }
    classes = manifest.classes;
    task = Task::Classification;
    return {};
  }

  std::string samplePathOf(std::size_t manifest_index) const {
    return samplePath(workspace, manifest, manifest.samples[manifest_index]).string();
  }
};

DataLoader::DataLoader(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

DataLoader::~DataLoader() {
  if (m_impl) m_impl->shutdown();
}

Result<std::unique_ptr<DataLoader>> DataLoader::create(const Workspace& workspace,
                                                       const Manifest& manifest,
                                                       const nlohmann::json& transforms,
                                                       const LoaderOptions& options) {
  if (options.batch_size < 1) return makeError("batch size must be at least 1");
  if (options.workers < 0) return makeError("workers must be 0 or more");
  if (options.mode != ImagePipeline::Mode::Train && options.mode != ImagePipeline::Mode::Eval) {
    return makeError("mode must be train or eval");
  }
  if (options.cache == LoaderOptions::Cache::Unknown)
    return makeError("cache must be auto, on or off");
  if (manifest.samples.size() > std::size_t(UINT32_MAX)) return makeError("too many samples");

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->workspace = workspace;
  impl->manifest = manifest;
  impl->kind = manifest.kind;
  impl->window = static_cast<std::size_t>(std::max({options.prefetch_batches, options.workers, 1}));
  impl->pool_limit = impl->window + 2;  // in flight, plus the consumer's current and last batch
  try {
    impl->device = c10::Device(options.device);
    if (impl->device.is_cuda() && !torch::cuda::is_available()) {
      return makeError("CUDA is not available to this LibTorch build", "device " + options.device);
    }
    impl->pin_memory = impl->device.is_cuda();
  } catch (const std::exception& e) {
    return makeError("unknown device: " + describe(e), "device " + options.device);
  }

  const Manifest& m = impl->manifest;
  for (std::size_t i = 0; i < m.samples.size(); ++i) {
    if (m.samples[i].split == options.split) impl->members.push_back(i);
  }
  std::unordered_map<std::string, std::int64_t> class_of;
  for (std::size_t c = 0; c < m.classes.size(); ++c)
    class_of.emplace(m.classes[c], std::int64_t(c));
  impl->class_index.reserve(impl->members.size());
  for (std::size_t i : impl->members) {
    const auto it = class_of.find(m.samples[i].label);
    impl->class_index.push_back(it == class_of.end() ? -1 : it->second);
  }

  try {
    Status s;
    switch (m.kind) {
      case DatasetKind::Images:
        if (m.samples.empty()) return makeError("the dataset has no samples");
        impl->paths.reserve(impl->members.size());
        for (std::size_t i : impl->members) impl->paths.push_back(impl->samplePathOf(i));
        s = impl->setUpImages(transforms);
        break;
      case DatasetKind::Tabular:
        s = impl->setUpTable(transforms);
        break;
      case DatasetKind::Text:
        for (const auto& name : m.text_columns) {
          const int col = m.columnIndex(name);
          if (col < 0) return makeError("text column '" + name + "' is not in the manifest");
          impl->text_cols.push_back(col);
        }
        s = impl->setUpText(transforms);
        break;
      case DatasetKind::Unknown:
        s = makeError("the manifest has no dataset kind");
        break;
    }
    if (!s) return s.error();
  } catch (const std::exception& e) {
    return makeError("cannot set up the loader: " + describe(e));
  }

  std::unique_ptr<DataLoader> loader(new DataLoader(std::move(impl)));
  Impl* d = loader->m_impl.get();
  try {
    for (int t = 0; t < options.workers; ++t) d->threads.emplace_back([d] { d->workerLoop(); });
  } catch (const std::system_error& e) {
    return makeError(std::string("cannot start loader threads: ") + e.what());
  }
  return loader;
}

Result<std::unique_ptr<DataLoader>> DataLoader::open(const Workspace& workspace,
                                                     const std::string& ref,
                                                     const nlohmann::json& transforms,
                                                     const LoaderOptions& options) {
  auto db = workspace.connect();
  if (!db) return db.error();
  DatasetRepository repo(**db);
  auto version = repo.resolve(ref);
  if (!version) return version.error();
  auto manifest = loadManifest(workspace, *version);
  if (!manifest) return manifest.error();
  auto loader = create(workspace, *manifest, transforms, options);
  if (!loader) return makeError(loader.error().text(), version->ref());
  return loader;
}

std::size_t DataLoader::size() const { return m_impl->members.size(); }

std::size_t DataLoader::batchesPerEpoch() const { return m_impl->batchesPerEpoch(); }

void DataLoader::startEpoch(int epoch) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->startEpochLocked(epoch);
}

Result<std::optional<Batch>> DataLoader::next() {
  Impl& d = *m_impl;
  std::unique_lock lock(d.mutex);
  if (!d.started) d.startEpochLocked(0);
  if (d.consumed >= d.batches) return std::optional<Batch>();
  const std::size_t b = d.consumed;
  Result<Batch> batch = makeError("no batch");
  if (d.threads.empty()) {
    ++d.consumed;
    const auto epoch_order = d.order;
    const std::uint64_t gen = d.generation;
    const int epoch = d.epoch;
    lock.unlock();
    batch = d.buildBatch(*epoch_order, b, epoch, gen);
  } else {
    d.ready_cv.wait(lock, [&] { return d.ready.count(b) != 0; });
    auto node = d.ready.extract(b);
    batch = std::move(node.mapped());
    ++d.consumed;
    d.work_cv.notify_all();
    lock.unlock();
  }
  if (!batch) return batch.error();
  if (!d.device.is_cpu()) {
    try {
      Batch& out = *batch;
      out.inputs = out.inputs.to(d.device, out.inputs.scalar_type(), /*non_blocking=*/true);
      out.targets = out.targets.to(d.device, out.targets.scalar_type(), /*non_blocking=*/true);
      if (out.offsets.defined()) {
        out.offsets = out.offsets.to(d.device, out.offsets.scalar_type(), /*non_blocking=*/true);
      }
    } catch (const std::exception& e) {
      return makeError("copying a batch to " + d.device.str() + " failed: " + describe(e));
    }
  }
  return std::optional<Batch>(std::move(*batch));
}

nlohmann::json DataLoader::fittedTransforms() const {
  switch (m_impl->kind) {
    case DatasetKind::Images:
      return m_impl->image_pipeline.toJson();
    case DatasetKind::Tabular:
      return m_impl->tabular.toJson();
    case DatasetKind::Text:
      return m_impl->text.toJson();
    case DatasetKind::Unknown:
      break;
  }
  return nullptr;
}

std::vector<std::int64_t> DataLoader::inputShape() const {
  switch (m_impl->kind) {
    case DatasetKind::Images:
      return {m_impl->out_c, m_impl->out_h, m_impl->out_w};
    case DatasetKind::Tabular:
      return {static_cast<std::int64_t>(m_impl->tabular.featureCount())};
    case DatasetKind::Text:
    case DatasetKind::Unknown:
      break;
  }
  return {};
}

std::size_t DataLoader::classCount() const { return m_impl->classes.size(); }

Task DataLoader::task() const { return m_impl->task; }

DatasetKind DataLoader::kind() const { return m_impl->kind; }

std::vector<std::string> DataLoader::classes() const { return m_impl->classes; }

std::size_t DataLoader::vocabularySize() const {
  return m_impl->kind == DatasetKind::Text ? m_impl->text.vocabularySize() : 0;
}

bool DataLoader::cacheEnabled() const { return m_impl->cache != nullptr; }

std::size_t DataLoader::otherShapeSamples() const { return m_impl->other_shape; }

double DataLoader::inverseTarget(double value) const {
  return m_impl->kind == DatasetKind::Tabular && m_impl->task == Task::Regression
             ? m_impl->tabular.inverseTarget(value)
             : value;
}

const Manifest& DataLoader::manifest() const { return m_impl->manifest; }

std::string DataLoader::sampleText(const Manifest& manifest, const Sample& sample) {
  std::vector<int> cols;
  for (const auto& name : manifest.text_columns) cols.push_back(manifest.columnIndex(name));
  return joinCells(sample, cols);
}

}  // namespace wb::data
