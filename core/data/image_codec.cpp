#include "core/data/image_codec.h"

#include <spng.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/data/image_ops.h"

namespace wb::data {

namespace {

struct TjDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
struct SpngDeleter {
  void operator()(spng_ctx* ctx) const { spng_ctx_free(ctx); }
};
struct TjFree {
  void operator()(unsigned char* buffer) const { tjFree(buffer); }
};
struct CFree {
  void operator()(void* buffer) const { std::free(buffer); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;
using SpngCtx = std::unique_ptr<spng_ctx, SpngDeleter>;
using TjBuffer = std::unique_ptr<unsigned char, TjFree>;
using CBuffer = std::unique_ptr<void, CFree>;

// Handles are not thread-safe but are costly to create, so each thread keeps its own.
thread_local TjHandle t_decompressor;

tjhandle threadDecompressor() {
  if (!t_decompressor) t_decompressor.reset(tjInitDecompress());
  return t_decompressor.get();
}

// tjDecompressHeader3 does not reset the decoder when it fails, and the next call on the
// handle then fails with the stale error; a fresh handle after any failure avoids that.
void discardDecompressor() { t_decompressor.reset(); }

thread_local TjHandle t_compressor;

tjhandle threadCompressor() {
  if (!t_compressor) t_compressor.reset(tjInitCompress());
  return t_compressor.get();
}

constexpr std::uint32_t kMaxPngSide = 1u << 24;
constexpr std::size_t kMaxPngChunkBytes = 64u << 20;
constexpr std::size_t kMaxPngChunkCacheBytes = 128u << 20;

Error sizeError(std::int64_t w, std::int64_t h) {
  return makeError("image too large: " + std::to_string(w) + "x" + std::to_string(h) + " exceeds " +
                   std::to_string(kMaxImagePixels / 1'000'000) + "M pixels");
}

Status checkDimensions(std::int64_t w, std::int64_t h) {
  if (w <= 0 || h <= 0) {
    return makeError("invalid image size " + std::to_string(w) + "x" + std::to_string(h));
  }
  if (w * h > kMaxImagePixels) return sizeError(w, h);
  return {};
}

// ---- JPEG ----

std::string tjMessage(tjhandle handle) {
  const char* text = tjGetErrorStr2(handle);
  return text ? text : "unknown libjpeg-turbo error";
}

bool endsWithEoi(const void* data, std::size_t size_bytes) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  return size_bytes >= 2 && bytes[size_bytes - 2] == 0xff && bytes[size_bytes - 1] == 0xd9;
}

// libjpeg reports a cut-off file only as a warning (and fills the rest with gray), or, when
// the cut is inside the headers, as whatever marker it then misreads. tjGetErrorCode is no
// help either: it says "warning" for a fatal error that followed a warning.
Error jpegError(tjhandle handle, const void* data, std::size_t size_bytes) {
  const std::string text = tjMessage(handle);
  discardDecompressor();
  if (text.find("Premature end") != std::string::npos) return makeError("truncated JPEG data");
  if (!endsWithEoi(data, size_bytes)) return makeError("truncated JPEG data (" + text + ")");
  return makeError("invalid JPEG data: " + text);
}

bool isExtraneousDataWarning(const std::string& text) {
  // JWRN_EXTRANEOUS_DATA: junk between segments (often before EOI). The image itself is whole.
  return text.find("extraneous bytes before marker") != std::string::npos;
}

struct JpegHeader {
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
};

Result<JpegHeader> readJpegHeader(tjhandle handle, const void* data, std::size_t size_bytes) {
  JpegHeader header;
  const int rc = tjDecompressHeader3(handle, static_cast<const unsigned char*>(data),
                                     static_cast<unsigned long>(size_bytes), &header.width,
                                     &header.height, &header.subsamp, &header.colorspace);
  // A warning while reading the header still leaves a usable header; an error leaves none.
  if (rc != 0 && (header.width <= 0 || header.height <= 0)) {
    return jpegError(handle, data, size_bytes);
  }
  if (header.width <= 0 || header.height <= 0) {
    // EOI before any frame: libjpeg takes it for a tables-only stream and keeps its tables
    // for the next image, so drop the handle.
    discardDecompressor();
    return makeError(endsWithEoi(data, size_bytes) ? "JPEG contains no image"
                                                   : "truncated JPEG data (no frame header)");
  }
  if (Status s = checkDimensions(header.width, header.height); !s) return s.error();
  return header;
}

// Decodes at (width, height), which must be the full size or an exact DCT scaling of it.
Status decompressJpeg(tjhandle handle, const void* data, std::size_t size_bytes, int width,
                      int height, int pixel_format, std::uint8_t* out) {
  auto run = [&](int flags) {
    return tjDecompress2(handle, static_cast<const unsigned char*>(data),
                         static_cast<unsigned long>(size_bytes), out, width, 0, height,
                         pixel_format, flags);
  };
  if (run(0) == 0) return {};
  // Only stray bytes between segments are a harmless warning. tjGetErrorStr2 keeps the last
  // message, so decode again stopping at the first one to be sure nothing else happened.
  if (!isExtraneousDataWarning(tjMessage(handle))) return jpegError(handle, data, size_bytes);
  if (run(TJFLAG_STOPONWARNING) == 0) return {};
  if (!isExtraneousDataWarning(tjMessage(handle))) return jpegError(handle, data, size_bytes);
  // The stopped run left the buffer half-written: decode fully once more.
  if (run(0) != 0 && !isExtraneousDataWarning(tjMessage(handle))) {
    return jpegError(handle, data, size_bytes);
  }
  return {};
}

bool isCmyk(int colorspace) { return colorspace == TJCS_CMYK || colorspace == TJCS_YCCK; }

// Decodes a JPEG at a (possibly DCT-scaled) size into 1 or 3 channels.
Result<Image> decodeJpegScaled(const void* data, std::size_t size_bytes, const JpegHeader& header,
                               int width, int height, int channels) {
  tjhandle handle = threadDecompressor();
  if (!handle) return makeError("cannot create a JPEG decoder");
  if (isCmyk(header.colorspace)) {
    // libjpeg-turbo cannot convert CMYK to RGB; Adobe-style CMYK JPEGs store inverted inks,
    // so each channel is ink * K / 255.
    std::vector<std::uint8_t> cmyk(std::size_t(width) * height * 4);
    if (Status s = decompressJpeg(handle, data, size_bytes, width, height, TJPF_CMYK, cmyk.data());
        !s) {
      return s.error();
    }
    Image rgb = Image::zeros(width, height, 3);
    for (std::size_t i = 0, n = std::size_t(width) * height; i < n; ++i) {
      const unsigned k = cmyk[4 * i + 3];
      for (int c = 0; c < 3; ++c)
        rgb.pixels[3 * i + c] = std::uint8_t((cmyk[4 * i + c] * k + 127) / 255);
    }
    return channels == 1 ? toGrayscale(rgb) : rgb;
  }
  Image image = Image::zeros(width, height, channels);
  if (Status s = decompressJpeg(handle, data, size_bytes, width, height,
                                channels == 1 ? TJPF_GRAY : TJPF_RGB, image.pixels.data());
      !s) {
    return s.error();
  }
  return image;
}

// ---- PNG ----

Error pngError(int rc) {
  switch (rc) {
    case SPNG_IO_EOF:
    case SPNG_IO_ERROR:
    case SPNG_EIO:
    case SPNG_EOF:
    case SPNG_EIDAT_TOO_SHORT:
      return makeError("truncated PNG data");
    case SPNG_ECHUNK_CRC:
      return makeError("PNG CRC mismatch");
    case SPNG_ESIGNATURE:
      return makeError("not a PNG image (bad signature)");
    case SPNG_EUSER_WIDTH:
    case SPNG_EUSER_HEIGHT:
    case SPNG_ECHUNK_LIMITS:
      return makeError(std::string("PNG exceeds decoder limits: ") + spng_strerror(rc));
    default:
      return makeError(std::string("invalid PNG: ") + spng_strerror(rc));
  }
}

Result<SpngCtx> openPng(const void* data, std::size_t size_bytes, spng_ihdr& ihdr) {
  SpngCtx ctx(spng_ctx_new(0));
  if (!ctx) return makeError("cannot create a PNG decoder");
  // CRC errors in any chunk are errors (spng's default, stated so it cannot drift).
  spng_set_crc_action(ctx.get(), SPNG_CRC_ERROR, SPNG_CRC_ERROR);
  spng_set_image_limits(ctx.get(), kMaxPngSide, kMaxPngSide);
  spng_set_chunk_limits(ctx.get(), kMaxPngChunkBytes, kMaxPngChunkCacheBytes);
  if (int rc = spng_set_png_buffer(ctx.get(), data, size_bytes); rc != 0) return pngError(rc);
  if (int rc = spng_get_ihdr(ctx.get(), &ihdr); rc != 0) return pngError(rc);
  if (Status s = checkDimensions(ihdr.width, ihdr.height); !s) return s.error();
  return ctx;
}

bool isGrayPng(const spng_ihdr& ihdr) {
  return ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE ||
         ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;
}

Result<Image> decodePng(const void* data, std::size_t size_bytes, int channels) {
  spng_ihdr ihdr{};
  auto ctx = openPng(data, size_bytes, ihdr);
  if (!ctx) return ctx.error();
  const int stored = isGrayPng(ihdr) ? 1 : 3;
  const int want = channels == 0 ? stored : channels;
  // G8 only exists for plain gray up to 8 bits; every other type goes through RGB8, which
  // expands palettes, drops alpha and strips 16-bit samples to 8.
  const bool direct_gray =
      want == 1 && ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE && ihdr.bit_depth <= 8;
  const int fmt = direct_gray ? SPNG_FMT_G8 : SPNG_FMT_RGB8;
  std::size_t out_size = 0;
  if (int rc = spng_decoded_image_size(ctx->get(), fmt, &out_size); rc != 0) return pngError(rc);
  Image decoded = Image::zeros(int(ihdr.width), int(ihdr.height), direct_gray ? 1 : 3);
  if (out_size != decoded.pixels.size()) return makeError("unexpected PNG decoded size");
  if (int rc = spng_decode_image(ctx->get(), decoded.pixels.data(), out_size, fmt, 0); rc != 0) {
    return pngError(rc);
  }
  // spng stops once the scanlines are in; reading on to IEND checks the last IDAT's CRC and
  // catches files cut short after the pixel data.
  if (int rc = spng_decode_chunks(ctx->get()); rc != 0) return pngError(rc);
  if (decoded.channels == want) return decoded;
  if (want == 3) return toRgb(decoded);
  if (stored == 1) {
    // Gray stored as RGB8: all three channels are equal, keep one.
    Image gray = Image::zeros(decoded.width, decoded.height, 1);
    for (std::size_t i = 0; i < gray.pixels.size(); ++i) gray.pixels[i] = decoded.pixels[3 * i];
    return gray;
  }
  return toGrayscale(decoded);
}

}  // namespace

Image Image::zeros(int width, int height, int channels) {
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.assign(std::size_t(width) * height * channels, 0);
  return image;
}

std::string_view toString(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg:
      return "jpeg";
    case ImageFormat::Png:
      return "png";
    case ImageFormat::Unknown:
      break;
  }
  return "unknown";
}

ImageFormat sniffImageFormat(const void* data, std::size_t size_bytes) {
  static constexpr unsigned char kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (!bytes) return ImageFormat::Unknown;
  if (size_bytes >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) {
    return ImageFormat::Jpeg;
  }
  if (size_bytes >= 8 && std::memcmp(bytes, kPngMagic, 8) == 0) return ImageFormat::Png;
  return ImageFormat::Unknown;
}

Result<ImageInfo> probeImage(const void* data, std::size_t size_bytes) {
  ImageInfo info;
  info.format = sniffImageFormat(data, size_bytes);
  switch (info.format) {
    case ImageFormat::Jpeg: {
      tjhandle handle = threadDecompressor();
      if (!handle) return makeError("cannot create a JPEG decoder");
      auto header = readJpegHeader(handle, data, size_bytes);
      if (!header) return header.error();
      info.width = header->width;
      info.height = header->height;
      info.channels = header->colorspace == TJCS_GRAY ? 1 : 3;
      return info;
    }
    case ImageFormat::Png: {
      spng_ihdr ihdr{};
      auto ctx = openPng(data, size_bytes, ihdr);
      if (!ctx) return ctx.error();
      info.width = int(ihdr.width);
      info.height = int(ihdr.height);
      info.channels = isGrayPng(ihdr) ? 1 : 3;
      return info;
    }
    case ImageFormat::Unknown:
      break;
  }
  return makeError(size_bytes == 0 ? "empty image data" : "not a JPEG or PNG image");
}

Result<Image> decodeImage(const void* data, std::size_t size_bytes, int channels) {
  if (channels != 0 && channels != 1 && channels != 3) {
    return makeError("channels must be 0, 1 or 3, not " + std::to_string(channels));
  }
  switch (sniffImageFormat(data, size_bytes)) {
    case ImageFormat::Jpeg: {
      tjhandle handle = threadDecompressor();
      if (!handle) return makeError("cannot create a JPEG decoder");
      auto header = readJpegHeader(handle, data, size_bytes);
      if (!header) return header.error();
      const int want = channels != 0 ? channels : header->colorspace == TJCS_GRAY ? 1 : 3;
      return decodeJpegScaled(data, size_bytes, *header, header->width, header->height, want);
    }
    case ImageFormat::Png:
      return decodePng(data, size_bytes, channels);
    case ImageFormat::Unknown:
      break;
  }
  return makeError(size_bytes == 0 ? "empty image data" : "not a JPEG or PNG image");
}

Result<Image> decodeImageThumbnail(const void* data, std::size_t size_bytes, int max_side) {
  if (max_side < 1) return makeError("thumbnail size must be at least 1");
  Result<Image> full = makeError("");
  if (sniffImageFormat(data, size_bytes) == ImageFormat::Jpeg) {
    tjhandle handle = threadDecompressor();
    if (!handle) return makeError("cannot create a JPEG decoder");
    auto header = readJpegHeader(handle, data, size_bytes);
    if (!header) return header.error();
    // The smallest DCT scale whose longer side still reaches max_side; area resizing
    // finishes the job with proper averaging.
    int count = 0;
    const tjscalingfactor* factors = tjGetScalingFactors(&count);
    const int longer = std::max(header->width, header->height);
    tjscalingfactor best{1, 1};
    int best_side = longer;
    for (int i = 0; factors && i < count; ++i) {
      const tjscalingfactor f = factors[i];
      if (f.num > f.denom) continue;  // never upscale
      const int side = TJSCALED(longer, f);
      if (side >= max_side && side < best_side) {
        best = f;
        best_side = side;
      }
    }
    const int channels = header->colorspace == TJCS_GRAY ? 1 : 3;
    full = decodeJpegScaled(data, size_bytes, *header, TJSCALED(header->width, best),
                            TJSCALED(header->height, best), channels);
  } else {
    full = decodeImage(data, size_bytes, 0);
  }
  if (!full) return full.error();
  const int w = full->width, h = full->height;
  if (std::max(w, h) <= max_side) return full;
  const double scale = double(max_side) / std::max(w, h);
  const int tw = w >= h ? max_side : std::max(1, int(w * scale + 0.5));
  const int th = h > w ? max_side : std::max(1, int(h * scale + 0.5));
  return resize(*full, tw, th);
}

Result<Image> readImageFile(const std::filesystem::path& path, int channels) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return makeError("cannot open file", path.string());
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  file.seekg(0, std::ios::beg);
  if (size < 0) return makeError("cannot read file", path.string());
  std::string bytes(std::size_t(size), '\0');
  if (!file.read(bytes.data(), size)) return makeError("cannot read file", path.string());
  auto image = decodeImage(bytes.data(), bytes.size(), channels);
  if (!image) return makeError(image.error().message, path.string());
  return image;
}

Result<std::string> encodePng(const Image& image) {
  if (image.channels != 1 && image.channels != 3) {
    return makeError("PNG encoding needs 1 or 3 channels, not " + std::to_string(image.channels));
  }
  if (Status s = checkDimensions(image.width, image.height); !s) return s.error();
  if (image.pixels.size() != std::size_t(image.width) * image.height * image.channels) {
    return makeError("image pixel buffer does not match its size");
  }
  SpngCtx ctx(spng_ctx_new(SPNG_CTX_ENCODER));
  if (!ctx) return makeError("cannot create a PNG encoder");
  spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  spng_ihdr ihdr{};
  ihdr.width = std::uint32_t(image.width);
  ihdr.height = std::uint32_t(image.height);
  ihdr.bit_depth = 8;
  ihdr.color_type = image.channels == 1 ? SPNG_COLOR_TYPE_GRAYSCALE : SPNG_COLOR_TYPE_TRUECOLOR;
  if (int rc = spng_set_ihdr(ctx.get(), &ihdr); rc != 0) {
    return makeError(std::string("PNG encoding failed: ") + spng_strerror(rc));
  }
  if (int rc = spng_encode_image(ctx.get(), image.pixels.data(), image.pixels.size(), SPNG_FMT_PNG,
                                 SPNG_ENCODE_FINALIZE);
      rc != 0) {
    return makeError(std::string("PNG encoding failed: ") + spng_strerror(rc));
  }
  std::size_t size = 0;
  int rc = 0;
  CBuffer buffer(spng_get_png_buffer(ctx.get(), &size, &rc));
  if (!buffer || rc != 0) {
    return makeError(std::string("PNG encoding failed: ") + spng_strerror(rc));
  }
  return std::string(static_cast<const char*>(buffer.get()), size);
}

Result<std::string> encodeJpeg(const Image& image, int quality) {
  if (image.channels != 1 && image.channels != 3) {
    return makeError("JPEG encoding needs 1 or 3 channels, not " + std::to_string(image.channels));
  }
  if (quality < 1 || quality > 100) return makeError("JPEG quality must be in 1..100");
  if (Status s = checkDimensions(image.width, image.height); !s) return s.error();
  if (image.pixels.size() != std::size_t(image.width) * image.height * image.channels) {
    return makeError("image pixel buffer does not match its size");
  }
  tjhandle handle = threadCompressor();
  if (!handle) return makeError("cannot create a JPEG encoder");
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  const bool gray = image.channels == 1;
  const int rc = tjCompress2(handle, image.pixels.data(), image.width, 0, image.height,
                             gray ? TJPF_GRAY : TJPF_RGB, &out, &out_size,
                             gray ? TJSAMP_GRAY : TJSAMP_420, quality, TJFLAG_ACCURATEDCT);
  TjBuffer owned(out);
  if (rc != 0) {
    Error error = makeError("JPEG encoding failed: " + tjMessage(handle));
    t_compressor.reset();  // never reuse a handle after a failure
    return error;
  }
  return std::string(reinterpret_cast<const char*>(out), out_size);
}

}  // namespace wb::data
