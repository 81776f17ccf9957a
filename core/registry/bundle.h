#pragma once

// A model bundle: one zip file that serves anywhere, no workspace needed. Written and read
// through libzip; ordinary tools list and unpack it (`unzip -l`, Python's zipfile), and
// `sha256sum -c checksums.sha256` checks it once unpacked.
//
// Members:
//   model.json               see below
//   weights.safetensors      the parameters and buffers by dotted name (Model::namedParameters
//                            + namedBuffers), F32 (I64 for integer buffers); or, for an
//                            imported TorchScript model, model.pt (a TorchScript archive)
//   examples/inputs.safetensors  "inputs" (the preprocessed batch the model takes, Model::forward
//                            layout) and, for texts, "offsets"
//   examples/examples.json   {"examples": [{"key": sample key, "label": true label (class name
//                            or number), "input": raw input (table: {"column": value}; text:
//                            {"text": "…"}; image: {"file": "examples/0.png"}), "expected":
//                            class probabilities [..] or the regression value, "predicted":
//                            label}], "tolerance": 1e-5}
//   examples/<n>.<ext>       images: the original files of image examples
//   README.md                a short model card
//   checksums.sha256         "<sha256>  <member>" per member above, sha256sum's format; last
//
// model.json:
//   {"format": "workbench.bundle", "format_version": 1,
//    "name": "iris", "version": 3,                  (as registered when the bundle was built)
//    "type": "mlp", "params": {...}, "input": ModelInput::toJson(),
//    "weights": "weights.safetensors" | "model.pt",
//    "signature": {"kind": "image|table|text", "task": "classification|regression",
//                  "inputs": [{"name": "input", "datatype": "FP32|INT64", "shape": [-1, …]}],
//                  "outputs": [{"name": "probabilities"|"value", "datatype": "FP32",
//                               "shape": [-1, classes] | [-1]}],
//                  "classes": [..], "target": "column", "features": [..],
//                  "text_columns": [..]},
//    "preprocessing": the run's fitted preprocessing.json,
//    "metrics": {"key": {"last":…, "min":…, "max":…}},
//    "lineage": {"run_id", "run_name", "checkpoint", "config_hash", "dataset": "name@version",
//                "params": {..}, "workbench_version", "created_at"},
//    "description": "…", "tags": {..}}
// Qt-free and LibTorch-free.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"

namespace wb::registry {

inline constexpr const char* kBundleFormat = "workbench.bundle";
inline constexpr int kBundleFormatVersion = 1;
/// A member larger than this once unpacked (as its zip entry declares) is refused before it is
/// read: a zip bomb or a damaged size field. Bundles are read into memory.
inline constexpr std::uint64_t kMaxBundleMemberBytes = 2ull << 30;
/// At most this many members (a bundle has a handful plus its example images).
inline constexpr std::uint64_t kMaxBundleMembers = 10000;

/// The Workbench version that writes bundles ("0.1.0", the project version; lineage's
/// workbench_version).
std::string workbenchVersion();

/// A bundle's members by path ("model.json", "weights.safetensors", "examples/0.png", …),
/// without checksums.sha256 (written and checked by the functions below).
struct BundleFiles {
  std::map<std::string, std::string> members;

  /// model.json parsed; an Error when absent or malformed.
  Result<nlohmann::json> modelJson() const;
  const std::string* find(const std::string& path) const;
};

/// Zips FILES (JSON and text deflated, tensors and images stored) plus checksums.sha256.
/// Deterministic: the same files give the same bytes (fixed member order and timestamps).
Result<std::string> writeBundle(const BundleFiles& files);

/// Reads a bundle from memory and checks it: a zip, every member listed in checksums.sha256
/// and matching its hash, nothing unlisted, model.json of this format. Errors name what is
/// wrong: "not a zip file", "truncated", "not a Workbench bundle (no checksums.sha256)",
/// "member weights.safetensors: SHA-256 mismatch (damaged)", "bundle format_version 2 is newer
/// than this Workbench reads (1)". SOURCE names the file in errors.
/// MAX_MEMBER_BYTES bounds each member's unpacked size.
Result<BundleFiles> readBundle(std::string_view bytes, const std::string& source = "bundle",
                               std::uint64_t max_member_bytes = kMaxBundleMemberBytes);
/// readBundle() of a file on disk.
Result<BundleFiles> readBundleFile(const std::filesystem::path& path);

/// A short model card (README.md) from model.json.
std::string modelCard(const nlohmann::json& model_json);

}  // namespace wb::registry
