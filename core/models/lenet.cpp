// "lenet": LeNet-5 style CNN. Adaptive pooling to 5×5 before the classifier lets the same
// layout take 28×28 digits, 32×32 and other small sizes.
#include <torch/torch.h>

#include "core/models/model_builders.h"

namespace wb::models::detail {

namespace {

constexpr std::int64_t kMinPx = 12;  // conv5 (pad 2) → pool → conv5 → pool leaves ≥ 1 px
constexpr std::int64_t kPooled = 5;

struct LenetNetImpl : torch::nn::Module {
  LenetNetImpl(std::int64_t in_channels, const std::vector<std::int64_t>& channels,
               const std::vector<std::int64_t>& hidden, std::int64_t out, Activation activation,
               double dropout)
      : m_activation(activation), m_dropout(dropout) {
    m_conv1 = register_module(
        "conv1",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, channels[0], 5).padding(2)));
    m_conv2 = register_module("conv2", torch::nn::Conv2d(channels[0], channels[1], 5));
    m_hidden = register_module("hidden", torch::nn::ModuleList());
    std::int64_t width = channels[1] * kPooled * kPooled;
    for (const auto h : hidden) {
      m_hidden->push_back(torch::nn::Linear(width, h));
      width = h;
    }
    m_head = register_module("head", torch::nn::Linear(width, out));
  }

  at::Tensor forward(const at::Tensor& inputs) {
    at::Tensor x = torch::max_pool2d(activate(m_activation, m_conv1->forward(inputs)), 2);
    x = torch::max_pool2d(activate(m_activation, m_conv2->forward(x)), 2);
    x = torch::adaptive_avg_pool2d(x, {kPooled, kPooled}).flatten(1);
    for (const auto& layer : *m_hidden) {
      x = activate(m_activation, layer->as<torch::nn::Linear>()->forward(x));
      if (m_dropout > 0) x = torch::dropout(x, m_dropout, is_training());
    }
    return m_head->forward(x);
  }

  torch::nn::Conv2d m_conv1{nullptr};
  torch::nn::Conv2d m_conv2{nullptr};
  torch::nn::ModuleList m_hidden{nullptr};
  torch::nn::Linear m_head{nullptr};
  Activation m_activation;
  double m_dropout;
};
TORCH_MODULE(LenetNet);

class Lenet final : public Model {
 public:
  Lenet(nlohmann::json params, ModelInput input, LenetNet net)
      : Model("lenet", std::move(params), std::move(input), net.ptr()), m_net(std::move(net)) {}

  at::Tensor forward(const at::Tensor& inputs, const at::Tensor& /*offsets*/) override {
    return m_net->forward(inputs);
  }

 private:
  LenetNet m_net;
};

}  // namespace

nlohmann::json lenetDefaults() {
  return {{"channels", {6, 16}}, {"hidden", {120, 84}}, {"dropout", 0.0}, {"activation", "relu"}};
}

Result<std::unique_ptr<Model>> buildLenet(const ParamReader& params, const ModelInput& input) {
  auto channels = params.positiveIntList("channels", 2, 2);
  if (!channels) return channels.error();
  auto hidden = params.positiveIntList("hidden", 0, 16);
  if (!hidden) return hidden.error();
  auto dropout = params.fraction("dropout");
  if (!dropout) return dropout.error();
  auto activation = readActivation(params);
  if (!activation) return activation.error();
  if (auto ok = checkImage("lenet", input, kMinPx); !ok) return ok.error();
  LenetNet net(input.shape[0], *channels, *hidden, input.outputs(), *activation, *dropout);
  std::unique_ptr<Model> model = std::make_unique<Lenet>(params.resolved(), input, std::move(net));
  return model;
}

}  // namespace wb::models::detail
