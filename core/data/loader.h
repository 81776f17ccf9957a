#pragma once

#include <ATen/core/Tensor.h>  // at::Tensor == torch::Tensor, without all of <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/data/dataset.h"
#include "core/data/image_ops.h"

namespace wb {
class Workspace;
}

namespace wb::data {

/// How a DataLoader reads one split of a dataset version.
struct LoaderOptions {
  /// Decoded-image cache (uint8 pixels as decoded, before any random step). Auto: on when
  /// the split's decoded size is below kAutoCacheBytes. Tables and texts are always in memory.
  enum class Cache { Unknown, Auto, On, Off };
  static constexpr std::uint64_t kAutoCacheBytes = 512ull << 20;

  Split split = Split::Train;
  int batch_size = 64;
  bool shuffle = true;  // reshuffled every epoch from (seed, epoch): deterministic
  bool drop_last = false;
  std::uint64_t seed = 0;
  int workers = 2;  // threads that build batches; 0 = build in the caller of next()
  /// Batches built or waiting ahead of the consumer (at least `workers`). Image batch buffers
  /// are recycled once the consumer drops a batch, so about prefetch_batches + 2 batches of
  /// memory stay allocated while the loader lives.
  int prefetch_batches = 4;
  Cache cache = Cache::Auto;
  /// A torch::Device string: "cpu", "cuda", "cuda:1". CUDA pins host memory and copies with
  /// non_blocking; asking for CUDA from a CPU-only LibTorch is an Error from create().
  std::string device = "cpu";
  ImagePipeline::Mode mode = ImagePipeline::Mode::Train;  // Eval: no random augmentation
};

/// One batch, on the loader's device.
struct Batch {
  /// Images: float32 [B, C, H, W]. Tables: float32 [B, F]. Texts: int64 token ids of the B
  /// texts concatenated (torch::nn::EmbeddingBag input).
  at::Tensor inputs;
  /// Classification: int64 [B] class indices (classes() order). Regression: float32 [B].
  at::Tensor targets;
  /// Texts only: int64 [B], where each text's ids start in `inputs` (EmbeddingBag offsets).
  at::Tensor offsets;
  /// The samples, as positions in manifest().samples, in batch order.
  std::vector<std::size_t> indices;
};

/// Feeds training and evaluation: reads one split of a dataset version, decodes and
/// transforms samples on worker threads and hands out whole batches in a deterministic order.
///
/// Determinism: the epoch's order comes from (seed, epoch) and every random augmentation from
/// (seed, epoch, sample), so batches do not depend on the number of workers, on timing or on
/// the cache.
///
/// Threads: call next() and startEpoch() from one thread at a time (the training loop); the
/// loader's own workers run behind them.
class DataLoader {
 public:
  /// Makes a loader over `manifest` (copied). `transforms` is the pipeline spec for the
  /// dataset's kind: an ImagePipeline spec for images, a TabularPipeline spec for tables, a
  /// TextPipeline spec for texts (null: no image transforms, raw table features, or
  /// lowercase + tokenize + vocabulary for texts). A fitted spec is used as it is; otherwise
  /// steps that learn from data (normalize without mean/std, standardize, one_hot,
  /// vocabulary) are fitted on the TRAIN split whatever split this loader reads, so
  /// validation and test data see training statistics. Errors: bad spec, unknown device,
  /// unreadable training sample while fitting (named by key).
  static Result<std::unique_ptr<DataLoader>> create(const Workspace& workspace,
                                                    const Manifest& manifest,
                                                    const nlohmann::json& transforms,
                                                    const LoaderOptions& options);

  /// create() for a version reference: "name", "name@3" or "name@latest".
  static Result<std::unique_ptr<DataLoader>> open(const Workspace& workspace,
                                                  const std::string& ref,
                                                  const nlohmann::json& transforms,
                                                  const LoaderOptions& options);

  /// Stops the workers and joins them, also in the middle of an epoch.
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// Samples in the split.
  std::size_t size() const;
  std::size_t batchesPerEpoch() const;

  /// Starts (or restarts) an epoch: drops batches built ahead for the previous one and
  /// reshuffles. next() before any startEpoch() starts epoch 0.
  void startEpoch(int epoch);

  /// The next batch of the epoch, or nullopt when the epoch is over. A sample that cannot be
  /// read, decoded or transformed gives an Error naming its key; its batch is dropped and the
  /// following call goes on with the next batch.
  Result<std::optional<Batch>> next();

  /// The transforms with everything fitted (the spec to store with a trained model).
  nlohmann::json fittedTransforms() const;
  /// One sample's input shape: {C, H, W} for images, {F} for tables, {} for texts.
  std::vector<std::int64_t> inputShape() const;
  std::size_t classCount() const;
  Task task() const;
  DatasetKind kind() const;
  /// Class names; a class's index in targets is its position here.
  std::vector<std::string> classes() const;
  /// Texts: the size of the token id space (EmbeddingBag rows); 0 otherwise.
  std::size_t vocabularySize() const;
  /// Images: samples of this split whose size or channel count is not the dominant one of
  /// the training samples (the one the input shape comes from); apply() resizes and converts
  /// them. 0 for tables and texts.
  std::size_t otherShapeSamples() const;
  /// Regression tables: a model output (or target) in the units batches carry, back in the
  /// target's own units (undoes "standardize_target"); identity otherwise.
  double inverseTarget(double value) const;
  /// True when decoded images are being cached (the Cache option resolved).
  bool cacheEnabled() const;
  /// The manifest this loader reads (Batch::indices point into its samples).
  const Manifest& manifest() const;

  /// A text sample's input text: its text columns' cells joined with one space. Serving
  /// must build texts the same way.
  static std::string sampleText(const Manifest& manifest, const Sample& sample);

 private:
  struct Impl;
  explicit DataLoader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace wb::data
