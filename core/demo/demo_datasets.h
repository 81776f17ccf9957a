#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace wb::demo {

/// Sizes of the procedural demo datasets. Same options → byte-identical files.
struct DemoDataOptions {
  std::uint64_t seed = 7;
  int digits_per_class = 500;  // 10 classes, 28×28 gray PNG
  int shapes_per_class = 500;  // 2 classes, 64×64 RGB JPEG
  int headlines = 600;         // text rows, about half of each label
};

/// Names under the output folder.
inline constexpr const char* kDigitsDir = "digits";            // digits/<0..9>/NNNNN.png
inline constexpr const char* kShapesDir = "shapes";            // shapes/<circle|square>/NNNNN.jpg
inline constexpr const char* kHeadlinesCsv = "headlines.csv";  // id,title,body,label

inline constexpr int kDigitSide = 28;
inline constexpr int kShapeSide = 64;
inline constexpr int kShapeJpegQuality = 90;

/// The class folder names of the shapes set, in order.
const std::vector<std::string>& shapeClassNames();

/// Writes deterministic, procedurally generated demo data under `dir` (no network):
///  - digits/<0..9>/NNNNN.png: 28×28 gray handwritten-like digits, white on black (MNIST-like),
///    randomly warped, stroked and noised so a small CNN does well but not perfectly;
///  - shapes/<circle|square>/NNNNN.jpg: 64×64 RGB JPEGs of a circle or a (rotated, sometimes
///    rounded) square on a noisy gradient background, sometimes partly occluded;
///  - headlines.csv: id,title,body,label with label real|fake, built from templates with a
///    shared vocabulary (RFC 4180 quoting, UTF-8).
/// Existing files of the same names are overwritten.
Status writeDemoDatasets(const std::filesystem::path& dir, const DemoDataOptions& options = {});

}  // namespace wb::demo
