#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/data/image_codec.h"

namespace wb::data {

/// Resamples to w × h (both ≥ 1). Bilinear with pixel-centre alignment (as PyTorch's
/// align_corners=false); along an axis shrunk by more than 2× it averages the covered area
/// instead, so downscaling does not alias.
Image resize(const Image& image, int w, int h);

/// The w × h window whose top-left corner is (x, y); parts outside the image are 0.
Image crop(const Image& image, int x, int y, int w, int h);

/// Mirrors left ↔ right.
Image flipHorizontal(const Image& image);

/// Rotates counter-clockwise by `degrees` about the image centre (bilinear), keeping the size;
/// uncovered pixels are 0. Multiples of 90° on a square image are exact permutations.
Image rotate(const Image& image, double degrees);

/// ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B), one channel. Gray input is copied.
Image toGrayscale(const Image& image);

/// Three channels; gray is replicated. RGB input is copied.
Image toRgb(const Image& image);

/// Converts to 1 or 3 channels (a copy when it already has them).
Image toChannels(const Image& image, int channels);

/// Running per-channel mean and standard deviation of pixel values scaled to [0, 1] (what a
/// normalize step sees). Exact integer sums, so the order of add() calls does not matter.
class ChannelStats {
 public:
  ChannelStats() = default;
  explicit ChannelStats(int channels) : m_channels(channels) {}

  /// Adds every pixel. The first image fixes the channel count when none was given; an image
  /// with another count is an error.
  Status add(const Image& image);
  /// Adds another accumulator's pixels (e.g. one per worker thread).
  void merge(const ChannelStats& other);

  int channels() const { return m_channels; }
  std::uint64_t pixelCount() const { return m_count; }
  std::vector<float> mean() const;
  /// Population standard deviation per channel.
  std::vector<float> std() const;

 private:
  void addRow(const std::uint8_t* pixels, int width);

  int m_channels = 0;
  std::uint64_t m_count = 0;
  std::vector<std::uint64_t> m_sum, m_sum_sq;
};

/// A declared, serialisable preprocessing pipeline. The same JSON is stored with a trained
/// model so serving applies exactly what training did.
class ImagePipeline {
 public:
  enum class Mode { Unknown, Train, Eval };  // Eval: random steps off; random_crop centres

  /// spec: a JSON array of {"name": …, params…}. Names and params:
  ///  - resize {"size": [w, h]} or {"size": n} (shorter side to n, aspect kept)
  ///  - center_crop {"size": [w, h] | n}
  ///  - random_crop {"size": [w, h] | n, "padding": p (default 0)}
  ///  - hflip {"p": 0.5} (random horizontal flip)
  ///  - rotation {"degrees": d} (uniform in [-d, d])
  ///  - grayscale {}; rgb {}
  ///  - normalize {"mean": [..], "std": [..]} per channel, must be last; without mean/std the
  ///    pipeline needsFit() and setNormalization() must be called before apply().
  /// Unknown names, unknown or bad params → an Error naming the transform index and problem.
  static Result<ImagePipeline> fromJson(const nlohmann::json& spec);

  /// The canonical spec (defaults spelled out, fitted mean/std included); fromJson(toJson())
  /// gives an identical pipeline.
  nlohmann::json toJson() const;

  /// True when a normalize step has no mean/std yet.
  bool needsFit() const;
  bool hasNormalize() const;
  /// Sets the normalize step's mean/std (adding a normalize step at the end when absent).
  void setNormalization(std::vector<float> mean, std::vector<float> std);
  bool empty() const { return m_steps.empty(); }

  /// The shape apply() produces for an input of in_w × in_h × in_c, walking the geometric
  /// and colour steps (e.g. resize then crop). Without resize/crop it is the input shape.
  void outputShape(int in_w, int in_h, int in_c, int& out_w, int& out_h, int& out_c) const;

  /// Runs every step and writes float CHW into `out` (out_c * out_h * out_w values), pixel
  /// values scaled to [0, 1] and then normalized. Batches need one shape, so when this image's
  /// own output shape differs from (out_w, out_h, out_c) it is resized and its channels
  /// converted to fit. Crop and flip are index arithmetic, and the uint8 → float conversion
  /// and normalization are fused into the single output pass. Thread-safe (const).
  Status apply(const Image& in, Mode mode, std::mt19937_64& rng, float* out, int out_w, int out_h,
               int out_c) const;

  /// The uint8 image after every step except normalize, shaped like apply() would.
  Result<Image> applyGeometry(const Image& in, Mode mode, std::mt19937_64& rng, int out_w,
                              int out_h, int out_c) const;

  /// Adds the pixels apply(in, Eval, …) would normalize to `stats` (the geometric steps in
  /// Eval mode, before normalize): the helper for fitting mean/std on training images.
  Status accumulateStats(const Image& in, int out_w, int out_h, int out_c,
                         ChannelStats& stats) const;

 private:
  enum class Kind {
    Unknown,
    Resize,
    CenterCrop,
    RandomCrop,
    HFlip,
    Rotation,
    Grayscale,
    Rgb,
    Normalize
  };
  struct Step {
    Kind kind = Kind::Unknown;
    int w = 0, h = 0;                  // size; h == 0 with w = n means "n" (resize: shorter side)
    int padding = 0;                   // random_crop
    double p = 0.5;                    // hflip
    double degrees = 0;                // rotation
    std::vector<double> mean, stddev;  // normalize; empty until fitted
  };
  struct View;  // a source image seen through a crop window and a flip

  Status prepare(const Image& in, Mode mode, std::mt19937_64& rng, int out_w, int out_h, int out_c,
                 Image& storage, View& view) const;

  std::vector<Step> m_steps;
};

std::string_view toString(ImagePipeline::Mode mode);

}  // namespace wb::data
