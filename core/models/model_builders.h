#pragma once

// Internal to core/models: what each model file gives the factory. Included only by
// core/models/*.cpp, which have <torch/torch.h> precompiled.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/models/model.h"
#include "core/models/param_reader.h"

namespace wb::models::detail {

enum class Activation { Unknown, Relu, Gelu, Tanh, Silu };

/// Reads key "activation": relu|gelu|tanh|silu.
Result<Activation> readActivation(const ParamReader& params);
at::Tensor activate(Activation activation, const at::Tensor& x);

/// classes is 0 (regression) or ≥ 2.
Status checkOutputs(const std::string& type, const ModelInput& input);
/// A {C, H, W} image input with H, W ≥ min_px.
Status checkImage(const std::string& type, const ModelInput& input, std::int64_t min_px);
/// A text input (no shape) with a token id space (vocabulary > 0).
Status checkText(const std::string& type, const ModelInput& input);

using BuildFunction = Result<std::unique_ptr<Model>> (*)(const ParamReader&, const ModelInput&);

nlohmann::json mlpDefaults();
Result<std::unique_ptr<Model>> buildMlp(const ParamReader& params, const ModelInput& input);
nlohmann::json lenetDefaults();
Result<std::unique_ptr<Model>> buildLenet(const ParamReader& params, const ModelInput& input);
nlohmann::json resnetSmallDefaults();
Result<std::unique_ptr<Model>> buildResnetSmall(const ParamReader& params, const ModelInput& input);
nlohmann::json resnet18Defaults();
Result<std::unique_ptr<Model>> buildResnet18(const ParamReader& params, const ModelInput& input);
nlohmann::json textBagDefaults();
Result<std::unique_ptr<Model>> buildTextBag(const ParamReader& params, const ModelInput& input);
nlohmann::json textTransformerDefaults();
Result<std::unique_ptr<Model>> buildTextTransformer(const ParamReader& params,
                                                    const ModelInput& input);

}  // namespace wb::models::detail
