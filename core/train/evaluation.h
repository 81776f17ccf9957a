#pragma once

// Evaluation and prediction shared by the trainer, the registry and the server. LibTorch-light:
// at::Tensor and c10::Device only (through loader.h and model.h), no <torch/torch.h>; users
// link wb_core_ml.

#include <atomic>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/loader.h"
#include "core/models/model.h"
#include "core/train/classification_metrics.h"

namespace wb::train {

/// How a model's outputs relate to the dataset's targets.
struct EvalTask {
  bool classification = true;
  int classes = 0;
  /// Regression: outputs and batch targets are standardized; value * target_scale +
  /// target_mean is the target's own unit (identity without scaling).
  double target_mean = 0, target_scale = 1;

  double toTargetUnits(double value) const { return value * target_scale + target_mean; }
  /// From a loader (its task, classes and fitted target scaling).
  static EvalTask of(const data::DataLoader& loader);
  /// From a run's stored preprocessing.json and the model it was trained with (serving).
  static EvalTask of(const nlohmann::json& preprocessing, const models::ModelInput& input);
};

/// Loss and metrics of one pass over a loader, in the target's own units.
struct EvalResult {
  double loss = 0;  // mean cross-entropy, or mean squared error in target units
  std::int64_t samples = 0;
  std::optional<ClassificationMetrics> classification;
  RegressionMetrics regression;

  /// PREFIX/loss and PREFIX/accuracy, precision_macro, recall_macro, f1_macro, top5_accuracy
  /// (more than 5 classes), roc_auc (binary); or PREFIX/mae, rmse, r2 for regression.
  void addMetrics(std::map<std::string, double>& out, const std::string& prefix) const;
};

/// Evaluates MODEL (put in eval mode, no gradients) over one epoch of LOADER on DEVICE. STOP
/// set ends early with what was seen.
Result<EvalResult> evaluate(models::Model& model, data::DataLoader& loader, const EvalTask& task,
                            const c10::Device& device, const std::atomic<bool>* stop = nullptr);

/// Predictions for one batch of inputs (Model::forward's layout), on the CPU, float32:
/// classification → softmax probabilities [B, classes]; regression → [B] in target units.
/// Bad inputs are an Error (Model::checkInput), not an exception.
Result<at::Tensor> predict(models::Model& model, const at::Tensor& inputs, const at::Tensor& offsets,
                           const EvalTask& task);

/// predict() over every batch of LOADER; row k is the sample manifest().samples[indices[k]].
struct Predictions {
  at::Tensor outputs;
  std::vector<std::size_t> indices;
};
Result<Predictions> predict(models::Model& model, data::DataLoader& loader, const EvalTask& task,
                            const c10::Device& device, const std::atomic<bool>* stop = nullptr);

}  // namespace wb::train
