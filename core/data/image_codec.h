#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace wb::data {

enum class ImageFormat { Unknown, Jpeg, Png };

/// Header facts of an encoded image. `channels` is what decodeImage(…, 0) yields: 1 for
/// grayscale (PNG gray and gray+alpha, JPEG gray), 3 for everything else (alpha is dropped).
struct ImageInfo {
  ImageFormat format = ImageFormat::Unknown;
  int width = 0, height = 0, channels = 0;
};

/// An 8-bit image: row-major HWC, tightly packed (pixels.size() == width * height * channels).
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;

  bool empty() const { return pixels.empty(); }
  std::size_t sizeBytes() const { return pixels.size(); }
  std::uint8_t* row(int y) { return pixels.data() + std::size_t(y) * width * channels; }
  const std::uint8_t* row(int y) const { return pixels.data() + std::size_t(y) * width * channels; }
  /// A zero-filled image of the given shape.
  static Image zeros(int width, int height, int channels);
};

/// Images with more pixels than this are rejected before any allocation.
inline constexpr std::int64_t kMaxImagePixels = 100'000'000;

std::string_view toString(ImageFormat format);

/// The format from the leading magic bytes; Unknown when it is neither JPEG nor PNG.
ImageFormat sniffImageFormat(const void* data, std::size_t size_bytes);

/// Reads only the header: format, size and stored channels. Fast; no pixel decoding.
Result<ImageInfo> probeImage(const void* data, std::size_t size_bytes);

/// Decodes a JPEG or PNG. channels = 0 keeps the stored channel count (1 or 3); 1 or 3
/// converts (ITU-R 601 luma for RGB → gray). Truncated or corrupt data is an error, never a
/// partially decoded image. Thread-safe.
Result<Image> decodeImage(const void* data, std::size_t size_bytes, int channels = 0);

/// Decodes a reduced image whose longer side is at most max_side, keeping the aspect ratio
/// and the stored channels. JPEGs use DCT-domain scaling first (much faster than a full
/// decode), then area resampling. Never upscales.
Result<Image> decodeImageThumbnail(const void* data, std::size_t size_bytes, int max_side);

/// Reads a file and decodes it (see decodeImage). Errors carry the path as context.
Result<Image> readImageFile(const std::filesystem::path& path, int channels = 0);

/// Lossless PNG of a 1- or 3-channel image (the bytes, ready to write to a file).
Result<std::string> encodePng(const Image& image);

/// Baseline JPEG of a 1- or 3-channel image; quality 1..100; RGB uses 4:2:0 subsampling.
Result<std::string> encodeJpeg(const Image& image, int quality = 90);

}  // namespace wb::data
