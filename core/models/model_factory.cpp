#include "core/models/model_factory.h"

#include <torch/torch.h>

#include <array>
#include <mutex>

#include "core/models/model_builders.h"

namespace wb::models {

namespace detail {

Result<Activation> readActivation(const ParamReader& params) {
  auto name = params.choice("activation", {"relu", "gelu", "tanh", "silu"});
  if (!name) return name.error();
  if (*name == "gelu") return Activation::Gelu;
  if (*name == "tanh") return Activation::Tanh;
  if (*name == "silu") return Activation::Silu;
  return Activation::Relu;
}

at::Tensor activate(Activation activation, const at::Tensor& x) {
  switch (activation) {
    case Activation::Gelu:
      return torch::gelu(x);
    case Activation::Tanh:
      return torch::tanh(x);
    case Activation::Silu:
      return torch::silu(x);
    case Activation::Relu:
    case Activation::Unknown:
      break;
  }
  return torch::relu(x);
}

Status checkOutputs(const std::string& type, const ModelInput& input) {
  if (input.classes == 1 || input.classes < 0)
    return makeError(
        type + " needs 0 (regression) or at least 2 classes, got " + std::to_string(input.classes),
        "input.classes");
  return {};
}

Status checkImage(const std::string& type, const ModelInput& input, std::int64_t min_px) {
  const auto& s = input.shape;
  if (s.size() != 3 || s[0] <= 0)
    return makeError(
        type + " needs images ({C, H, W}), got " + (s.empty() ? std::string("text") : input.text()),
        "input.shape");
  if (s[1] < min_px || s[2] < min_px)
    return makeError(type + " needs images of at least " + std::to_string(min_px) + "×" +
                         std::to_string(min_px) + " px, got " + std::to_string(s[1]) + "×" +
                         std::to_string(s[2]),
                     "input.shape");
  return {};
}

Status checkText(const std::string& type, const ModelInput& input) {
  if (!input.shape.empty())
    return makeError(type + " needs text input (token ids), got " + input.text(), "input.shape");
  if (input.vocabulary <= 0)
    return makeError(
        type + " needs the size of the token id space, got " + std::to_string(input.vocabulary),
        "input.vocabulary");
  return {};
}

}  // namespace detail

namespace {

struct ModelKind {
  const char* type;
  const char* description;
  nlohmann::json (*defaults)();
  detail::BuildFunction build;
};

constexpr std::array kKinds{
    ModelKind{"mlp", "Multi-layer perceptron for tables (classification or regression)",
              detail::mlpDefaults, detail::buildMlp},
    ModelKind{"lenet", "LeNet-5 style CNN for small gray or RGB images", detail::lenetDefaults,
              detail::buildLenet},
    ModelKind{"resnet_small", "Small ResNet (BasicBlocks, BatchNorm) for 32-64 px images",
              detail::resnetSmallDefaults, detail::buildResnetSmall},
    ModelKind{"resnet18", "ResNet-18; 3x3 stem without max-pool below 64 px",
              detail::resnet18Defaults, detail::buildResnet18},
    ModelKind{"text_bag", "fastText style EmbeddingBag text classifier over token/n-gram ids",
              detail::textBagDefaults, detail::buildTextBag},
    ModelKind{"text_transformer",
              "Small Transformer encoder text classifier (word order, masked mean pooling)",
              detail::textTransformerDefaults, detail::buildTextTransformer},
};

const ModelKind* findKind(const std::string& type) {
  for (const auto& kind : kKinds)
    if (type == kind.type) return &kind;
  return nullptr;
}

Error unknownType(const std::string& type) {
  std::string list;
  for (const auto& kind : kKinds) list += (list.empty() ? "" : ", ") + std::string(kind.type);
  return makeError("unknown model type '" + type + "'; valid types: " + list, "model.type");
}

}  // namespace

Result<std::unique_ptr<Model>> buildModel(const std::string& type, const nlohmann::json& params,
                                          const ModelInput& input) {
  const ModelKind* kind = findKind(type);
  if (!kind) return unknownType(type);
  auto reader = detail::ParamReader::create(type, params, kind->defaults());
  if (!reader) return reader.error();
  if (auto ok = detail::checkOutputs(type, input); !ok) return ok.error();
  try {
    return kind->build(*reader, input);
  } catch (const c10::Error& e) {
    return makeError(e.what_without_backtrace(), "model " + type);
  } catch (const std::exception& e) {
    return makeError(e.what(), "model " + type);
  }
}

Result<std::int64_t> countParameters(const std::string& type, const nlohmann::json& params,
                                     const ModelInput& input) {
  // Building draws initial weights: keep the caller's random stream where it was.
  auto generator = at::detail::getDefaultCPUGenerator();
  at::Tensor state;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    state = generator.get_state();
  }
  auto model = buildModel(type, params, input);
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
  }
  if (!model) return model.error();
  return (*model)->parameterCount();
}

Result<std::unique_ptr<Model>> buildModelFromState(std::string_view state) {
  nlohmann::json meta;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(state.data(), state.size());
    c10::IValue value;
    if (!archive.try_read("workbench_model", value) || !value.isString())
      return makeError("no model description (not saved by Model::saveState)", "model state");
    meta = nlohmann::json::parse(value.toStringRef(), nullptr, false);
  } catch (const std::exception& e) {
    const auto* c10 = dynamic_cast<const c10::Error*>(&e);
    return makeError(c10 ? c10->what_without_backtrace() : e.what(), "model state");
  }
  if (!meta.is_object() || !meta.contains("type") || !meta["type"].is_string())
    return makeError("unreadable model description", "model state");
  auto input = ModelInput::fromJson(meta.value("input", nlohmann::json::object()));
  if (!input) return input.error();
  auto model = buildModel(meta["type"].get<std::string>(),
                          meta.value("params", nlohmann::json::object()), *input);
  if (!model) return model.error();
  if (auto loaded = (*model)->loadState(state); !loaded) return loaded.error();
  return model;
}

std::vector<std::string> modelTypes() {
  std::vector<std::string> out;
  for (const auto& kind : kKinds) out.emplace_back(kind.type);
  return out;
}

std::string modelDescription(const std::string& type) {
  const ModelKind* kind = findKind(type);
  return kind ? kind->description : std::string();
}

Result<nlohmann::json> defaultParams(const std::string& type) {
  const ModelKind* kind = findKind(type);
  if (!kind) return unknownType(type);
  return kind->defaults();
}

}  // namespace wb::models
