// ONNX export: walks the zoo model's layers by their dotted tensor names (the layouts of
// core/models/mlp.cpp, lenet.cpp and resnet.cpp) and writes the same computation at opset 13.
#include "core/registry/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <set>

#include "core/registry/onnx_graph.h"

#ifndef WB_VERSION
#define WB_VERSION "unknown"
#endif

namespace wb::registry {

namespace {

using onnx_detail::Attr;
using onnx_detail::ExportError;
using onnx_detail::GraphWriter;
using onnx_detail::TensorSource;

using Ints = std::vector<std::int64_t>;

enum class Activation { Relu, Gelu, Tanh, Silu };

constexpr std::int64_t kLenetPooled = 5;  // lenet.cpp's adaptive pool to 5×5
constexpr float kBatchNormEps = 1e-5f;    // LibTorch's BatchNorm2d default

Activation activationOf(const models::Model& model) {
  const auto name = model.params().value("activation", std::string("relu"));
  if (name == "relu") return Activation::Relu;
  if (name == "gelu") return Activation::Gelu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "silu") return Activation::Silu;
  throw ExportError("activation '" + name + "' has no ONNX translation here");
}

/// Why a model type cannot be exported, or empty when it can.
std::string refusal(const std::string& type) {
  const std::string instead =
      "; use the bundle (--format bundle) or the safetensors weights (--format safetensors) "
      "instead";
  if (type == "text_bag")
    return "text_bag cannot be exported to ONNX: its EmbeddingBag averages variable-length "
           "token lists located by offsets, which ONNX opset 13 has no operator for (nor "
           "OpenCV's dnn runtime)" + instead;
  if (type == "text_transformer")
    return "text_transformer cannot be exported to ONNX: it embeds variable-length token lists "
           "located by offsets and averages them under a padding mask, which this exporter "
           "cannot express at opset 13 (nor OpenCV's dnn runtime run)" + instead;
  if (type == "torchscript")
    return "an imported TorchScript model cannot be exported to ONNX: Workbench does not know "
           "its layers, only the scripted code does; use the bundle (--format bundle), or "
           "export to ONNX from the PyTorch code that made it";
  if (type != "mlp" && type != "lenet" && type != "resnet_small" && type != "resnet18")
    return "ONNX export supports mlp, lenet, resnet_small and resnet18, not '" + type + "'";
  return {};
}

/// Emits the layers of one model into a graph.
class LayerWriter {
 public:
  LayerWriter(GraphWriter& graph, TensorSource& tensors) : m_g(graph), m_t(tensors) {}

  /// Gemm with PREFIX.weight (or WEIGHT, an initializer already added) and PREFIX.bias.
  std::string linear(const std::string& x, const std::string& prefix,
                     const std::string& weight = {}) {
    const std::string w = weight.empty() ? m_g.tensor(prefix + ".weight", m_t.at(prefix + ".weight"))
                                         : weight;
    const std::string b = m_g.tensor(prefix + ".bias", m_t.at(prefix + ".bias"));
    return m_g.node("Gemm", {x, w, b}, prefix, {{"transB", std::int64_t{1}}});
  }

  std::string conv(const std::string& x, const std::string& prefix, std::int64_t stride,
                   std::int64_t pad) {
    const at::Tensor& weight = m_t.at(prefix + ".weight");
    std::vector<std::string> inputs{x, m_g.tensor(prefix + ".weight", weight)};
    if (m_t.has(prefix + ".bias")) inputs.push_back(m_g.tensor(prefix + ".bias", m_t.at(prefix + ".bias")));
    return m_g.node("Conv", inputs, prefix,
                    {{"kernel_shape", Ints{weight.size(2), weight.size(3)}},
                     {"strides", Ints{stride, stride}},
                     {"pads", Ints{pad, pad, pad, pad}}});
  }

  /// Evaluation mode: the running statistics.
  std::string batchNorm(const std::string& x, const std::string& prefix) {
    std::vector<std::string> inputs{x};
    for (const char* name : {".weight", ".bias", ".running_mean", ".running_var"})
      inputs.push_back(m_g.tensor(prefix + name, m_t.at(prefix + name)));
    return m_g.node("BatchNormalization", inputs, prefix, {{"epsilon", kBatchNormEps}});
  }

  std::string activation(const std::string& x, Activation kind, const std::string& name) {
    switch (kind) {
      case Activation::Relu:
        return m_g.node("Relu", {x}, name + ".relu");
      case Activation::Tanh:
        return m_g.node("Tanh", {x}, name + ".tanh");
      case Activation::Silu:
        return m_g.node("Mul", {x, m_g.node("Sigmoid", {x}, name + ".sigmoid")}, name + ".silu");
      case Activation::Gelu: {
        // Exact GELU (LibTorch's default): x · ½ · (1 + erf(x / √2)).
        const auto scaled = m_g.node("Div", {x, m_g.scalar(name + ".sqrt2", std::sqrt(2.0f))},
                                     name + ".gelu_div");
        const auto erf = m_g.node("Erf", {scaled}, name + ".gelu_erf");
        const auto one = m_g.node("Add", {erf, m_g.scalar(name + ".one", 1.0f)}, name + ".gelu_add");
        const auto times = m_g.node("Mul", {x, one}, name + ".gelu_mul");
        return m_g.node("Mul", {times, m_g.scalar(name + ".half", 0.5f)}, name + ".gelu");
      }
    }
    return x;
  }

  std::string pool(const std::string& op, const std::string& x, Ints kernel, Ints strides,
                   std::int64_t pad, const std::string& name) {
    return m_g.node(op, {x}, name,
                    {{"kernel_shape", std::move(kernel)},
                     {"strides", std::move(strides)},
                     {"pads", Ints{pad, pad, pad, pad}}});
  }

  /// hidden.0, hidden.1, …, each followed by the activation (dropout is off in evaluation).
  /// FIRST_WEIGHT replaces hidden.0's weight (LeNet's pooling folded in).
  std::string hiddenLayers(std::string x, Activation kind, const std::string& first_weight = {}) {
    for (int i = 0; m_t.has("hidden." + std::to_string(i) + ".weight"); ++i) {
      const std::string prefix = "hidden." + std::to_string(i);
      x = activation(linear(x, prefix, i == 0 ? first_weight : std::string()), kind, prefix);
    }
    return x;
  }

  GraphWriter& graph() { return m_g; }
  TensorSource& tensors() { return m_t; }

 private:
  GraphWriter& m_g;
  TensorSource& m_t;
};

std::string writeMlp(LayerWriter& w, const models::Model& model, std::string x) {
  if (model.input().shape.size() > 1)
    x = w.graph().node("Flatten", {x}, "flatten", {{"axis", std::int64_t{1}}});
  return w.linear(w.hiddenLayers(x, activationOf(model)), "head");
}

/// One axis of LeNet's adaptive pooling as a plain pool: {kernel, stride}, or {0, 0} when its
/// windows differ in size or spacing.
std::pair<std::int64_t, std::int64_t> fixedPool(std::int64_t in, std::int64_t out) {
  const auto windows = onnx_detail::adaptiveWindows(in, out);
  const std::int64_t kernel = windows[0].second - windows[0].first;
  const std::int64_t stride = out > 1 ? windows[1].first - windows[0].first : kernel;
  for (std::int64_t i = 0; i < out; ++i) {
    const auto [start, end] = windows[static_cast<std::size_t>(i)];
    if (end - start != kernel || start != i * stride) return {0, 0};
  }
  return {kernel, stride};
}

/// The first Linear after LeNet's adaptive pooling, with the pooling folded into its weight:
/// average pooling is linear, so pool-then-Linear equals one Linear on the unpooled map.
std::string foldPoolIntoWeight(LayerWriter& w, const std::string& prefix, std::int64_t channels,
                               std::int64_t h, std::int64_t wd) {
  const at::Tensor weight = w.tensors().at(prefix + ".weight").detach().cpu().to(at::kFloat).contiguous();
  const std::int64_t outputs = weight.size(0), pooled = kLenetPooled * kLenetPooled;
  if (weight.size(1) != channels * pooled)
    throw ExportError(prefix + ".weight has " + std::to_string(weight.size(1)) +
                      " inputs, expected " + std::to_string(channels * pooled));
  const auto rows = onnx_detail::adaptiveWindows(h, kLenetPooled);
  const auto cols = onnx_detail::adaptiveWindows(wd, kLenetPooled);
  const float* src = weight.data_ptr<float>();
  std::vector<double> folded(static_cast<std::size_t>(outputs * channels * h * wd), 0.0);
  for (std::int64_t o = 0; o < outputs; ++o)
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t i = 0; i < kLenetPooled; ++i)
        for (std::int64_t j = 0; j < kLenetPooled; ++j) {
          const auto [r0, r1] = rows[static_cast<std::size_t>(i)];
          const auto [c0, c1] = cols[static_cast<std::size_t>(j)];
          const double share = src[(o * channels + c) * pooled + i * kLenetPooled + j] /
                               static_cast<double>((r1 - r0) * (c1 - c0));
          for (std::int64_t y = r0; y < r1; ++y)
            for (std::int64_t x = c0; x < c1; ++x)
              folded[static_cast<std::size_t>(((o * channels + c) * h + y) * wd + x)] += share;
        }
  return w.graph().floats(prefix + ".weight_pooled", {outputs, channels * h * wd},
                          std::vector<float>(folded.begin(), folded.end()));
}

std::string writeLenet(LayerWriter& w, const models::Model& model, std::string x) {
  const Activation kind = activationOf(model);
  GraphWriter& g = w.graph();
  x = w.pool("MaxPool", w.activation(w.conv(x, "conv1", 1, 2), kind, "conv1"), {2, 2}, {2, 2}, 0, "pool1");
  x = w.pool("MaxPool", w.activation(w.conv(x, "conv2", 1, 0), kind, "conv2"), {2, 2}, {2, 2}, 0, "pool2");
  // Spatial size after conv1 (5×5, pad 2), pool, conv2 (k×k, no pad), pool.
  const std::int64_t k1 = w.tensors().at("conv1.weight").size(2);
  const std::int64_t k2 = w.tensors().at("conv2.weight").size(2);
  const auto after = [&](std::int64_t px) { return ((px + 4 - k1 + 1) / 2 - k2 + 1) / 2; };
  const std::int64_t h = after(model.input().shape[1]), wd = after(model.input().shape[2]);
  const std::int64_t channels = w.tensors().at("conv2.weight").size(0);
  const auto [kh, sh] = fixedPool(h, kLenetPooled);
  const auto [kw, sw] = fixedPool(wd, kLenetPooled);
  const bool identity = h == kLenetPooled && wd == kLenetPooled;
  const bool fold = !identity && (kh == 0 || kw == 0);
  if (!identity && !fold) x = w.pool("AveragePool", x, {kh, kw}, {sh, sw}, 0, "adaptive_pool");
  x = g.node("Flatten", {x}, "flatten", {{"axis", std::int64_t{1}}});
  const bool has_hidden = w.tensors().has("hidden.0.weight");
  const std::string folded =
      fold ? foldPoolIntoWeight(w, has_hidden ? "hidden.0" : "head", channels, h, wd) : "";
  if (!has_hidden) return w.linear(x, "head", folded);
  return w.linear(w.hiddenLayers(x, kind, folded), "head");
}

std::string writeBasicBlock(LayerWriter& w, const std::string& x, const std::string& p,
                            std::int64_t stride) {
  GraphWriter& g = w.graph();
  std::string y = g.node("Relu", {w.batchNorm(w.conv(x, p + "conv1", stride, 1), p + "bn1")},
                         p + "relu1");
  y = w.batchNorm(w.conv(y, p + "conv2", 1, 1), p + "bn2");
  const std::string skip =
      w.tensors().has(p + "downsample.0.weight")
          ? w.batchNorm(w.conv(x, p + "downsample.0", stride, 0), p + "downsample.1")
          : x;
  return g.node("Relu", {g.node("Add", {y, skip}, p + "add")}, p + "relu2");
}

std::string writeResNet(LayerWriter& w, const models::Model& model, std::string x) {
  GraphWriter& g = w.graph();
  const bool imagenet_stem = w.tensors().at("conv1.weight").size(2) == 7;
  x = w.conv(x, "conv1", imagenet_stem ? 2 : 1, imagenet_stem ? 3 : 1);
  x = g.node("Relu", {w.batchNorm(x, "bn1")}, "relu");
  if (imagenet_stem) x = w.pool("MaxPool", x, {3, 3}, {2, 2}, 1, "maxpool");
  for (int s = 1; w.tensors().has("layer" + std::to_string(s) + ".0.conv1.weight"); ++s) {
    const std::string stage = "layer" + std::to_string(s) + ".";
    for (int b = 0; w.tensors().has(stage + std::to_string(b) + ".conv1.weight"); ++b)
      x = writeBasicBlock(w, x, stage + std::to_string(b) + ".", (s > 1 && b == 0) ? 2 : 1);
  }
  // Adaptive pooling to 1×1 is global pooling at any input size.
  const bool max_head = model.params().value("pool", std::string("avg")) == "max";
  x = g.node(max_head ? "GlobalMaxPool" : "GlobalAveragePool", {x}, "pool");
  x = g.node("Flatten", {x}, "flatten", {{"axis", std::int64_t{1}}});
  return w.linear(x, "fc");
}

/// Softmax, or the regression value in target units ([N, 1] → [N]), as LoadedModel::predict.
void writeHead(GraphWriter& g, const std::string& logits, const train::EvalTask& task) {
  if (task.classification) {
    g.node("Softmax", {logits}, "probabilities", {{"axis", std::int64_t{1}}});
    return;
  }
  const auto scaled = g.node(
      "Mul", {logits, g.scalar("target_scale", static_cast<float>(task.target_scale))}, "scaled");
  const auto shifted = g.node(
      "Add", {scaled, g.scalar("target_mean", static_cast<float>(task.target_mean))}, "shifted");
  g.node("Reshape", {shifted, g.int64s("value_shape", {-1})}, "value");
}

void setTensorType(onnx::ValueInfoProto& info, const std::string& name, const Ints& dims) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("batch");
  for (const auto d : dims) shape->add_dim()->set_dim_value(d);
}

void addMetadata(onnx::ModelProto& proto, const std::string& key, const nlohmann::json& value) {
  auto* entry = proto.add_metadata_props();
  entry->set_key(key);
  entry->set_value(value.dump());
}

void writeModelInfo(onnx::ModelProto& proto, const LoadedModel& loaded, int opset) {
  const auto& model = *loaded.model;
  const nlohmann::json& meta = loaded.meta;
  proto.set_ir_version(onnx::IR_VERSION);
  auto* op = proto.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  proto.set_producer_name("Workbench");
  proto.set_producer_version(WB_VERSION);
  if (meta.contains("version") && meta["version"].is_number_integer())
    proto.set_model_version(meta["version"].get<std::int64_t>());
  const std::string name = meta.value("name", model.type());
  proto.set_doc_string("Workbench model " + name + " (" + model.type() + ", " +
                       model.input().text() + ")");
  proto.mutable_graph()->set_name(name);
  addMetadata(proto, "workbench.signature", meta.value("signature", nlohmann::json()));
  addMetadata(proto, "workbench.preprocessing", meta.value("preprocessing", nlohmann::json()));
  nlohmann::json description = {
      {"type", model.type()}, {"params", model.params()}, {"input", model.input().toJson()}};
  for (const char* key : {"name", "version"})
    if (meta.contains(key)) description[key] = meta[key];
  addMetadata(proto, "workbench.model", description);
}

/// The graph itself: input, layers, head, output.
void writeGraph(onnx::ModelProto& proto, const LoadedModel& loaded) {
  const auto& model = *loaded.model;
  auto* graph = proto.mutable_graph();
  setTensorType(*graph->add_input(), "input", model.input().shape);
  std::map<std::string, at::Tensor> tensors;
  for (auto& [name, t] : model.namedParameters()) tensors.emplace(name, t);
  for (auto& [name, t] : model.namedBuffers()) tensors.emplace(name, t);
  TensorSource source(tensors);
  GraphWriter g(*graph);
  LayerWriter w(g, source);
  const std::string& type = model.type();
  const std::string logits = type == "mlp"     ? writeMlp(w, model, "input")
                             : type == "lenet" ? writeLenet(w, model, "input")
                                               : writeResNet(w, model, "input");
  // A parameter the walk did not use means the model's layout changed under the exporter.
  for (const auto& [name, t] : model.namedParameters())
    if (!source.used(name))
      throw ExportError("parameter '" + name + "' has no place in the exported graph");
  writeHead(g, logits, loaded.task);
  if (loaded.task.classification)
    setTensorType(*graph->add_output(), "probabilities", {model.input().classes});
  else
    setTensorType(*graph->add_output(), "value", {});
}

/// The C++ checker, then strict shape inference (on a copy) so mismatched sizes fail here.
void validate(const onnx::ModelProto& proto) {
  onnx::checker::check_model(proto);
  onnx::ModelProto copy = proto;
  onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(),
                                     onnx::ShapeInferenceOptions(true, 1, false));
}

}  // namespace

Result<std::string> exportOnnx(const LoadedModel& loaded, int opset) {
  if (!loaded.model) return makeError("no model is loaded", "onnx export");
  const std::string& type = loaded.model->type();
  const std::string context = "onnx export (" + type + ")";
  if (auto why = refusal(type); !why.empty()) return makeError(why, context);
  if (opset != kOnnxOpset)
    return makeError("opset " + std::to_string(opset) + " is not supported; the exporter writes opset " +
                         std::to_string(kOnnxOpset),
                     context);
  if (loaded.task.classification != (loaded.model->input().classes > 0))
    return makeError("the task (classification or regression) does not match the model's outputs",
                     context);
  try {
    onnx::ModelProto proto;
    writeModelInfo(proto, loaded, opset);
    writeGraph(proto, loaded);
    validate(proto);
    std::string bytes;
    if (!proto.SerializeToString(&bytes)) return makeError("protobuf could not serialise the graph", context);
    return bytes;
  } catch (const ExportError& e) {
    return makeError(e.what(), context);
  } catch (const onnx::checker::ValidationError& e) {
    return makeError(std::string("the ONNX checker rejects the graph: ") + e.what(), context);
  } catch (const std::exception& e) {
    return makeError(std::string("the graph is not valid ONNX: ") + e.what(), context);
  }
}

}  // namespace wb::registry
