#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/models/model.h"

namespace wb::models {

/// Builds a model of `type` from its hyperparameters, sized for `input`.
///
/// Types (hyperparameters and defaults: defaultParams()):
/// - "mlp": tables (or flattened images); hidden [64, 64], dropout, activation
///   relu|gelu|tanh|silu; classification or regression.
/// - "lenet": LeNet-5 style CNN for small gray or RGB images (≥ 12 px; adaptive pooling
///   makes 28×28, 32×32 and other sizes work).
/// - "resnet_small": stages of BasicBlocks (16/32/64 channels, BatchNorm) for 32–64 px images.
/// - "resnet18": the standard ResNet-18 layout; a 3×3 stem without max-pooling when the
///   image is below 64 px (stem: auto|small|imagenet).
/// - "text_bag": fastText style EmbeddingBag (mean) over token / n-gram ids, optional hidden
///   layers, then the classes.
/// - "text_transformer": token and position embeddings, a TransformerEncoder (d_model 64,
///   4 heads, 2 layers), masked mean pooling; texts cut at max_len tokens.
///
/// `params` is an object (or null for all defaults); a "type" key in it is ignored, so a
/// config's whole `model:` block can be passed. Weights are initialised from LibTorch's
/// default generator: the same torch::manual_seed gives the same weights.
///
/// Errors name the key and say why: an unknown type lists the valid ones, an unknown
/// hyperparameter suggests the nearest ("model.hiden: unknown key for mlp (did you mean
/// 'hidden'?)"), a bad value ("model.hidden: expected a list of positive integers, got
/// \"abc\""), an input the model cannot take ("input.shape: lenet needs images …").
Result<std::unique_ptr<Model>> buildModel(const std::string& type, const nlohmann::json& params,
                                          const ModelInput& input);

/// The parameter count buildModel() would give, without keeping the model (to show before a
/// launch). Leaves LibTorch's default generator as it found it.
Result<std::int64_t> countParameters(const std::string& type, const nlohmann::json& params,
                                     const ModelInput& input);

/// Rebuilds a model from Model::saveState() bytes alone (type, params and input are in them).
Result<std::unique_ptr<Model>> buildModelFromState(std::string_view state);

/// The model types buildModel() knows, in a stable order.
std::vector<std::string> modelTypes();

/// One line about a model type, for menus and help; empty for an unknown type.
std::string modelDescription(const std::string& type);

/// Every hyperparameter of `type` with its default value (the keys buildModel() accepts).
Result<nlohmann::json> defaultParams(const std::string& type);

}  // namespace wb::models
