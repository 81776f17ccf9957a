#pragma once

// Light on purpose: at::Tensor and c10::Device without <torch/torch.h> (~30 s per TU).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"

namespace torch::nn {
class Module;
}

namespace wb::models {

/// What the data provides to a model (DataLoader::inputShape(), classCount(), vocabularySize()).
struct ModelInput {
  /// One sample's shape: {C, H, W} for images, {F} for tables, empty for texts.
  std::vector<std::int64_t> shape;
  /// Number of classes; 0 = regression (one output).
  std::int64_t classes = 0;
  /// Texts: rows of the token id space (ids are in [0, vocabulary)); 0 otherwise.
  std::int64_t vocabulary = 0;

  /// Outputs of the model's last layer: classes, or 1 for regression.
  std::int64_t outputs() const { return classes > 0 ? classes : 1; }
  /// "1×28×28, 10 classes", "4 features, regression", "text (5000 ids), 4 classes".
  std::string text() const;
  nlohmann::json toJson() const;
  /// Errors name the key ("input.shape: …").
  static Result<ModelInput> fromJson(const nlohmann::json& json);

  bool operator==(const ModelInput&) const = default;
};

/// A built model: a LibTorch module plus what it was built from.
///
/// forward() is the hot path and behaves like any LibTorch call: a tensor of the wrong shape,
/// dtype or device throws c10::Error. Callers outside a LibTorch-using module check inputs
/// first with checkInput(), which returns the problem as a value.
class Model {
 public:
  virtual ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /// Logits [B, classes], or [B, 1] for regression. Images: float [B, C, H, W]; tables: float
  /// [B, F]; texts: int64 ids of the B texts concatenated plus int64 `offsets` [B] (where
  /// each text starts), or int64 [B, L] bags of equal length without offsets.
  virtual at::Tensor forward(const at::Tensor& inputs, const at::Tensor& offsets = {}) = 0;

  /// Why forward() would fail on these tensors (shape, dtype, device, text id range), or OK.
  /// Reads text ids back to the host: meant for a first batch or a request, not every step.
  Status checkInput(const at::Tensor& inputs, const at::Tensor& offsets = {}) const;

  /// The model type ("mlp", "lenet", …).
  const std::string& type() const { return m_type; }
  /// Hyperparameters with every default filled in (what to store with a run or a bundle).
  const nlohmann::json& params() const { return m_params; }
  const ModelInput& input() const { return m_input; }

  /// Trainable parameters, in registration order (what an optimiser takes).
  std::vector<at::Tensor> parameters() const;
  /// Parameters by dotted name ("hidden.0.weight").
  std::vector<std::pair<std::string, at::Tensor>> namedParameters() const;
  /// Non-trainable state (BatchNorm running statistics) by dotted name.
  std::vector<std::pair<std::string, at::Tensor>> namedBuffers() const;
  /// Number of trainable scalars (sum of numel over parameters()).
  std::int64_t parameterCount() const;

  /// Training mode (dropout active, BatchNorm updates its statistics) or evaluation mode.
  void train(bool on = true);
  void eval() { train(false); }
  bool isTraining() const;

  /// Moves parameters and buffers. Error when the device is not available in this build.
  Status to(const c10::Device& device);
  c10::Device device() const { return m_device; }

  /// A multi-line description: type, input, one line per layer with its parameter count,
  /// and the total.
  std::string summary() const;

  /// Parameters, buffers and what the model was built from (type, params, input), as bytes
  /// for the object store. buildModelFromState() rebuilds a model from them alone.
  /// Virtual for "torchscript", whose state is its TorchScript archive.
  virtual Result<std::string> saveState() const;
  /// Loads parameters and buffers saved by saveState(). All or nothing: a missing tensor or a
  /// shape mismatch (a checkpoint of another model) is an Error and leaves the model as it was.
  Status loadState(std::string_view bytes);

  /// The underlying module, for code that includes LibTorch (e.g. clip_grad_norm_, hooks).
  torch::nn::Module& module() { return *m_module; }
  const torch::nn::Module& module() const { return *m_module; }

 protected:
  Model(std::string type, nlohmann::json params, ModelInput input,
        std::shared_ptr<torch::nn::Module> module);

 private:
  std::string m_type;
  nlohmann::json m_params;
  ModelInput m_input;
  std::shared_ptr<torch::nn::Module> m_module;
  c10::Device m_device{c10::DeviceType::CPU};
};

}  // namespace wb::models
