// "text_bag": fastText style classifier. The bag of token / n-gram ids is averaged by an
// EmbeddingBag (no sequence model), then optional hidden layers, then the classes.
#include <torch/torch.h>

#include "core/models/model_builders.h"

namespace wb::models::detail {

namespace {

struct TextBagNetImpl : torch::nn::Module {
  TextBagNetImpl(std::int64_t vocabulary, std::int64_t embed_dim, torch::nn::EmbeddingBagMode mode,
                 const std::vector<std::int64_t>& hidden, std::int64_t out, Activation activation,
                 double dropout)
      : m_activation(activation), m_dropout(dropout) {
    m_embedding = register_module(
        "embedding",
        torch::nn::EmbeddingBag(torch::nn::EmbeddingBagOptions(vocabulary, embed_dim).mode(mode)));
    m_hidden = register_module("hidden", torch::nn::ModuleList());
    std::int64_t width = embed_dim;
    for (const auto h : hidden) {
      m_hidden->push_back(torch::nn::Linear(width, h));
      width = h;
    }
    m_head = register_module("head", torch::nn::Linear(width, out));
  }

  at::Tensor forward(const at::Tensor& ids, const at::Tensor& offsets) {
    at::Tensor x = m_embedding->forward(ids, offsets);
    if (m_dropout > 0) x = torch::dropout(x, m_dropout, is_training());
    for (const auto& layer : *m_hidden) {
      x = activate(m_activation, layer->as<torch::nn::Linear>()->forward(x));
      if (m_dropout > 0) x = torch::dropout(x, m_dropout, is_training());
    }
    return m_head->forward(x);
  }

  torch::nn::EmbeddingBag m_embedding{nullptr};
  torch::nn::ModuleList m_hidden{nullptr};
  torch::nn::Linear m_head{nullptr};
  Activation m_activation;
  double m_dropout;
};
TORCH_MODULE(TextBagNet);

class TextBag final : public Model {
 public:
  TextBag(nlohmann::json params, ModelInput input, TextBagNet net)
      : Model("text_bag", std::move(params), std::move(input), net.ptr()), m_net(std::move(net)) {}

  at::Tensor forward(const at::Tensor& inputs, const at::Tensor& offsets) override {
    return m_net->forward(inputs, offsets);
  }

 private:
  TextBagNet m_net;
};

}  // namespace

nlohmann::json textBagDefaults() {
  return {{"embed_dim", 64},
          {"hidden", nlohmann::json::array()},
          {"mode", "mean"},
          {"dropout", 0.0},
          {"activation", "relu"}};
}

Result<std::unique_ptr<Model>> buildTextBag(const ParamReader& params, const ModelInput& input) {
  auto embed_dim = params.positiveInt("embed_dim");
  if (!embed_dim) return embed_dim.error();
  auto hidden = params.positiveIntList("hidden", 0, 16);
  if (!hidden) return hidden.error();
  auto mode_name = params.choice("mode", {"mean", "sum", "max"});
  if (!mode_name) return mode_name.error();
  auto dropout = params.fraction("dropout");
  if (!dropout) return dropout.error();
  auto activation = readActivation(params);
  if (!activation) return activation.error();
  if (auto ok = checkText("text_bag", input); !ok) return ok.error();
  torch::nn::EmbeddingBagMode mode = torch::kMean;
  if (*mode_name == "sum") mode = torch::kSum;
  if (*mode_name == "max") mode = torch::kMax;
  TextBagNet net(input.vocabulary, *embed_dim, mode, *hidden, input.outputs(), *activation,
                 *dropout);
  std::unique_ptr<Model> model =
      std::make_unique<TextBag>(params.resolved(), input, std::move(net));
  return model;
}

}  // namespace wb::models::detail
