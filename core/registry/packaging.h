#pragma once

// Turns a run's checkpoint (or an imported TorchScript file) into a bundle, and a bundle back
// into a model ready to predict. The one loading path of DESIGN.md: the server, the prediction
// panel, batch prediction and export all load a version through loadBundle(). Part of
// wb_core_ml (LibTorch), light headers only.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/models/model.h"
#include "core/registry/bundle.h"
#include "core/registry/registry.h"
#include "core/train/evaluation.h"

namespace wb {
class Workspace;
}

namespace wb::registry {

struct PackageOptions {
  std::string run_id;  // full id or a unique prefix
  /// "best" (checkpoints/best.pt, falling back to last when the run kept no best), "last", or
  /// any artifact path of the run holding Model::saveState() bytes.
  std::string checkpoint = "best";
  int examples = 8;  // test-split samples, filled up from validation, then train, when it has fewer
  std::string description;
  std::map<std::string, std::string> tags;
};

/// Everything of a version except its name and number (the registry assigns those).
struct PackagedModel {
  BundleFiles files;  // model.json without "name"/"version" yet
  NewVersion version; // name empty: the caller sets it (and alias, actor)
};

/// Reads the run's checkpoint, preprocessing.json, params, metric summaries and dataset
/// version, computes the examples' expected outputs with train::predict, and assembles the
/// bundle members. Errors: unknown run, a run without that checkpoint or without
/// preprocessing.json (it never finished), a checkpoint that does not load.
Result<PackagedModel> packageRun(const Workspace& workspace, const PackageOptions& options);

/// What `wb models import FILE.pt` needs besides the file: given as flags or a JSON file.
///   {"kind": "table"|"image"|"text", "input_shape": [4] | [1, 28, 28],
///    "classes": ["setosa", …]  (classification) or "target": "price" (regression),
///    "features": [..] (tables, optional), "preprocessing": {...} (optional, stored as is),
///    "description": "…"}
struct TorchScriptSpec {
  nlohmann::json signature;
};

/// Loads FILE with torch::jit::load (a TorchScript archive saved by PyTorch ≤ 1.13; newer
/// archives give "… was saved by a newer PyTorch than this LibTorch (1.13) reads"), checks
/// that it runs on an input of the signature's shape and gives outputs of the right size,
/// and packages it (weights member model.pt; examples: 4 seeded random inputs with their
/// outputs).
Result<PackagedModel> packageTorchScript(const std::filesystem::path& file,
                                         const TorchScriptSpec& spec);

/// What packageModel() needs besides the model: packageRun() gathers it from a run, tests and
/// other importers may build it themselves.
struct ModelPackage {
  nlohmann::json preprocessing = nlohmann::json::object();  // the fitted preprocessing.json
  nlohmann::json signature = nlohmann::json::object();      // see bundle.h
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json lineage = nlohmann::json::object();
  std::string description;
  std::map<std::string, std::string> tags;
  /// The examples in Model::forward's layout (offsets for texts), and one object per example
  /// with "key", "label", "input" (bundle.h); "expected" and "predicted" are computed here.
  at::Tensor example_inputs, example_offsets;
  nlohmann::json examples = nlohmann::json::array();
  std::map<std::string, std::string> example_files;  // "examples/0.png" → the original bytes
};

/// Assembles the bundle members of MODEL (put in eval mode): model.json, weights.safetensors,
/// examples with their expected outputs from train::predict, README.md. The one place a bundle
/// is put together (packageRun() ends here).
Result<PackagedModel> packageModel(models::Model& model, const ModelPackage& package);

/// Stamps NAME and VERSION into model.json and zips the bundle (a BundleMaker body).
Result<std::string> finishBundle(const BundleFiles& files, const std::string& name, int version);

/// A model loaded from a bundle, on the CPU, in eval mode.
struct LoadedModel {
  nlohmann::json meta;  // model.json
  BundleFiles files;
  std::unique_ptr<models::Model> model;
  train::EvalTask task;

  /// Probabilities [B, classes] or values [B] in target units (train::predict).
  Result<at::Tensor> predict(const at::Tensor& inputs, const at::Tensor& offsets = {});
};

/// Checks the bundle (readBundle) and builds its model from model.json + weights. Needs no
/// workspace. Errors name the member and the problem (a tensor missing from the weights, a
/// shape that does not match the model, a model type this build does not know).
Result<LoadedModel> loadBundle(std::string_view bytes, const std::string& source = "bundle");
Result<LoadedModel> loadBundleFile(const std::filesystem::path& path);
/// Resolves REF ("iris@production", "iris/3") in the workspace registry and loads its bundle.
Result<LoadedModel> loadVersion(const Workspace& workspace, std::string_view ref);

/// The bundle's examples as tensors: inputs (and offsets for texts) in Model::forward's layout
/// and the expected outputs (probabilities [N, classes] or values [N]).
struct ExampleBatch {
  at::Tensor inputs;
  at::Tensor offsets;
  at::Tensor expected;
  nlohmann::json examples;  // examples.json's "examples"
};
Result<ExampleBatch> exampleBatch(const BundleFiles& files);

struct ExampleCheck {
  int count = 0;
  double max_abs_diff = 0;
  double tolerance = 0;
  bool passed = false;
};
/// Runs the examples through MODEL and compares with their expected outputs.
Result<ExampleCheck> checkExamples(LoadedModel& model);

/// The model's parameters and buffers as safetensors (dotted names, F32/I64), with
/// METADATA added to the header's __metadata__.
Result<std::string> weightsToSafetensors(const models::Model& model,
                                         const std::map<std::string, std::string>& metadata = {});
/// Loads safetensors weights into MODEL: all or nothing; names and shapes must match.
Status loadSafetensors(models::Model& model, std::string_view bytes);

}  // namespace wb::registry
