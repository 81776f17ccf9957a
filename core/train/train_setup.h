#pragma once

// The trainer's set-up pieces (LibTorch): device, data, optimiser, LR schedule, loss scaling.
// Internal to core/train.

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/config/config_node.h"
#include "core/config/experiment_config.h"
#include "core/data/dataset_repository.h"
#include "core/data/loader.h"
#include "core/models/model.h"
#include "core/train/evaluation.h"

namespace wb {
class Workspace;
}

namespace wb::train {

/// "auto" (CUDA when available), "cpu", "cuda", "cuda:N".
Result<torch::Device> pickDevice(const std::string& name);

/// The loaders and the model's input for a config (shared by training and its dry run).
struct PreparedData {
  data::DatasetVersion version;
  std::unique_ptr<data::DataLoader> train, val, test;  // val/test null when empty
  nlohmann::json fitted;  // transforms with their fitted state (preprocessing.json)
  EvalTask task;
  models::ModelInput input;
  std::vector<std::string> warnings;  // e.g. images of another shape than the dominant one
};

/// Resolves the dataset (an unknown name gets "did you mean" and SOURCE's file:line), fits the
/// transforms on the train split (regression tables: targets standardized by default), makes
/// the loaders and checks the monitored metric names against what the task logs.
Result<PreparedData> prepareData(const Workspace& ws, data::DatasetRepository& datasets,
                                 const config::ExperimentConfig& cfg,
                                 const config::ConfigNode* source);

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const config::OptimConfig& o,
                                                       std::vector<at::Tensor> params);

/// The learning rate of EPOCH (0-based): warm-up, then the configured schedule.
/// PLATEAU_SCALE is reduce_on_plateau's accumulated factor.
double scheduledLr(const config::ExperimentConfig& c, int epoch, double plateau_scale);

/// Dynamic loss scaling for float16 autocast on CUDA (LibTorch has no C++ GradScaler): scale
/// the loss, unscale the gradients, skip a step whose gradients overflowed and halve the
/// scale; double it after 2,000 good steps, as torch.cuda.amp does.
struct LossScaler {
  double scale = 65536.0;
  int good_steps = 0;

  /// Unscales the gradients; false when they overflowed (the step must be skipped).
  bool unscale(const std::vector<at::Tensor>& params);
};

}  // namespace wb::train
