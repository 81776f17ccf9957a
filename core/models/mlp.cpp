// "mlp": fully connected layers for tables (and flattened images).
#include <torch/torch.h>

#include "core/models/model_builders.h"

namespace wb::models::detail {

namespace {

struct MlpNetImpl : torch::nn::Module {
  MlpNetImpl(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out,
             Activation activation, double dropout)
      : m_activation(activation), m_dropout(dropout) {
    m_hidden = register_module("hidden", torch::nn::ModuleList());
    std::int64_t width = in;
    for (const auto h : hidden) {
      m_hidden->push_back(torch::nn::Linear(width, h));
      width = h;
    }
    m_head = register_module("head", torch::nn::Linear(width, out));
  }

  at::Tensor forward(const at::Tensor& inputs) {
    at::Tensor x = inputs.flatten(1);
    for (const auto& layer : *m_hidden) {
      x = activate(m_activation, layer->as<torch::nn::Linear>()->forward(x));
      if (m_dropout > 0) x = torch::dropout(x, m_dropout, is_training());
    }
    return m_head->forward(x);
  }

  torch::nn::ModuleList m_hidden{nullptr};
  torch::nn::Linear m_head{nullptr};
  Activation m_activation;
  double m_dropout;
};
TORCH_MODULE(MlpNet);

class Mlp final : public Model {
 public:
  Mlp(nlohmann::json params, ModelInput input, MlpNet net)
      : Model("mlp", std::move(params), std::move(input), net.ptr()), m_net(std::move(net)) {}

  at::Tensor forward(const at::Tensor& inputs, const at::Tensor& /*offsets*/) override {
    return m_net->forward(inputs);
  }

 private:
  MlpNet m_net;
};

}  // namespace

nlohmann::json mlpDefaults() {
  return {{"hidden", {64, 64}}, {"dropout", 0.0}, {"activation", "relu"}};
}

Result<std::unique_ptr<Model>> buildMlp(const ParamReader& params, const ModelInput& input) {
  auto hidden = params.positiveIntList("hidden", 0, 64);
  if (!hidden) return hidden.error();
  auto dropout = params.fraction("dropout");
  if (!dropout) return dropout.error();
  auto activation = readActivation(params);
  if (!activation) return activation.error();
  if (input.shape.empty())
    return makeError("mlp needs a feature vector ({F}) or an image; for texts use text_bag",
                     "input.shape");
  std::int64_t features = 1;
  for (const auto d : input.shape) {
    if (d <= 0) return makeError("sizes must be positive, got " + input.text(), "input.shape");
    features *= d;
  }
  MlpNet net(features, *hidden, input.outputs(), *activation, *dropout);
  std::unique_ptr<Model> model = std::make_unique<Mlp>(params.resolved(), input, std::move(net));
  return model;
}

}  // namespace wb::models::detail
