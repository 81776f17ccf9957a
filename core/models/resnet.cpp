// "resnet_small" and "resnet18": residual CNNs of BasicBlocks with BatchNorm. Layer names
// follow torchvision (conv1, bn1, layer1.0.conv1, …, fc).
#include <torch/torch.h>

#include "core/models/model_builders.h"

namespace wb::models::detail {

namespace {

enum class Stem { Unknown, Small, ImageNet };

constexpr std::int64_t kImageNetStemMinPx = 64;  // below this the 7×7/2 + pool stem eats the image

struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride) {
    namespace nn = torch::nn;
    m_conv1 = register_module(
        "conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    m_bn1 = register_module("bn1", nn::BatchNorm2d(out));
    m_conv2 = register_module(
        "conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).stride(1).padding(1).bias(false)));
    m_bn2 = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out) {
      m_downsample = register_module(
          "downsample",
          nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                         nn::BatchNorm2d(out)));
    }
  }

  at::Tensor forward(const at::Tensor& x) {
    at::Tensor y = torch::relu(m_bn1->forward(m_conv1->forward(x)));
    y = m_bn2->forward(m_conv2->forward(y));
    return torch::relu(y + (m_downsample ? m_downsample->forward(x) : x));
  }

  torch::nn::Conv2d m_conv1{nullptr};
  torch::nn::BatchNorm2d m_bn1{nullptr};
  torch::nn::Conv2d m_conv2{nullptr};
  torch::nn::BatchNorm2d m_bn2{nullptr};
  torch::nn::Sequential m_downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

struct ResNetLayout {
  std::int64_t in_channels = 3;
  Stem stem = Stem::Small;
  std::vector<std::int64_t> channels;  // per stage; the stem outputs channels[0]
  std::vector<std::int64_t> blocks;    // per stage
  std::int64_t outputs = 1;
  double dropout = 0.0;
  bool zero_init_residual = false;
  bool max_pool_head = false;  // global max instead of average: "is the feature anywhere"
};

struct ResNetNetImpl : torch::nn::Module {
  explicit ResNetNetImpl(const ResNetLayout& layout)
      : m_imagenet_stem(layout.stem == Stem::ImageNet),
        m_max_pool_head(layout.max_pool_head),
        m_dropout(layout.dropout) {
    namespace nn = torch::nn;
    const std::int64_t width = layout.channels[0];
    auto stem = m_imagenet_stem
                    ? nn::Conv2dOptions(layout.in_channels, width, 7).stride(2).padding(3)
                    : nn::Conv2dOptions(layout.in_channels, width, 3).stride(1).padding(1);
    m_conv1 = register_module("conv1", nn::Conv2d(stem.bias(false)));
    m_bn1 = register_module("bn1", nn::BatchNorm2d(width));
    std::int64_t in = width;
    for (std::size_t s = 0; s < layout.channels.size(); ++s) {
      nn::Sequential stage;
      for (std::int64_t b = 0; b < layout.blocks[s]; ++b) {
        const std::int64_t stride = (s > 0 && b == 0) ? 2 : 1;
        stage->push_back(BasicBlock(in, layout.channels[s], stride));
        in = layout.channels[s];
      }
      m_stages.push_back(register_module("layer" + std::to_string(s + 1), stage));
    }
    m_fc = register_module("fc", nn::Linear(in, layout.outputs));

    // torchvision's initialisation: He (fan-out) for convolutions, BatchNorm at identity.
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<nn::Conv2d>())
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
    if (layout.zero_init_residual) {
      // Each block starts as the identity: helps deep nets early in training.
      torch::NoGradGuard no_grad;
      for (auto& module : modules(false))
        if (auto* block = module->as<BasicBlock>()) block->m_bn2->weight.zero_();
    }
  }

  at::Tensor forward(const at::Tensor& inputs) {
    at::Tensor x = torch::relu(m_bn1->forward(m_conv1->forward(inputs)));
    if (m_imagenet_stem) x = torch::max_pool2d(x, 3, 2, 1);
    for (auto& stage : m_stages) x = stage->forward(x);
    x = m_max_pool_head ? std::get<0>(torch::adaptive_max_pool2d(x, {1, 1})).flatten(1)
                        : torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
    if (m_dropout > 0) x = torch::dropout(x, m_dropout, is_training());
    return m_fc->forward(x);
  }

  torch::nn::Conv2d m_conv1{nullptr};
  torch::nn::BatchNorm2d m_bn1{nullptr};
  std::vector<torch::nn::Sequential> m_stages;
  torch::nn::Linear m_fc{nullptr};
  bool m_imagenet_stem;
  bool m_max_pool_head;
  double m_dropout;
};
TORCH_MODULE(ResNetNet);

class ResNet final : public Model {
 public:
  ResNet(std::string type, nlohmann::json params, ModelInput input, ResNetNet net)
      : Model(std::move(type), std::move(params), std::move(input), net.ptr()),
        m_net(std::move(net)) {}

  at::Tensor forward(const at::Tensor& inputs, const at::Tensor& /*offsets*/) override {
    return m_net->forward(inputs);
  }

 private:
  ResNetNet m_net;
};

Result<std::unique_ptr<Model>> makeResNet(const std::string& type, const ParamReader& params,
                                          const ModelInput& input, ResNetLayout layout) {
  auto dropout = params.fraction("dropout");
  if (!dropout) return dropout.error();
  auto zero_init = params.flag("zero_init_residual");
  if (!zero_init) return zero_init.error();
  auto pool = params.choice("pool", {"avg", "max"});
  if (!pool) return pool.error();
  layout.max_pool_head = *pool == "max";
  if (auto ok = checkImage(type, input, 1); !ok) return ok.error();
  layout.in_channels = input.shape[0];
  layout.outputs = input.outputs();
  layout.dropout = *dropout;
  layout.zero_init_residual = *zero_init;
  std::unique_ptr<Model> model =
      std::make_unique<ResNet>(type, params.resolved(), input, ResNetNet(layout));
  return model;
}

}  // namespace

nlohmann::json resnetSmallDefaults() {
  return {
      {"channels", {16, 32, 64}}, {"blocks", 2}, {"pool", "avg"}, {"dropout", 0.0}, {"zero_init_residual", false}};
}

Result<std::unique_ptr<Model>> buildResnetSmall(const ParamReader& params,
                                                const ModelInput& input) {
  auto channels = params.positiveIntList("channels", 1, 6);
  if (!channels) return channels.error();
  auto blocks = params.positiveInt("blocks");
  if (!blocks) return blocks.error();
  ResNetLayout layout;
  layout.stem = Stem::Small;
  layout.channels = *channels;
  layout.blocks.assign(channels->size(), *blocks);
  return makeResNet("resnet_small", params, input, std::move(layout));
}

nlohmann::json resnet18Defaults() {
  return {{"width", 64}, {"stem", "auto"}, {"pool", "avg"}, {"dropout", 0.0}, {"zero_init_residual", false}};
}

Result<std::unique_ptr<Model>> buildResnet18(const ParamReader& params, const ModelInput& input) {
  auto width = params.positiveInt("width");
  if (!width) return width.error();
  auto stem = params.choice("stem", {"auto", "small", "imagenet"});
  if (!stem) return stem.error();
  if (auto ok = checkImage("resnet18", input, 1); !ok) return ok.error();
  ResNetLayout layout;
  const bool small_image = std::min(input.shape[1], input.shape[2]) < kImageNetStemMinPx;
  layout.stem =
      (*stem == "small" || (*stem == "auto" && small_image)) ? Stem::Small : Stem::ImageNet;
  layout.channels = {*width, *width * 2, *width * 4, *width * 8};
  layout.blocks = {2, 2, 2, 2};
  return makeResNet("resnet18", params, input, std::move(layout));
}

}  // namespace wb::models::detail
