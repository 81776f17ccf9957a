// "text_transformer": a small Transformer encoder for texts. Token ids get an embedding plus
// a learned position embedding, go through pre-built TransformerEncoder layers, and the
// tokens' outputs are averaged (padding masked out) into the class scores. Texts longer than
// max_len tokens are cut. Unlike text_bag it sees word order, so use n-grams of 1.
#include <torch/torch.h>

#include <algorithm>

#include "core/models/model_builders.h"

namespace wb::models::detail {

namespace {

struct TextTransformerNetImpl : torch::nn::Module {
  TextTransformerNetImpl(std::int64_t vocabulary, std::int64_t d_model, std::int64_t heads,
                         std::int64_t layers, std::int64_t feedforward, std::int64_t max_len,
                         double dropout, std::int64_t out)
      : m_pad(vocabulary), m_max_len(max_len) {
    // One row more than the vocabulary: the padding id, whose embedding stays zero.
    m_embedding = register_module(
        "embedding",
        torch::nn::Embedding(
            torch::nn::EmbeddingOptions(vocabulary + 1, d_model).padding_idx(vocabulary)));
    m_position = register_module("position", torch::nn::Embedding(max_len, d_model));
    m_encoder = register_module("encoder",
                                torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(
                                    torch::nn::TransformerEncoderLayerOptions(d_model, heads)
                                        .dim_feedforward(feedforward)
                                        .dropout(dropout),
                                    layers)));
    m_norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    m_head = register_module("head", torch::nn::Linear(d_model, out));
  }

  // Flat ids with per-text offsets (or equal-length rows) as a [B, T] block of ids, padded.
  at::Tensor pad(const at::Tensor& ids, const at::Tensor& offsets) const {
    if (!offsets.defined()) {
      const at::Tensor rows = ids.dim() == 1 ? ids.unsqueeze(0) : ids;
      return rows.slice(1, 0, std::max<std::int64_t>(1, std::min(m_max_len, rows.size(1))));
    }
    const at::Tensor starts = offsets.to(torch::kCPU).to(torch::kLong).contiguous();
    const std::int64_t* s = starts.data_ptr<std::int64_t>();
    const std::int64_t batch = starts.numel(), n = ids.size(0);
    std::int64_t longest = 1;
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::int64_t end = b + 1 < batch ? s[b + 1] : n;
      longest = std::max(longest, std::min(end - s[b], m_max_len));
    }
    std::vector<std::int64_t> from, to;
    from.reserve(static_cast<std::size_t>(n));
    to.reserve(static_cast<std::size_t>(n));
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::int64_t end = b + 1 < batch ? s[b + 1] : n;
      const std::int64_t len = std::min(end - s[b], m_max_len);
      for (std::int64_t j = 0; j < len; ++j) {
        from.push_back(s[b] + j);
        to.push_back(b * longest + j);
      }
    }
    at::Tensor padded = torch::full({batch, longest}, m_pad, ids.options().dtype(torch::kLong));
    if (!from.empty()) {
      const auto index_options = torch::TensorOptions().dtype(torch::kLong);
      const at::Tensor src = torch::tensor(from, index_options).to(ids.device());
      const at::Tensor dst = torch::tensor(to, index_options).to(ids.device());
      padded.view({-1}).index_copy_(0, dst, ids.to(torch::kLong).index_select(0, src));
    }
    return padded;
  }

  at::Tensor forward(const at::Tensor& ids, const at::Tensor& offsets) {
    const at::Tensor tokens = pad(ids, offsets);  // [B, T]
    // Padding is masked from attention and from the average; an empty text keeps its first
    // (padding) position so that its attention row is not all masked (which gives NaN).
    at::Tensor padding = tokens.eq(m_pad);
    padding.select(1, 0).copy_(padding.select(1, 0).logical_and(padding.all(1).logical_not()));
    const at::Tensor positions = torch::arange(tokens.size(1), tokens.options());
    at::Tensor x = m_embedding->forward(tokens) + m_position->forward(positions).unsqueeze(0);
    x = m_encoder->forward(x.transpose(0, 1), at::Tensor(), padding).transpose(0, 1);  // [B, T, E]
    const at::Tensor keep = padding.logical_not().unsqueeze(-1).to(x.scalar_type());
    x = (x * keep).sum(1) / keep.sum(1).clamp_min(1);
    return m_head->forward(m_norm->forward(x));
  }

  std::int64_t m_pad;
  std::int64_t m_max_len;
  torch::nn::Embedding m_embedding{nullptr};
  torch::nn::Embedding m_position{nullptr};
  torch::nn::TransformerEncoder m_encoder{nullptr};
  torch::nn::LayerNorm m_norm{nullptr};
  torch::nn::Linear m_head{nullptr};
};
TORCH_MODULE(TextTransformerNet);

class TextTransformer final : public Model {
 public:
  TextTransformer(nlohmann::json params, ModelInput input, TextTransformerNet net)
      : Model("text_transformer", std::move(params), std::move(input), net.ptr()),
        m_net(std::move(net)) {}

  at::Tensor forward(const at::Tensor& inputs, const at::Tensor& offsets) override {
    return m_net->forward(inputs, offsets);
  }

 private:
  TextTransformerNet m_net;
};

}  // namespace

nlohmann::json textTransformerDefaults() {
  return {{"d_model", 64},      {"heads", 4},     {"layers", 2},
          {"feedforward", 128}, {"max_len", 128}, {"dropout", 0.1}};
}

Result<std::unique_ptr<Model>> buildTextTransformer(const ParamReader& params,
                                                    const ModelInput& input) {
  auto d_model = params.positiveInt("d_model");
  if (!d_model) return d_model.error();
  auto heads = params.positiveInt("heads");
  if (!heads) return heads.error();
  auto layers = params.positiveInt("layers");
  if (!layers) return layers.error();
  auto feedforward = params.positiveInt("feedforward");
  if (!feedforward) return feedforward.error();
  auto max_len = params.positiveInt("max_len");
  if (!max_len) return max_len.error();
  auto dropout = params.fraction("dropout");
  if (!dropout) return dropout.error();
  if (*d_model % *heads != 0)
    return makeError("d_model (" + std::to_string(*d_model) + ") must be a multiple of heads (" +
                         std::to_string(*heads) + ")",
                     "model.d_model");
  if (*layers > 24)
    return makeError("expected at most 24 layers, got " + std::to_string(*layers), "model.layers");
  if (auto ok = checkText("text_transformer", input); !ok) return ok.error();
  TextTransformerNet net(input.vocabulary, *d_model, *heads, *layers, *feedforward, *max_len,
                         *dropout, input.outputs());
  std::unique_ptr<Model> model =
      std::make_unique<TextTransformer>(params.resolved(), input, std::move(net));
  return model;
}

}  // namespace wb::models::detail
