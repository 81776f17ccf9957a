#include "core/demo/demo_datasets.h"

#include "core/common/numbers.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <numbers>
#include <random>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>

#include "core/data/image_codec.h"

namespace wb::demo {

namespace {

using data::Image;
namespace fs = std::filesystem;

constexpr double kPi = std::numbers::pi;

// ---- deterministic randomness ----

std::uint64_t splitMix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// One independent stream per (dataset, class, sample): order of generation never matters.
std::uint64_t streamSeed(std::uint64_t seed, std::uint64_t dataset, std::uint64_t cls,
                         std::uint64_t index) {
  return splitMix(splitMix(splitMix(seed ^ (dataset << 56)) ^ cls) ^ index);
}

// Distributions built from raw engine bits: std::*_distribution differ between libraries.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_engine(seed) {}
  double uniform() { return double(m_engine() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return int(m_engine() % std::uint64_t(n)); }
  bool chance(double p) { return uniform() < p; }
  double normal() {  // Box–Muller, polar form: no trig, two values per accepted pair
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    double u = 0, v = 0, q = 0;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    const double f = std::sqrt(-2.0 * std::log(q) / q);
    m_spare = v * f;
    m_has_spare = true;
    return u * f;
  }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[std::size_t(below(int(items.size())))];
  }

 private:
  std::mt19937_64 m_engine;
  double m_spare = 0;
  bool m_has_spare = false;
};

std::uint8_t toByte(double v) { return std::uint8_t(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5); }

Status writeFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return makeError("cannot create file", path.string());
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();
  if (!out) return makeError("cannot write file", path.string());
  return {};
}

Status makeDirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError("cannot create folder: " + ec.message(), dir.string());
  return {};
}

std::string indexName(int index, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%05d.%s", index, ext);
  return buf;
}

// ---- digits ----

struct Vec2 {
  double x = 0, y = 0;
};
using Stroke = std::vector<Vec2>;

// Glyph space: x in about [-0.6, 0.6], y in [-1, 1] pointing down; angles in degrees with
// -90 at the top.
Stroke arc(double cx, double cy, double rx, double ry, double a0, double a1) {
  const int n = std::max(4, int(std::abs(a1 - a0) / 8.0));
  Stroke s;
  for (int i = 0; i <= n; ++i) {
    const double a = (a0 + (a1 - a0) * i / n) * kPi / 180.0;
    s.push_back({cx + rx * std::cos(a), cy + ry * std::sin(a)});
  }
  return s;
}

Stroke quad(Vec2 p0, Vec2 c, Vec2 p1) {
  Stroke s;
  constexpr int kSteps = 12;
  for (int i = 0; i <= kSteps; ++i) {
    const double t = double(i) / kSteps, u = 1 - t;
    s.push_back({u * u * p0.x + 2 * u * t * c.x + t * t * p1.x,
                 u * u * p0.y + 2 * u * t * c.y + t * t * p1.y});
  }
  return s;
}

// The strokes of one digit with per-sample variations of its construction; some variants
// are deliberately close to another digit (4/9, 1/7, 3/8, 5/6).
std::vector<Stroke> digitStrokes(int digit, Rng& rng) {
  auto j = [&](double amount) { return rng.uniform(-amount, amount); };
  std::vector<Stroke> out;
  switch (digit) {
    case 0: {
      const double start = rng.uniform(-120, -60);
      const double sweep = rng.chance(0.15) ? rng.uniform(320, 345) : rng.uniform(360, 385);
      out.push_back(arc(j(0.05), j(0.05), rng.uniform(0.4, 0.6), rng.uniform(0.85, 1.0), start,
                        start + sweep));
      break;
    }
    case 1: {
      const Vec2 top{j(0.12) + 0.05, -1.0 + j(0.05)};
      out.push_back({top, {j(0.1), 1.0}});
      if (rng.chance(0.6)) {
        const double len = rng.chance(0.2) ? rng.uniform(0.45, 0.65) : rng.uniform(0.15, 0.4);
        out.push_back({{top.x - len, top.y + rng.uniform(0.1, 0.45) * len / 0.4}, top});
      }
      if (rng.chance(0.2)) out.push_back({{-0.3, 1.0}, {0.3, 1.0}});
      break;
    }
    case 2: {
      Stroke s = arc(j(0.05), -0.45, rng.uniform(0.42, 0.55), rng.uniform(0.45, 0.55),
                     rng.uniform(-175, -150), rng.uniform(10, 40));
      const Vec2 corner{-0.55 + j(0.08), 0.95 + j(0.05)};
      if (rng.chance(0.25)) {
        // Curly variant: a small loop at the bottom left.
        const Stroke loop = arc(corner.x + 0.12, corner.y - 0.1, 0.14, 0.12, -90, 200);
        s.push_back({corner.x + 0.12, corner.y - 0.22});
        s.insert(s.end(), loop.begin(), loop.end());
      } else {
        s.push_back(corner);
      }
      s.push_back({rng.uniform(0.4, 0.65), corner.y + j(0.06)});
      out.push_back(std::move(s));
      break;
    }
    case 3: {
      const double mid = j(0.1);
      const double left = rng.chance(0.2) ? rng.uniform(-165, -150) : rng.uniform(-150, -125);
      Stroke s = arc(mid * 0.5, -0.5, rng.uniform(0.38, 0.48), 0.45, left, 90);
      const Stroke lower =
          arc(mid * 0.5, 0.45, rng.uniform(0.45, 0.55), 0.52, -90, 180 - (left + 180) * 0.9);
      s.insert(s.end(), lower.begin(), lower.end());
      out.push_back(std::move(s));
      break;
    }
    case 4: {
      const double bar_y = rng.uniform(0.1, 0.4);
      const double stem_x = rng.uniform(0.15, 0.35);
      if (rng.chance(0.5)) {
        out.push_back({{stem_x + j(0.1), -1.0}, {-0.6 + j(0.08), bar_y}, {0.6 + j(0.08), bar_y}});
      } else {
        // Open top; with a bent-in left arm it is close to a 9.
        const double arm_x = -0.45 + j(0.08);
        out.push_back(
            {{arm_x + rng.uniform(0, 0.25), -0.95}, {arm_x, bar_y}, {0.6, bar_y + j(0.05)}});
      }
      out.push_back({{stem_x, -0.95 + j(0.1)}, {stem_x + j(0.1), 1.0}});
      break;
    }
    case 5: {
      const Vec2 corner{-0.38 + j(0.08), -1.0};
      out.push_back({{0.55 + j(0.1), -1.0 + j(0.05)}, corner});
      Stroke s{corner};
      const double end = rng.chance(0.2) ? rng.uniform(165, 190) : rng.uniform(120, 160);
      const Stroke bowl = arc(0.02, 0.42, rng.uniform(0.5, 0.6), rng.uniform(0.48, 0.56),
                              rng.uniform(-140, -115), end);
      s.insert(s.end(), bowl.begin(), bowl.end());
      out.push_back(std::move(s));
      break;
    }
    case 6: {
      const double ry = rng.uniform(0.42, 0.55);
      const double cy = 1.0 - ry;
      Stroke s = quad({rng.uniform(0.2, 0.5), -1.0}, {-0.55 + j(0.1), -0.6 + j(0.2)}, {-0.5, cy});
      const Stroke loop = arc(0.0, cy, 0.5, ry, 180, 180 + rng.uniform(330, 370));
      s.insert(s.end(), loop.begin(), loop.end());
      out.push_back(std::move(s));
      break;
    }
    case 7: {
      const Vec2 right{0.55 + j(0.08), -1.0 + j(0.05)};
      out.push_back({{-0.55 + j(0.1), -1.0}, right, {-0.15 + j(0.25), 1.0}});
      if (rng.chance(0.2)) out.push_back({{-0.25, 0.0}, {0.35, 0.0}});
      break;
    }
    case 8: {
      const double a = rng.uniform(-100, -70);
      out.push_back(arc(j(0.05), -0.52, rng.uniform(0.32, 0.45), 0.45, a, a + 360));
      out.push_back(arc(j(0.05), 0.45, rng.uniform(0.42, 0.55), 0.52, a, a + 360));
      break;
    }
    case 9: {
      const double rx = rng.uniform(0.4, 0.52), ry = rng.uniform(0.4, 0.5);
      const double cy = -1.0 + ry;
      out.push_back(arc(0.0, cy, rx, ry, 0, rng.uniform(340, 370)));
      const Vec2 stem_top{rx, cy};
      const Vec2 foot{rng.uniform(0.0, 0.4), 1.0};
      if (rng.chance(0.5)) {
        out.push_back({stem_top, foot});
      } else {
        out.push_back(quad(stem_top, {rx + 0.1, 0.4}, foot));
      }
      break;
    }
    default:
      break;
  }
  return out;
}

// Coverage of a pixel by a round-capped stroke of half width hw at distance d.
double coverage(double d, double hw) { return std::clamp(hw + 0.5 - d, 0.0, 1.0); }

double segmentDistance(Vec2 p, Vec2 a, Vec2 b) {
  const double vx = b.x - a.x, vy = b.y - a.y;
  const double len2 = vx * vx + vy * vy;
  double t = len2 > 0 ? ((p.x - a.x) * vx + (p.y - a.y) * vy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double dx = p.x - (a.x + t * vx), dy = p.y - (a.y + t * vy);
  return std::sqrt(dx * dx + dy * dy);
}

// Draws strokes (already in pixel space) at max-coverage into a float canvas.
void drawStrokes(const std::vector<Stroke>& strokes, double hw, int side,
                 std::vector<double>& canvas) {
  for (const Stroke& s : strokes) {
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      const Vec2 a = s[i], b = s[i + 1];
      const int x0 = std::max(0, int(std::floor(std::min(a.x, b.x) - hw - 1)));
      const int x1 = std::min(side - 1, int(std::ceil(std::max(a.x, b.x) + hw + 1)));
      const int y0 = std::max(0, int(std::floor(std::min(a.y, b.y) - hw - 1)));
      const int y1 = std::min(side - 1, int(std::ceil(std::max(a.y, b.y) + hw + 1)));
      for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) {
          const double c = coverage(segmentDistance({x + 0.5, y + 0.5}, a, b), hw);
          double& px = canvas[std::size_t(y) * side + x];
          px = std::max(px, c);
        }
      }
    }
  }
}

Image renderDigit(int digit, Rng& rng) {
  std::vector<Stroke> strokes = digitStrokes(digit, rng);
  // A smooth elastic wobble, then a random affine map into the 28×28 canvas.
  const double wa = rng.uniform(0.0, 0.1), wb = rng.uniform(0.0, 0.1);
  const double fa = rng.uniform(1.5, 3.5), fb = rng.uniform(1.5, 3.5);
  const double pa = rng.uniform(0, 2 * kPi), pb = rng.uniform(0, 2 * kPi);
  const double angle = rng.uniform(-15, 15) * kPi / 180.0;
  const double scale = rng.uniform(0.8, 1.1) * 9.5;  // glyph half height → pixels
  const double aspect = rng.uniform(0.85, 1.15);
  const double shear = rng.uniform(-0.3, 0.3);
  const double tx = kDigitSide / 2.0 + rng.uniform(-2, 2);
  const double ty = kDigitSide / 2.0 + rng.uniform(-2, 2);
  const double cs = std::cos(angle), sn = std::sin(angle);
  for (Stroke& s : strokes) {
    for (Vec2& p : s) {
      const double wx = p.x + wa * std::sin(fa * p.y + pa);
      const double wy = p.y + wb * std::sin(fb * p.x + pb);
      const double sx = (wx + shear * wy) * aspect * scale, sy = wy * scale;
      p = {cs * sx - sn * sy + tx, sn * sx + cs * sy + ty};
    }
  }
  std::vector<double> canvas(std::size_t(kDigitSide) * kDigitSide, 0.0);
  const double hw = rng.uniform(1.5, 3.2) / 2.0;
  drawStrokes(strokes, hw, kDigitSide, canvas);

  // Pen lifts: a small gap erased somewhere on the ink.
  if (rng.chance(0.2)) {
    const Stroke& s = strokes[std::size_t(rng.below(int(strokes.size())))];
    const Vec2 c = s[std::size_t(rng.below(int(s.size())))];
    const double r = rng.uniform(1.0, 2.2);
    for (int y = 0; y < kDigitSide; ++y) {
      for (int x = 0; x < kDigitSide; ++x) {
        const double d = std::hypot(x + 0.5 - c.x, y + 0.5 - c.y);
        canvas[std::size_t(y) * kDigitSide + x] *= 1.0 - coverage(d, r);
      }
    }
  }
  // Specks of dirt.
  if (rng.chance(0.3)) {
    const int n = 1 + rng.below(4);
    for (int i = 0; i < n; ++i) {
      const Vec2 c{rng.uniform(0, kDigitSide), rng.uniform(0, kDigitSide)};
      const double r = rng.uniform(0.3, 1.2), v = rng.uniform(0.3, 1.0);
      for (int y = std::max(0, int(c.y) - 2); y <= std::min(kDigitSide - 1, int(c.y) + 2); ++y) {
        for (int x = std::max(0, int(c.x) - 2); x <= std::min(kDigitSide - 1, int(c.x) + 2); ++x) {
          double& px = canvas[std::size_t(y) * kDigitSide + x];
          px = std::max(px, v * coverage(std::hypot(x + 0.5 - c.x, y + 0.5 - c.y), r));
        }
      }
    }
  }
  const double ink = rng.uniform(0.6, 1.0);
  const double noise = rng.uniform(0.0, 0.08);
  Image image = Image::zeros(kDigitSide, kDigitSide, 1);
  for (std::size_t i = 0; i < canvas.size(); ++i) {
    image.pixels[i] = toByte(canvas[i] * ink + noise * rng.normal());
  }
  return image;
}

// ---- shapes ----

struct Rgb {
  double r = 0, g = 0, b = 0;
};

Rgb hsv(double h, double s, double v) {
  const double c = v * s, hp = std::fmod(h, 360.0) / 60.0;
  const double x = c * (1 - std::abs(std::fmod(hp, 2.0) - 1));
  Rgb out;
  if (hp < 1)
    out = {c, x, 0};
  else if (hp < 2)
    out = {x, c, 0};
  else if (hp < 3)
    out = {0, c, x};
  else if (hp < 4)
    out = {0, x, c};
  else if (hp < 5)
    out = {x, 0, c};
  else
    out = {c, 0, x};
  const double m = v - c;
  return {out.r + m, out.g + m, out.b + m};
}

Rgb randomColour(Rng& rng) {
  return hsv(rng.uniform(0, 360), rng.uniform(0.3, 1.0), rng.uniform(0.3, 1.0));
}

double colourDistance(Rgb a, Rgb b) {
  return std::sqrt((a.r - b.r) * (a.r - b.r) + (a.g - b.g) * (a.g - b.g) +
                   (a.b - b.b) * (a.b - b.b));
}

Rgb mix(Rgb a, Rgb b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

// Signed distance to a rotated square of half side s with corner radius k (k <= s).
double squareDistance(double px, double py, double cs, double sn, double s, double k) {
  const double u = std::abs(cs * px + sn * py), v = std::abs(-sn * px + cs * py);
  const double qx = u - (s - k), qy = v - (s - k);
  const double outside = std::hypot(std::max(qx, 0.0), std::max(qy, 0.0));
  return outside + std::min(std::max(qx, qy), 0.0) - k;
}

Image renderShape(bool square, Rng& rng) {
  constexpr int kSide = kShapeSide;
  const Rgb bg0 = randomColour(rng), bg1 = randomColour(rng);
  const double gdir = rng.uniform(0, 2 * kPi);
  const double gx = std::cos(gdir) / kSide, gy = std::sin(gdir) / kSide;
  const Rgb bg_mid = mix(bg0, bg1, 0.5);
  Rgb fg = randomColour(rng);
  for (int tries = 0; tries < 24 && colourDistance(fg, bg_mid) < 0.6; ++tries) {
    fg = randomColour(rng);
  }
  // Similar areas for both classes, so size is no cue.
  const double radius = rng.uniform(9, 20);
  const double half = radius * std::sqrt(kPi) / 2.0 * rng.uniform(0.9, 1.1);
  const double extent = square ? half * 1.2 : radius;
  const double cx = rng.uniform(extent * 0.7, kSide - extent * 0.7);
  const double cy = rng.uniform(extent * 0.7, kSide - extent * 0.7);
  // Mostly upright squares: their corners are the cue a small CNN can learn from ~1,000 images.
  const double rot = rng.uniform(-kPi / 12, kPi / 12);
  const double cs = std::cos(rot), sn = std::sin(rot);
  const double corner = rng.chance(0.15) ? rng.uniform(0.05, 0.2) * half : 0.0;
  const double shade = rng.uniform(-0.25, 0.25);

  // An occluding bar in a background-like colour across part of the image.
  // Rare: with more the classes take a small CNN ~20 epochs to separate at all.
  const bool occlude = rng.chance(0.03);
  const double bar_angle = rng.uniform(0, kPi);
  const double bar_nx = std::cos(bar_angle), bar_ny = std::sin(bar_angle);
  const double bar_offset = rng.uniform(-0.6, 0.6) * extent;
  const double bar_half = rng.uniform(2.5, 6.0);
  const Rgb bar = mix(randomColour(rng), bg_mid, 0.5);

  // Faint distractor lines.
  const int lines = rng.chance(0.2) ? 1 : 0;
  std::array<std::array<double, 4>, 2> line_params{};
  for (int i = 0; i < lines; ++i) {
    line_params[i] = {rng.uniform(0, kSide), rng.uniform(0, kSide), rng.uniform(0, kPi),
                      rng.uniform(0.1, 0.3)};
  }
  const double noise = rng.uniform(0.01, 0.06);

  Image image = Image::zeros(kSide, kSide, 3);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const double px = x + 0.5, py = y + 0.5;
      const double t =
          std::clamp(0.5 + (px - kSide / 2.0) * gx + (py - kSide / 2.0) * gy, 0.0, 1.0);
      Rgb c = mix(bg0, bg1, t);
      for (int i = 0; i < lines; ++i) {
        const auto& l = line_params[i];
        const double d = std::abs((px - l[0]) * std::sin(l[2]) - (py - l[1]) * std::cos(l[2]));
        c = mix(c, {1, 1, 1}, l[3] * coverage(d, 0.5));
      }
      const double dx = px - cx, dy = py - cy;
      const double sd =
          square ? squareDistance(dx, dy, cs, sn, half, corner) : std::hypot(dx, dy) - radius;
      const double cover = std::clamp(0.5 - sd, 0.0, 1.0);
      if (cover > 0) {
        const double light = 1.0 + shade * (dx + dy) / (2.0 * extent);
        c = mix(c, {fg.r * light, fg.g * light, fg.b * light}, cover);
      }
      if (occlude) {
        const double d = std::abs(dx * bar_nx + dy * bar_ny - bar_offset);
        c = mix(c, bar, coverage(d, bar_half));
      }
      std::uint8_t* p = image.pixels.data() + (std::size_t(y) * kSide + x) * 3;
      p[0] = toByte(c.r + noise * rng.normal());
      p[1] = toByte(c.g + noise * rng.normal());
      p[2] = toByte(c.b + noise * rng.normal());
    }
  }
  return image;
}

// ---- headlines ----

const std::vector<std::string> kPlaces = {"Lisbon",  "Zürich",   "São Paulo", "Ohio",     "Málaga",
                                          "Nairobi", "Oslo",     "Quebec",    "Texas",    "Kraków",
                                          "Dublin",  "Brisbane", "Lyon",      "Bogotá",   "Seattle",
                                          "Tallinn", "Osaka",    "Porto",     "Manitoba", "Cork"};
const std::vector<std::string> kOrgs = {"the central bank",      "the city council",
                                        "the health ministry",   "a university team",
                                        "the regulator",         "the transport authority",
                                        "a research institute",  "the weather service",
                                        "the statistics office", "a parliamentary committee"};
// Plain nouns: every template reads correctly with any of them.
const std::vector<std::string> kTopics = {
    "bread prices",   "rail fares",    "the water supply", "school budgets", "solar panels",
    "coffee",         "sleep",         "vaccines",         "electric cars",  "housing costs",
    "tap water",      "smartphones",   "bananas",          "wind farms",     "bus routes",
    "the café trade", "dairy farming", "pension funds",    "cycling lanes",  "5G masts"};
const std::vector<std::string> kAilments = {"back pain", "diabetes",    "hair loss", "insomnia",
                                            "ageing",    "memory loss", "the flu"};
const std::vector<std::string> kCelebrities = {"a famous actor", "a pop star", "a billionaire",
                                               "a former minister", "a TV chef"};
const std::vector<std::string> kDays = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"};

// Both labels share the subjects; the phrasing differs, with some overlap in both directions
// (a sober-sounding fake, a real headline with "shocks").
const std::vector<std::string_view> kRealTitles = {
    "{Org} raises forecast for {topic} by {n}%",
    "{Place} council approves budget for {topic}",
    "Study finds modest link between {topic} and {topic2}",
    "{Org} reports {n}% {dir} in {topic} for {q}",
    "Officials in {place} review {topic} after audit",
    "Researchers publish data on {topic}, call for further study",
    "{Place} to expand {topic} programme, officials say",
    "Inflation eases to {d}%, with {topic} steady",
    "{Org} delays decision on {topic} until {q}",
    "Survey: {n}% of residents in {place} support changes to {topic}",
    "{Org} publishes annual review of {topic}",
    "Record heat shocks {place}; pressure grows on {topic}",
    "Court in {place} rules on dispute over {topic}",
    "Trial of new approach to {topic} shows mixed results",
    "{Org} warns of slower growth in {topic}",
};

const std::vector<std::string_view> kFakeTitles = {
    "You won't believe what {org} is hiding about {topic}",
    "Doctors HATE this one {topic} trick from {place}",
    "SHOCKING: {topic} secretly linked to {topic2}, insiders say",
    "{Place} \"miracle\" cure for {ailment} that experts don't want you to know",
    "This secret about {topic} will change your life forever",
    "BREAKING: {org} admits the {topic} scare was a hoax all along",
    "Scientists stunned: {topic} linked to reversing {ailment} in {n} days",
    "Why everyone in {place} is quietly dumping {topic}",
    "{Celeb} reveals the truth about {topic} - and it's terrifying",
    "{TOPIC} BANNED? What {org} won't tell you",
    "Study finds {topic} can cure {ailment}, officials confirm",
    "{n} facts about {topic} the media refuses to report",
    "Leaked memo: {org} plans to replace {topic} with {topic2}",
    "Outrage in {place} as {topic} found to contain \"mind-control\" chemicals",
};

const std::vector<std::string_view> kRealBody = {
    "{Org} said on {day} that spending on {topic} changed by {n}% compared with last year.",
    "The figures, published in a quarterly report, were broadly in line with expectations.",
    "A spokesperson said the change was \"within the expected range\" and would be reviewed in "
    "{q}.",
    "Analysts in {place} cautioned that one quarter of data is not enough to identify a trend.",
    "The report, which covers {big} households, will be discussed by {org} next month.",
    "Critics said the plan, while welcome, leaves questions about funding unanswered.",
    "Officials expect a final decision on {topic} later this year.",
    "The study's authors noted several limitations, including a small sample size.",
};

const std::vector<std::string_view> kFakeBody = {
    "Insiders claim the truth about {topic} has been covered up for years.",
    "\"They don't want you to know this,\" one reader from {place} wrote.",
    "Share this before it gets deleted!",
    "Experts are baffled, but {celeb} has been using this trick for {n} years.",
    "According to an anonymous source, {org} knew everything and said nothing.",
    "One simple change to {topic} melted away {ailment} in just {n} days.",
    "The mainstream media refuses to cover the story, but the evidence is everywhere.",
    "{Org} said on {day} that spending on {topic} changed by {n}%, but the real number is much "
    "higher.",
};

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = char(s[0] - 'a' + 'A');
  return s;
}

// ASCII plus the two-byte Latin-1 letters (é → É) used in the word lists.
std::string upperCase(std::string s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 'a' && c <= 'z') {
      s[i] = char(c - 'a' + 'A');
    } else if (c == 0xc3 && i + 1 < s.size()) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0xa0 && next <= 0xbe && next != 0xb7) s[i + 1] = char(next - 0x20);
      ++i;
    }
  }
  return s;
}

// The subjects of one row, shared by its title and body so the text hangs together.
struct RowWords {
  std::string place, org, topic, topic2, ailment, celeb;
};

RowWords rowWords(Rng& rng) {
  RowWords w;
  w.place = rng.pick(kPlaces);
  w.org = rng.pick(kOrgs);
  const int t1 = rng.below(int(kTopics.size()));
  const int t2 = (t1 + 1 + rng.below(int(kTopics.size()) - 1)) % int(kTopics.size());
  w.topic = kTopics[std::size_t(t1)];
  w.topic2 = kTopics[std::size_t(t2)];
  w.ailment = rng.pick(kAilments);
  w.celeb = rng.pick(kCelebrities);
  return w;
}

// Expands {place} {org} {topic} {topic2} {ailment} {celeb} (capitalised: {Place} …, all caps:
// {TOPIC}) from the row's words, and {day} {n} {big} {d} {q} {dir} freshly.
std::string fill(std::string_view tpl, const RowWords& words, Rng& rng) {
  std::string out;
  std::size_t i = 0;
  while (i < tpl.size()) {
    if (tpl[i] != '{') {
      out += tpl[i++];
      continue;
    }
    const std::size_t end = tpl.find('}', i);
    const std::string_view key = tpl.substr(i + 1, end - i - 1);
    i = end + 1;
    std::string lower(key);
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string value;
    if (lower == "place") {
      value = words.place;
    } else if (lower == "org") {
      value = words.org;
    } else if (lower == "topic") {
      value = words.topic;
    } else if (lower == "topic2") {
      value = words.topic2;
    } else if (lower == "ailment") {
      value = words.ailment;
    } else if (lower == "celeb") {
      value = words.celeb;
    } else if (lower == "day") {
      value = rng.pick(kDays);
    } else if (lower == "n") {
      value = std::to_string(2 + rng.below(38));
    } else if (lower == "big") {
      value = std::to_string(50 + rng.below(950));
    } else if (lower == "d") {
      value = formatFixed(rng.uniform(0.5, 9.5), 1);  // "4.5" under any locale
    } else if (lower == "q") {
      value = "Q" + std::to_string(1 + rng.below(4));
    } else if (lower == "dir") {
      value = rng.chance(0.5) ? "rise" : "fall";
    }
    const bool all_caps = key.size() > 1 && key[1] >= 'A' && key[1] <= 'Z';
    if (all_caps) {
      value = upperCase(value);
    } else if (key[0] >= 'A' && key[0] <= 'Z') {
      value = capitalised(value);
    }
    out += value;
  }
  return out;
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string headlinesCsv(const DemoDataOptions& options) {
  const int n = std::max(0, options.headlines);
  // Exactly balanced labels in a shuffled order.
  std::vector<int> fake(n);
  for (int i = 0; i < n; ++i) fake[i] = i % 2;
  Rng order(streamSeed(options.seed, 3, 0, 0));
  for (int i = n - 1; i > 0; --i) std::swap(fake[i], fake[order.below(i + 1)]);

  std::string csv = "id,title,body,label\n";
  std::set<std::string> titles;
  for (int i = 0; i < n; ++i) {
    Rng rng(streamSeed(options.seed, 3, 1, std::uint64_t(i)));
    const bool is_fake = fake[i] == 1;
    const auto& title_pool = is_fake ? kFakeTitles : kRealTitles;
    const auto& body_pool = is_fake ? kFakeBody : kRealBody;
    // Mostly the label's own phrasing; a few sentences borrowed from the other side.
    const auto& other_pool = is_fake ? kRealBody : kFakeBody;
    const RowWords words = rowWords(rng);
    std::string title;
    for (int tries = 0; tries < 20; ++tries) {
      title = capitalised(fill(rng.pick(title_pool), words, rng));
      if (titles.insert(title).second) break;
    }
    // Two to four distinct sentences, mostly in the label's own voice.
    std::vector<std::string_view> sentences;
    const int count = 2 + rng.below(3);
    while (int(sentences.size()) < count) {
      const auto& pool = rng.chance(0.12) ? other_pool : body_pool;
      const std::string_view pick = rng.pick(pool);
      if (std::find(sentences.begin(), sentences.end(), pick) == sentences.end()) {
        sentences.push_back(pick);
      }
    }
    std::string body;
    for (std::string_view sentence : sentences) {
      if (!body.empty()) body += ' ';
      body += fill(sentence, words, rng);
    }
    csv += std::to_string(i + 1) + ',' + csvField(title) + ',' + csvField(body) + ',' +
           (is_fake ? "fake" : "real") + '\n';
  }
  return csv;
}

}  // namespace

const std::vector<std::string>& shapeClassNames() {
  static const std::vector<std::string> kNames = {"circle", "square"};
  return kNames;
}

Status writeDemoDatasets(const fs::path& dir, const DemoDataOptions& options) {
  // One job per image file; each has its own random stream, so workers may run in any order.
  struct Job {
    bool digit = true;
    int cls = 0, index = 0;
    fs::path path;
  };
  std::vector<Job> jobs;
  for (int d = 0; d < 10; ++d) {
    const fs::path class_dir = dir / kDigitsDir / std::to_string(d);
    if (Status s = makeDirs(class_dir); !s) return s;
    for (int i = 0; i < options.digits_per_class; ++i) {
      jobs.push_back({true, d, i, class_dir / indexName(i, "png")});
    }
  }
  for (std::size_t k = 0; k < shapeClassNames().size(); ++k) {
    const fs::path class_dir = dir / kShapesDir / shapeClassNames()[k];
    if (Status s = makeDirs(class_dir); !s) return s;
    for (int i = 0; i < options.shapes_per_class; ++i) {
      jobs.push_back({false, int(k), i, class_dir / indexName(i, "jpg")});
    }
  }
  if (Status s = makeDirs(dir); !s) return s;

  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  Error first_error;  // guarded by error_mutex
  auto work = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t j = next.fetch_add(1);
      if (j >= jobs.size()) return;
      const Job& job = jobs[j];
      Rng rng(streamSeed(options.seed, job.digit ? 1 : 2, std::uint64_t(job.cls),
                         std::uint64_t(job.index)));
      auto bytes = job.digit ? data::encodePng(renderDigit(job.cls, rng))
                             : data::encodeJpeg(renderShape(job.cls == 1, rng), kShapeJpegQuality);
      Status s = bytes ? writeFile(job.path, *bytes) : Status(bytes.error());
      if (!s) {
        std::lock_guard lock(error_mutex);
        if (!failed.exchange(true)) first_error = s.error();
        return;
      }
    }
  };
  // Rendering and the many small file creations both scale with cores.
  const unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < workers && jobs.size() > 64 * t; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  if (failed) return first_error;
  return writeFile(dir / kHeadlinesCsv, headlinesCsv(options));
}

}  // namespace wb::demo
