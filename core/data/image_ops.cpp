#include "core/data/image_ops.h"

#include "core/common/numbers.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numbers>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wb::data {

namespace {

constexpr int kMaxSide = 1 << 16;  // pipeline sizes above this are a typo, not a request

int floorDiv(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Uniform in [0, 1) from the top 53 bits: identical on every standard library.
double uniform01(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

// Uniform integer in [0, n]; modulo bias is irrelevant at image sizes.
int uniformUpTo(std::mt19937_64& rng, int n) {
  return n <= 0 ? 0 : int(rng() % std::uint64_t(n + 1));
}

std::uint8_t luma(const std::uint8_t* rgb) {
  return std::uint8_t((299u * rgb[0] + 587u * rgb[1] + 114u * rgb[2] + 500u) / 1000u);
}

std::uint8_t toByte(float v) {
  return std::uint8_t(std::clamp(v + 0.5f, 0.0f, 255.0f));  // round half up, then truncate
}

// Source taps of one output coordinate along an axis: `count` weights from `first`.
struct AxisTaps {
  std::vector<int> first, count;
  std::vector<float> weights;  // stride = max_taps
  int max_taps = 0;
};

AxisTaps axisTaps(int in, int out) {
  AxisTaps taps;
  const double scale = double(in) / out;
  taps.first.resize(out);
  taps.count.resize(out);
  if (scale > 2.0) {
    // Area averaging: each output pixel covers [i*scale, (i+1)*scale) source pixels.
    taps.max_taps = int(std::ceil(scale)) + 1;
    taps.weights.assign(std::size_t(out) * taps.max_taps, 0.0f);
    for (int i = 0; i < out; ++i) {
      const double lo = i * scale, hi = std::min(double(in), (i + 1) * scale);
      const int j0 = int(std::floor(lo));
      const int j1 = std::min(in, int(std::ceil(hi)));
      taps.first[i] = j0;
      taps.count[i] = j1 - j0;
      for (int j = j0; j < j1; ++j) {
        const double cover = std::min(hi, double(j + 1)) - std::max(lo, double(j));
        taps.weights[std::size_t(i) * taps.max_taps + (j - j0)] = float(cover / scale);
      }
    }
    return taps;
  }
  // Bilinear with pixel centres aligned (align_corners=false), edges clamped.
  taps.max_taps = 2;
  taps.weights.assign(std::size_t(out) * 2, 0.0f);
  for (int i = 0; i < out; ++i) {
    const double centre = std::clamp((i + 0.5) * scale - 0.5, 0.0, double(in - 1));
    // Taps j0 and j0 + 1 always inside the image; at the last pixel j0 steps back and its
    // weight is 0.
    const int j0 = std::max(0, std::min(int(centre), in - 2));
    const float f = float(centre - j0);
    taps.first[i] = j0;
    taps.count[i] = in > 1 ? 2 : 1;
    taps.weights[std::size_t(i) * 2] = in > 1 ? 1.0f - f : 1.0f;
    taps.weights[std::size_t(i) * 2 + 1] = in > 1 ? f : 0.0f;
  }
  return taps;
}

}  // namespace

// ---- single-image operations ----

namespace {

// One output row of the horizontal pass. The channel count is a template parameter and the
// accumulators are named variables so they stay in registers.
template <int C, class T>
void horizontalRow(const T* src, const AxisTaps& xs, int w, float* __restrict dst) {
  static_assert(C >= 1 && C <= 4);
  for (int x = 0; x < w; ++x) {
    const float* wt = xs.weights.data() + std::size_t(x) * xs.max_taps;
    const T* s = src + std::size_t(xs.first[x]) * C;
    float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int k = 0; k < xs.count[x]; ++k, s += C) {
      const float wk = wt[k];
      a0 += wk * float(s[0]);
      if constexpr (C > 1) a1 += wk * float(s[1]);
      if constexpr (C > 2) a2 += wk * float(s[2]);
      if constexpr (C > 3) a3 += wk * float(s[3]);
    }
    float* d = dst + std::size_t(x) * C;
    d[0] = a0;
    if constexpr (C > 1) d[1] = a1;
    if constexpr (C > 2) d[2] = a2;
    if constexpr (C > 3) d[3] = a3;
  }
}

template <class T>
void horizontalRow(const T* src, const AxisTaps& xs, int w, int c, float* dst) {
  switch (c) {
    case 1:
      return horizontalRow<1>(src, xs, w, dst);
    case 2:
      return horizontalRow<2>(src, xs, w, dst);
    case 3:
      return horizontalRow<3>(src, xs, w, dst);
    default:
      return horizontalRow<4>(src, xs, w, dst);
  }
}

// acc = weight * row (first tap) or acc += weight * row. Blocks of a fixed 8 let -O2's
// "very cheap" vectorizer take the loops; the tails are scalar.
constexpr std::size_t kBlock = 8;

template <class T>
void scaleRow(float* __restrict acc, const T* __restrict row, float weight, std::size_t n) {
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (std::size_t k = 0; k < kBlock; ++k) acc[i + k] = weight * float(row[i + k]);
  }
  for (; i < n; ++i) acc[i] = weight * float(row[i]);
}

template <class T>
void addScaledRow(float* __restrict acc, const T* __restrict row, float weight, std::size_t n) {
  std::size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (std::size_t k = 0; k < kBlock; ++k) acc[i + k] += weight * float(row[i + k]);
  }
  for (; i < n; ++i) acc[i] += weight * float(row[i]);
}

// One output row of the vertical pass: the weighted sum of the rows it covers.
template <class T>
void verticalRow(const T* rows, std::size_t row_len, const AxisTaps& ys, int y, float* acc) {
  const float* wt = ys.weights.data() + std::size_t(y) * ys.max_taps;
  const T* first = rows + std::size_t(ys.first[y]) * row_len;
  scaleRow(acc, first, wt[0], row_len);
  for (int k = 1; k < ys.count[y]; ++k) {
    addScaledRow(acc, first + std::size_t(k) * row_len, wt[k], row_len);
  }
}

void roundRow(const float* __restrict acc, std::uint8_t* __restrict dst, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  // Compilers vectorize the clamp poorly with plain SSE2; the saturating packs clamp for free.
  const __m128 half = _mm_set1_ps(0.5f);
  for (; i + 16 <= n; i += 16) {
    const __m128i a = _mm_cvttps_epi32(_mm_add_ps(_mm_loadu_ps(acc + i), half));
    const __m128i b = _mm_cvttps_epi32(_mm_add_ps(_mm_loadu_ps(acc + i + 4), half));
    const __m128i c = _mm_cvttps_epi32(_mm_add_ps(_mm_loadu_ps(acc + i + 8), half));
    const __m128i d = _mm_cvttps_epi32(_mm_add_ps(_mm_loadu_ps(acc + i + 12), half));
    const __m128i packed = _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), packed);
  }
#endif
  for (; i < n; ++i) dst[i] = std::uint8_t(std::min(std::max(acc[i] + 0.5f, 0.0f), 255.0f));
}

}  // namespace

Image resize(const Image& image, int w, int h) {
  w = std::max(1, w);
  h = std::max(1, h);
  if (image.empty()) return Image::zeros(w, h, std::max(1, image.channels));
  if (w == image.width && h == image.height) return image;
  if (image.channels < 1 || image.channels > 4) return Image::zeros(w, h, 1);
  const int c = image.channels;
  const AxisTaps xs = axisTaps(image.width, w);
  const AxisTaps ys = axisTaps(image.height, h);
  Image out = Image::zeros(w, h, c);
  const std::size_t in_len = std::size_t(image.width) * c, out_len = std::size_t(w) * c;
  if (h <= image.height) {
    // Shrinking rows: the (vectorized) vertical pass first, so the scalar horizontal pass
    // only sees the h output rows.
    std::vector<float> column(in_len), row(out_len);
    for (int y = 0; y < h; ++y) {
      verticalRow(image.pixels.data(), in_len, ys, y, column.data());
      horizontalRow(column.data(), xs, w, c, row.data());
      roundRow(row.data(), out.row(y), out_len);
    }
    return out;
  }
  // Growing rows: the horizontal pass on the fewer source rows first.
  std::vector<float> tmp(out_len * image.height), row(out_len);
  for (int y = 0; y < image.height; ++y) {
    horizontalRow(image.row(y), xs, w, c, tmp.data() + std::size_t(y) * out_len);
  }
  for (int y = 0; y < h; ++y) {
    verticalRow(tmp.data(), out_len, ys, y, row.data());
    roundRow(row.data(), out.row(y), out_len);
  }
  return out;
}

Image crop(const Image& image, int x, int y, int w, int h) {
  const int c = std::max(1, image.channels);
  Image out = Image::zeros(std::max(0, w), std::max(0, h), c);
  const int x0 = std::max(x, 0), x1 = std::min(x + w, image.width);
  if (x1 <= x0) return out;
  for (int oy = 0; oy < h; ++oy) {
    const int sy = y + oy;
    if (sy < 0 || sy >= image.height) continue;
    std::memcpy(out.row(oy) + std::size_t(x0 - x) * c, image.row(sy) + std::size_t(x0) * c,
                std::size_t(x1 - x0) * c);
  }
  return out;
}

Image flipHorizontal(const Image& image) {
  Image out = Image::zeros(image.width, image.height, image.channels);
  const int c = image.channels;
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* src = image.row(y);
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < image.width; ++x) {
      std::memcpy(dst + std::size_t(image.width - 1 - x) * c, src + std::size_t(x) * c, c);
    }
  }
  return out;
}

Image rotate(const Image& image, double degrees) {
  const int w = image.width, h = image.height, c = image.channels;
  Image out = Image::zeros(w, h, c);
  if (image.empty()) return out;
  const double rad = degrees * std::numbers::pi / 180.0;
  double cs = std::cos(rad), sn = std::sin(rad);
  // Snap the 1e-17 residues so quarter turns are exact permutations.
  if (std::abs(cs) < 1e-12) cs = 0;
  if (std::abs(sn) < 1e-12) sn = 0;
  const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  for (int y = 0; y < h; ++y) {
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < w; ++x) {
      // Inverse mapping of a counter-clockwise turn (image y points down).
      const double dx = x - cx, dy = y - cy;
      const double sx = cs * dx - sn * dy + cx;
      const double sy = sn * dx + cs * dy + cy;
      const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue;
      const float fx = float(sx - x0), fy = float(sy - y0);
      const float wts[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
      const int px[4] = {x0, x0 + 1, x0, x0 + 1}, py[4] = {y0, y0, y0 + 1, y0 + 1};
      for (int ch = 0; ch < c; ++ch) {
        float acc = 0;
        for (int k = 0; k < 4; ++k) {
          if (px[k] < 0 || py[k] < 0 || px[k] >= w || py[k] >= h || wts[k] == 0) continue;
          acc += wts[k] * image.row(py[k])[std::size_t(px[k]) * c + ch];
        }
        dst[std::size_t(x) * c + ch] = toByte(acc);
      }
    }
  }
  return out;
}

Image toGrayscale(const Image& image) {
  if (image.channels == 1) return image;
  Image out = Image::zeros(image.width, image.height, 1);
  const int c = image.channels;
  for (std::size_t i = 0; i < out.pixels.size(); ++i) {
    out.pixels[i] = c >= 3 ? luma(&image.pixels[i * c]) : image.pixels[i * c];
  }
  return out;
}

Image toRgb(const Image& image) {
  if (image.channels == 3) return image;
  Image out = Image::zeros(image.width, image.height, 3);
  const int c = image.channels;
  for (std::size_t i = 0, n = std::size_t(image.width) * image.height; i < n; ++i) {
    for (int ch = 0; ch < 3; ++ch) {
      out.pixels[3 * i + ch] = c >= 3 ? image.pixels[i * c + ch] : image.pixels[i * c];
    }
  }
  return out;
}

Image toChannels(const Image& image, int channels) {
  return channels == 1 ? toGrayscale(image) : toRgb(image);
}

// ---- ChannelStats ----

Status ChannelStats::add(const Image& image) {
  if (m_channels == 0) m_channels = image.channels;
  if (image.channels != m_channels) {
    return makeError("image has " + std::to_string(image.channels) + " channels, statistics have " +
                     std::to_string(m_channels));
  }
  for (int y = 0; y < image.height; ++y) addRow(image.row(y), image.width);
  return {};
}

void ChannelStats::addRow(const std::uint8_t* pixels, int width) {
  const int c = m_channels;
  if (m_sum.size() != std::size_t(c)) {
    m_sum.assign(c, 0);
    m_sum_sq.assign(c, 0);
  }
  for (int ch = 0; ch < c; ++ch) {
    std::uint64_t s = 0, sq = 0;
    for (int x = 0; x < width; ++x) {
      const std::uint64_t v = pixels[std::size_t(x) * c + ch];
      s += v;
      sq += v * v;
    }
    m_sum[ch] += s;
    m_sum_sq[ch] += sq;
  }
  m_count += std::uint64_t(width);
}

void ChannelStats::merge(const ChannelStats& other) {
  if (other.m_count == 0) return;
  if (m_channels == 0) m_channels = other.m_channels;
  if (m_sum.empty()) {
    m_sum.assign(m_channels, 0);
    m_sum_sq.assign(m_channels, 0);
  }
  for (std::size_t ch = 0; ch < m_sum.size() && ch < other.m_sum.size(); ++ch) {
    m_sum[ch] += other.m_sum[ch];
    m_sum_sq[ch] += other.m_sum_sq[ch];
  }
  m_count += other.m_count;
}

std::vector<float> ChannelStats::mean() const {
  std::vector<float> out(std::size_t(std::max(0, m_channels)), 0.0f);
  if (m_count == 0 || m_sum.empty()) return out;
  for (std::size_t ch = 0; ch < out.size(); ++ch) {
    out[ch] = float(double(m_sum[ch]) / double(m_count) / 255.0);
  }
  return out;
}

std::vector<float> ChannelStats::std() const {
  std::vector<float> out(std::size_t(std::max(0, m_channels)), 0.0f);
  if (m_count == 0 || m_sum.empty()) return out;
  for (std::size_t ch = 0; ch < out.size(); ++ch) {
    const double n = double(m_count);
    const double mean = double(m_sum[ch]) / n;
    const double var = std::max(0.0, double(m_sum_sq[ch]) / n - mean * mean);
    out[ch] = float(std::sqrt(var) / 255.0);
  }
  return out;
}

// ---- ImagePipeline ----

// Pixel (i, j) of the view is source pixel (flip ? x + w - 1 - i : x + i, y + j); outside
// the source it is 0. Crops and flips compose here without touching pixels.
struct ImagePipeline::View {
  const Image* src = nullptr;
  int x = 0, y = 0, w = 0, h = 0;
  bool flip = false;

  void cropTo(int cx, int cy, int cw, int ch) {
    x = flip ? x + w - cw - cx : x + cx;
    y += cy;
    w = cw;
    h = ch;
  }
  bool isWhole() const { return !flip && x == 0 && y == 0 && w == src->width && h == src->height; }
};

namespace {

using Json = nlohmann::json;

// Copies the view's pixels out, converting to `channels`.
Image materialize(const Image& src, int vx, int vy, int vw, int vh, bool flip, int channels) {
  const int c = src.channels;
  Image out = Image::zeros(vw, vh, channels);
  std::vector<int> cols(std::size_t(std::max(0, vw)));
  for (int i = 0; i < vw; ++i) {
    const int sx = flip ? vx + vw - 1 - i : vx + i;
    cols[i] = sx >= 0 && sx < src.width ? sx * c : -1;
  }
  for (int j = 0; j < vh; ++j) {
    const int sy = vy + j;
    if (sy < 0 || sy >= src.height) continue;
    const std::uint8_t* row = src.row(sy);
    std::uint8_t* dst = out.row(j);
    for (int i = 0; i < vw; ++i) {
      if (cols[i] < 0) continue;
      const std::uint8_t* p = row + cols[i];
      if (channels == c) {
        for (int ch = 0; ch < c; ++ch) dst[i * channels + ch] = p[ch];
      } else if (channels == 1) {
        dst[i] = c >= 3 ? luma(p) : p[0];
      } else {
        for (int ch = 0; ch < channels; ++ch) dst[i * channels + ch] = p[0];
      }
    }
  }
  return out;
}

std::string stepPrefix(std::size_t index, const std::string& name) {
  return "transform " + std::to_string(index) + (name.empty() ? "" : " (" + name + ")") + ": ";
}

bool positiveSide(const Json& v) {
  return v.is_number_integer() && v.get<std::int64_t>() > 0 && v.get<std::int64_t>() <= kMaxSide;
}

// "size": n or [w, h]; n leaves h = 0.
bool parseSize(const Json& v, int& w, int& h) {
  if (positiveSide(v)) {
    w = v.get<int>();
    h = 0;
    return true;
  }
  if (v.is_array() && v.size() == 2 && positiveSide(v[0]) && positiveSide(v[1])) {
    w = v[0].get<int>();
    h = v[1].get<int>();
    return true;
  }
  return false;
}

bool parseNumbers(const Json& v, std::vector<double>& out) {
  if (!v.is_array() || v.empty()) return false;
  out.clear();
  for (const Json& x : v) {
    if (!x.is_number()) return false;
    out.push_back(x.get<double>());
    if (!std::isfinite(out.back())) return false;
  }
  return true;
}

Json sizeJson(int w, int h) { return h == 0 ? Json(w) : Json::array({w, h}); }

// 0.485f becomes 0.485, not 0.48500001430511475, so fitted specs read well.
double shortestDouble(float value) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof(buf), value);
  return parseDouble(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf))).value_or(value);
}

}  // namespace

std::string_view toString(ImagePipeline::Mode mode) {
  switch (mode) {
    case ImagePipeline::Mode::Train:
      return "train";
    case ImagePipeline::Mode::Eval:
      return "eval";
    case ImagePipeline::Mode::Unknown:
      break;
  }
  return "unknown";
}

Result<ImagePipeline> ImagePipeline::fromJson(const nlohmann::json& spec) {
  ImagePipeline pipeline;
  if (spec.is_null()) return pipeline;
  if (!spec.is_array()) return makeError("image pipeline spec must be a JSON array of transforms");
  struct KindInfo {
    const char* name;
    Kind kind;
    std::vector<std::string> params;
  };
  static const std::vector<KindInfo> kKinds = {
      {"resize", Kind::Resize, {"size"}},
      {"center_crop", Kind::CenterCrop, {"size"}},
      {"random_crop", Kind::RandomCrop, {"size", "padding"}},
      {"hflip", Kind::HFlip, {"p"}},
      {"rotation", Kind::Rotation, {"degrees"}},
      {"grayscale", Kind::Grayscale, {}},
      {"rgb", Kind::Rgb, {}},
      {"normalize", Kind::Normalize, {"mean", "std"}},
  };
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const Json& t = spec[i];
    if (!t.is_object()) return makeError(stepPrefix(i, {}) + "expected an object with a \"name\"");
    if (!t.contains("name") || !t["name"].is_string()) {
      return makeError(stepPrefix(i, {}) + "missing \"name\"");
    }
    const std::string name = t["name"].get<std::string>();
    const std::string prefix = stepPrefix(i, name);
    const auto info = std::find_if(kKinds.begin(), kKinds.end(),
                                   [&](const KindInfo& k) { return name == k.name; });
    if (info == kKinds.end()) return makeError(prefix + "unknown transform \"" + name + "\"");
    for (const auto& [key, value] : t.items()) {
      if (key != "name" &&
          std::find(info->params.begin(), info->params.end(), key) == info->params.end()) {
        return makeError(prefix + "unknown parameter \"" + key + "\"");
      }
    }
    if (!pipeline.m_steps.empty() && pipeline.m_steps.back().kind == Kind::Normalize) {
      return makeError(prefix + "normalize must be the last transform");
    }
    Step step;
    step.kind = info->kind;
    switch (step.kind) {
      case Kind::Resize:
      case Kind::CenterCrop:
      case Kind::RandomCrop:
        if (!t.contains("size") || !parseSize(t["size"], step.w, step.h)) {
          return makeError(prefix + "\"size\" must be a positive integer or [width, height]");
        }
        if (step.kind == Kind::RandomCrop && t.contains("padding")) {
          const Json& p = t["padding"];
          if (!p.is_number_integer() || p.get<std::int64_t>() < 0 ||
              p.get<std::int64_t>() > kMaxSide) {
            return makeError(prefix + "\"padding\" must be a non-negative integer");
          }
          step.padding = p.get<int>();
        }
        break;
      case Kind::HFlip:
        if (t.contains("p")) {
          if (!t["p"].is_number() || !(t["p"].get<double>() >= 0 && t["p"].get<double>() <= 1)) {
            return makeError(prefix + "\"p\" must be a probability in [0, 1]");
          }
          step.p = t["p"].get<double>();
        }
        break;
      case Kind::Rotation:
        if (!t.contains("degrees") || !t["degrees"].is_number() ||
            !(t["degrees"].get<double>() >= 0 && t["degrees"].get<double>() <= 180)) {
          return makeError(prefix + "\"degrees\" must be a number in [0, 180]");
        }
        step.degrees = t["degrees"].get<double>();
        break;
      case Kind::Normalize: {
        const bool has_mean = t.contains("mean"), has_std = t.contains("std");
        if (has_mean != has_std)
          return makeError(prefix + "give both \"mean\" and \"std\", or neither");
        if (has_mean) {
          if (!parseNumbers(t["mean"], step.mean) || !parseNumbers(t["std"], step.stddev)) {
            return makeError(prefix + "\"mean\" and \"std\" must be non-empty arrays of numbers");
          }
          if (step.mean.size() != step.stddev.size()) {
            return makeError(prefix + "\"mean\" and \"std\" must have the same length");
          }
          for (double s : step.stddev) {
            if (!(s > 0)) return makeError(prefix + "\"std\" values must be positive");
          }
        }
        break;
      }
      case Kind::Grayscale:
      case Kind::Rgb:
      case Kind::Unknown:
        break;
    }
    pipeline.m_steps.push_back(std::move(step));
  }
  return pipeline;
}

nlohmann::json ImagePipeline::toJson() const {
  Json spec = Json::array();
  for (const Step& step : m_steps) {
    Json t;
    switch (step.kind) {
      case Kind::Resize:
        t = {{"name", "resize"}, {"size", sizeJson(step.w, step.h)}};
        break;
      case Kind::CenterCrop:
        t = {{"name", "center_crop"}, {"size", sizeJson(step.w, step.h)}};
        break;
      case Kind::RandomCrop:
        t = {
            {"name", "random_crop"}, {"size", sizeJson(step.w, step.h)}, {"padding", step.padding}};
        break;
      case Kind::HFlip:
        t = {{"name", "hflip"}, {"p", step.p}};
        break;
      case Kind::Rotation:
        t = {{"name", "rotation"}, {"degrees", step.degrees}};
        break;
      case Kind::Grayscale:
        t = {{"name", "grayscale"}};
        break;
      case Kind::Rgb:
        t = {{"name", "rgb"}};
        break;
      case Kind::Normalize:
        t = {{"name", "normalize"}};
        if (!step.mean.empty()) {
          t["mean"] = step.mean;
          t["std"] = step.stddev;
        }
        break;
      case Kind::Unknown:
        continue;
    }
    spec.push_back(std::move(t));
  }
  return spec;
}

bool ImagePipeline::needsFit() const {
  return std::any_of(m_steps.begin(), m_steps.end(),
                     [](const Step& s) { return s.kind == Kind::Normalize && s.mean.empty(); });
}

bool ImagePipeline::hasNormalize() const {
  return !m_steps.empty() && m_steps.back().kind == Kind::Normalize;
}

void ImagePipeline::setNormalization(std::vector<float> mean, std::vector<float> std) {
  if (!hasNormalize()) {
    Step step;
    step.kind = Kind::Normalize;
    m_steps.push_back(step);
  }
  Step& step = m_steps.back();
  step.mean.clear();
  step.stddev.clear();
  for (float m : mean) step.mean.push_back(shortestDouble(m));
  for (float s : std) step.stddev.push_back(shortestDouble(s));
}

namespace {

void resizeTarget(int step_w, int step_h, int w, int h, int& tw, int& th) {
  if (step_h != 0) {
    tw = step_w;
    th = step_h;
    return;
  }
  // Shorter side to n, the other scaled and truncated (as torchvision does).
  const std::int64_t n = step_w;
  if (w <= h) {
    tw = int(n);
    th = int(std::max<std::int64_t>(1, n * h / std::max(1, w)));
  } else {
    th = int(n);
    tw = int(std::max<std::int64_t>(1, n * w / std::max(1, h)));
  }
}

}  // namespace

void ImagePipeline::outputShape(int in_w, int in_h, int in_c, int& out_w, int& out_h,
                                int& out_c) const {
  int w = in_w, h = in_h, c = in_c;
  for (const Step& step : m_steps) {
    switch (step.kind) {
      case Kind::Resize:
        resizeTarget(step.w, step.h, w, h, w, h);
        break;
      case Kind::CenterCrop:
      case Kind::RandomCrop:
        w = step.w;
        h = step.h == 0 ? step.w : step.h;
        break;
      case Kind::Grayscale:
        c = 1;
        break;
      case Kind::Rgb:
        c = 3;
        break;
      case Kind::HFlip:
      case Kind::Rotation:
      case Kind::Normalize:
      case Kind::Unknown:
        break;
    }
  }
  out_w = w;
  out_h = h;
  out_c = c;
}

Status ImagePipeline::prepare(const Image& in, Mode mode, std::mt19937_64& rng, int out_w,
                              int out_h, int out_c, Image& storage, View& view) const {
  if (mode != Mode::Train && mode != Mode::Eval)
    return makeError("pipeline mode must be train or eval");
  if (out_w < 1 || out_h < 1 || (out_c != 1 && out_c != 3)) {
    return makeError("invalid pipeline output shape " + std::to_string(out_w) + "x" +
                     std::to_string(out_h) + "x" + std::to_string(out_c));
  }
  if (in.empty() || (in.channels != 1 && in.channels != 3) ||
      in.pixels.size() != std::size_t(in.width) * in.height * in.channels) {
    return makeError("pipeline input must be a non-empty 1- or 3-channel image");
  }
  view = View{&in, 0, 0, in.width, in.height, false};
  int channels = in.channels;  // what the steps so far want; applied lazily
  // Pixels are touched only when a step needs them (resize, rotate).
  auto materializeView = [&] {
    if (view.isWhole() && view.src->channels == channels) return;
    Image next = materialize(*view.src, view.x, view.y, view.w, view.h, view.flip, channels);
    storage = std::move(next);
    view = View{&storage, 0, 0, storage.width, storage.height, false};
  };
  const bool train = mode == Mode::Train;
  for (const Step& step : m_steps) {
    switch (step.kind) {
      case Kind::Resize: {
        int tw = 0, th = 0;
        resizeTarget(step.w, step.h, view.w, view.h, tw, th);
        if (tw == view.w && th == view.h) break;
        materializeView();
        storage = resize(*view.src, tw, th);
        view = View{&storage, 0, 0, tw, th, false};
        break;
      }
      case Kind::CenterCrop:
      case Kind::RandomCrop: {
        const int cw = step.w, ch = step.h == 0 ? step.w : step.h;
        int cx = floorDiv(view.w - cw, 2), cy = floorDiv(view.h - ch, 2);
        if (step.kind == Kind::RandomCrop && train) {
          // Offsets within the zero-padded image; a crop larger than that stays centred.
          const int pw = view.w + 2 * step.padding, ph = view.h + 2 * step.padding;
          cx = (pw >= cw ? uniformUpTo(rng, pw - cw) : floorDiv(pw - cw, 2)) - step.padding;
          cy = (ph >= ch ? uniformUpTo(rng, ph - ch) : floorDiv(ph - ch, 2)) - step.padding;
        }
        view.cropTo(cx, cy, cw, ch);
        break;
      }
      case Kind::HFlip:
        if (train && uniform01(rng) < step.p) view.flip = !view.flip;
        break;
      case Kind::Rotation:
        if (train && step.degrees > 0) {
          const double angle = (2.0 * uniform01(rng) - 1.0) * step.degrees;
          materializeView();
          storage = rotate(*view.src, angle);
          view.src = &storage;
        }
        break;
      case Kind::Grayscale:
        channels = 1;
        break;
      case Kind::Rgb:
        channels = 3;
        break;
      case Kind::Normalize:
      case Kind::Unknown:
        break;
    }
  }
  // A colour step the output shape contradicts (grayscale, then 3 channels out) still counts.
  if (channels != view.src->channels && channels != out_c) materializeView();
  if (view.w != out_w || view.h != out_h) {
    // Batches need one shape: fit this image to it.
    materializeView();
    storage = resize(*view.src, out_w, out_h);
    view = View{&storage, 0, 0, out_w, out_h, false};
  }
  return {};
}

Status ImagePipeline::apply(const Image& in, Mode mode, std::mt19937_64& rng, float* out, int out_w,
                            int out_h, int out_c) const {
  if (!out) return makeError("pipeline output buffer is null");
  Image storage;
  View view;
  if (Status s = prepare(in, mode, rng, out_w, out_h, out_c, storage, view); !s) return s;

  // uint8 → float, scaling and normalization as one table lookup per value.
  std::array<std::array<float, 256>, 3> lut;
  const Step* norm = hasNormalize() ? &m_steps.back() : nullptr;
  if (norm && norm->mean.empty()) {
    return makeError("normalize has no mean/std: fit the pipeline before applying it");
  }
  if (norm && norm->mean.size() != 1 && norm->mean.size() != std::size_t(out_c)) {
    return makeError("normalize has " + std::to_string(norm->mean.size()) +
                     " channels but the output has " + std::to_string(out_c));
  }
  for (int c = 0; c < out_c; ++c) {
    const std::size_t k = norm && norm->mean.size() > 1 ? std::size_t(c) : 0;
    const double mean = norm ? norm->mean[k] : 0.0, sd = norm ? norm->stddev[k] : 1.0;
    for (int v = 0; v < 256; ++v) lut[c][v] = float((v / 255.0 - mean) / sd);
  }

  const Image& src = *view.src;
  const int sc = src.channels;
  std::vector<int> cols(out_w);
  for (int i = 0; i < out_w; ++i) {
    const int sx = view.flip ? view.x + view.w - 1 - i : view.x + i;
    cols[i] = sx >= 0 && sx < src.width ? sx * sc : -1;
  }
  const bool all_cols = std::none_of(cols.begin(), cols.end(), [](int c) { return c < 0; });
  const std::size_t plane = std::size_t(out_w) * out_h;
  const int step = view.flip ? -sc : sc;
  for (int j = 0; j < out_h; ++j) {
    float* dst[3] = {};
    for (int c = 0; c < out_c; ++c) dst[c] = out + plane * c + std::size_t(j) * out_w;
    const int sy = view.y + j;
    if (sy < 0 || sy >= src.height) {
      for (int c = 0; c < out_c; ++c) std::fill(dst[c], dst[c] + out_w, lut[c][0]);
      continue;
    }
    const std::uint8_t* row = src.row(sy);
    if (sc == out_c && all_cols) {
      // The hot path (crop + flip of a same-channel image): one walk along the source row,
      // writing every plane.
      const std::uint8_t* p = row + cols[0];
      if (sc == 3) {
        const float *t0 = lut[0].data(), *t1 = lut[1].data(), *t2 = lut[2].data();
        float *d0 = dst[0], *d1 = dst[1], *d2 = dst[2];
        for (int i = 0; i < out_w; ++i, p += step) {
          d0[i] = t0[p[0]];
          d1[i] = t1[p[1]];
          d2[i] = t2[p[2]];
        }
      } else {
        const float* t0 = lut[0].data();
        for (int i = 0; i < out_w; ++i, p += step) dst[0][i] = t0[*p];
      }
      continue;
    }
    for (int c = 0; c < out_c; ++c) {
      const float* table = lut[c].data();
      float* d = dst[c];
      if (sc == out_c || sc == 1) {
        const int offset = sc == out_c ? c : 0;
        for (int i = 0; i < out_w; ++i) {
          d[i] = cols[i] < 0 ? table[0] : table[row[cols[i] + offset]];
        }
      } else {  // RGB source, gray output
        for (int i = 0; i < out_w; ++i) d[i] = cols[i] < 0 ? table[0] : table[luma(row + cols[i])];
      }
    }
  }
  return {};
}

Result<Image> ImagePipeline::applyGeometry(const Image& in, Mode mode, std::mt19937_64& rng,
                                           int out_w, int out_h, int out_c) const {
  Image storage;
  View view;
  if (Status s = prepare(in, mode, rng, out_w, out_h, out_c, storage, view); !s) return s.error();
  if (view.isWhole() && view.src->channels == out_c) {
    if (view.src == &storage) return storage;  // implicitly moved
    return *view.src;
  }
  return materialize(*view.src, view.x, view.y, view.w, view.h, view.flip, out_c);
}

Status ImagePipeline::accumulateStats(const Image& in, int out_w, int out_h, int out_c,
                                      ChannelStats& stats) const {
  std::mt19937_64 unused_rng(0);  // Eval mode draws nothing
  auto image = applyGeometry(in, Mode::Eval, unused_rng, out_w, out_h, out_c);
  if (!image) return image.error();
  return stats.add(*image);
}

}  // namespace wb::data
