// Bundles and models: weights as safetensors, packageModel() and the one loading path. The
// workspace side (a run's checkpoint, signature, lineage and examples) is in package_run.cpp.
#include "core/registry/packaging.h"

#include <torch/torch.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <set>

#include "core/models/model_factory.h"
#include "core/models/torchscript_model.h"
#include "core/objects/object_store.h"
#include "core/registry/safetensors.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace wb::registry {

using Json = nlohmann::json;

static_assert(std::endian::native == std::endian::little, "safetensors bytes are copied as they are in memory");

namespace {

constexpr const char* kWeights = "weights.safetensors";
constexpr const char* kTorchScript = "model.pt";
constexpr const char* kExampleInputs = "examples/inputs.safetensors";
constexpr const char* kExamplesJson = "examples/examples.json";
constexpr double kDefaultTolerance = 1e-5;

std::string dump(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<std::string> dtypeOf(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat: return std::string("F32");
    case at::kDouble: return std::string("F64");
    case at::kLong: return std::string("I64");
    case at::kInt: return std::string("I32");
    case at::kByte: return std::string("U8");
    case at::kBool: return std::string("BOOL");
    default: return makeError(std::string("unsupported tensor type ") + c10::toString(t.scalar_type()));
  }
}

std::optional<at::ScalarType> scalarTypeOf(const std::string& dtype) {
  if (dtype == "F32") return at::kFloat;
  if (dtype == "F64") return at::kDouble;
  if (dtype == "I64") return at::kLong;
  if (dtype == "I32") return at::kInt;
  if (dtype == "U8") return at::kByte;
  if (dtype == "BOOL") return at::kBool;
  return std::nullopt;
}

Result<RawTensor> toRaw(const std::string& name, const at::Tensor& tensor) {
  auto dtype = dtypeOf(tensor);
  if (!dtype) return makeError(dtype.error().message, "tensor '" + name + "'");
  const at::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  RawTensor raw{name, *dtype, t.sizes().vec(), {}};
  raw.bytes.assign(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  return raw;
}

Result<at::Tensor> fromRaw(const RawTensor& raw) {
  auto type = scalarTypeOf(raw.dtype);
  if (!type) return makeError("dtype " + raw.dtype + " is not supported here", "tensor '" + raw.name + "'");
  at::Tensor t = torch::empty(raw.shape, torch::TensorOptions().dtype(*type));
  if (!raw.bytes.empty()) std::memcpy(t.data_ptr(), raw.bytes.data(), raw.bytes.size());
  return t;
}

std::string shapeText(at::IntArrayRef shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::vector<std::pair<std::string, at::Tensor>> stateTensors(const models::Model& model) {
  auto tensors = model.namedParameters();
  for (auto& b : model.namedBuffers()) tensors.push_back(std::move(b));
  return tensors;
}

// "expected" and "predicted" of each example from OUTPUTS (probabilities [N, C] or values [N]).
Status fillExpected(Json& examples, const at::Tensor& outputs, const Json& classes) {
  if (!examples.is_array() || static_cast<std::int64_t>(examples.size()) != outputs.size(0))
    return makeError(std::to_string(examples.size()) + " example records for " + std::to_string(outputs.size(0)) +
                     " example inputs", "examples");
  const at::Tensor out = outputs.to(torch::kDouble).contiguous();
  for (std::int64_t i = 0; i < out.size(0); ++i) {
    Json& e = examples[static_cast<std::size_t>(i)];
    if (out.dim() == 2) {
      const auto* row = out[i].data_ptr<double>();
      e["expected"] = std::vector<double>(row, row + out.size(1));
      const auto best = out[i].argmax().item<std::int64_t>();
      e["predicted"] = classes.is_array() && best < static_cast<std::int64_t>(classes.size())
                           ? classes[static_cast<std::size_t>(best)] : Json(best);
    } else {
      e["expected"] = out[i].item<double>();
      e["predicted"] = out[i].item<double>();
    }
  }
  return {};
}

Result<std::string> exampleTensors(const ModelPackage& p) {
  std::vector<RawTensor> tensors;
  auto in = toRaw("inputs", p.example_inputs);
  if (!in) return in.error();
  tensors.push_back(std::move(*in));
  if (p.example_offsets.defined()) {
    auto off = toRaw("offsets", p.example_offsets);
    if (!off) return off.error();
    tensors.push_back(std::move(*off));
  }
  return writeSafetensors(tensors);
}

}  // namespace

Result<std::string> weightsToSafetensors(const models::Model& model, const std::map<std::string, std::string>& metadata) {
  std::vector<RawTensor> raw;
  try {
    for (const auto& [name, tensor] : stateTensors(model)) {
      auto r = toRaw(name, tensor);
      if (!r) return makeError(r.error().text(), kWeights);
      raw.push_back(std::move(*r));
    }
  } catch (const std::exception& e) {
    return makeError(e.what(), kWeights);
  }
  return writeSafetensors(raw, metadata);
}

Status loadSafetensors(models::Model& model, std::string_view bytes) {
  auto file = readSafetensors(bytes);
  if (!file) return file.error();
  std::map<std::string, const RawTensor*> by_name;
  for (const auto& t : file->tensors) by_name[t.name] = &t;
  auto targets = stateTensors(model);
  // Everything is checked before anything is copied: all or nothing.
  std::set<std::string> wanted;
  for (const auto& [name, tensor] : targets) {
    wanted.insert(name);
    const std::string ctx = std::string(kWeights) + ": tensor '" + name + "'";
    auto it = by_name.find(name);
    if (it == by_name.end()) return makeError("missing (the model has it)", ctx);
    const RawTensor& raw = *it->second;
    if (raw.shape != tensor.sizes().vec())
      return makeError("shape " + shapeText(raw.shape) + " does not match the model's " + shapeText(tensor.sizes()), ctx);
    auto type = scalarTypeOf(raw.dtype);
    if (!type || *type != tensor.scalar_type())
      return makeError("dtype " + raw.dtype + " does not match the model's " + c10::toString(tensor.scalar_type()), ctx);
  }
  for (const auto& t : file->tensors)
    if (!wanted.count(t.name)) return makeError("tensor '" + t.name + "' is not part of a " + model.type() + " model", kWeights);
  try {
    torch::NoGradGuard no_grad;
    for (auto& [name, tensor] : targets) {
      auto src = fromRaw(*by_name.at(name));
      if (!src) return src.error();
      tensor.copy_(src->to(tensor.device()));
    }
  } catch (const std::exception& e) {
    return makeError(e.what(), kWeights);
  }
  return {};
}

Result<PackagedModel> packageModel(models::Model& model, const ModelPackage& p) {
  model.eval();
  const auto task = train::EvalTask::of(p.preprocessing, model.input());
  Json examples = p.examples;
  if (p.example_inputs.defined()) {
    auto out = train::predict(model, p.example_inputs, p.example_offsets, task);
    if (!out) return makeError(out.error().text(), "examples");
    if (auto st = fillExpected(examples, *out, p.signature.value("classes", Json::array())); !st) return st.error();
  }
  auto weights = weightsToSafetensors(model, {{"format", "pt"}, {"type", model.type()}});
  if (!weights) return weights.error();
  PackagedModel out;
  Json meta = {{"format", kBundleFormat},         {"format_version", kBundleFormatVersion},
               {"type", model.type()},            {"params", model.params()},
               {"input", model.input().toJson()}, {"weights", kWeights},
               {"signature", p.signature},        {"preprocessing", p.preprocessing},
               {"metrics", p.metrics},            {"lineage", p.lineage},
               {"description", p.description},    {"tags", p.tags}};
  auto& m = out.files.members;
  m[kWeights] = std::move(*weights);
  if (p.example_inputs.defined()) {
    auto tensors = exampleTensors(p);
    if (!tensors) return makeError(tensors.error().text(), kExampleInputs);
    m[kExampleInputs] = std::move(*tensors);
    m[kExamplesJson] = dump(Json{{"examples", examples}, {"tolerance", kDefaultTolerance}});
    for (const auto& [path, bytes] : p.example_files) m[path] = bytes;
  }
  m["model.json"] = dump(meta);
  m["README.md"] = modelCard(meta);
  NewVersion& v = out.version;
  v.model_type = model.type();
  v.run_id = p.lineage.value("run_id", std::string());
  v.checkpoint = p.lineage.value("checkpoint", std::string());
  v.dataset = p.lineage.value("dataset", std::string());
  v.config_hash = p.lineage.value("config_hash", std::string());
  v.description = p.description;
  v.signature = p.signature;
  v.metrics = p.metrics;
  v.lineage = p.lineage;
  v.tags = p.tags;
  return out;
}

Result<std::string> finishBundle(const BundleFiles& files, const std::string& name, int version) {
  auto meta = files.modelJson();
  if (!meta) return meta.error();
  (*meta)["name"] = name;
  (*meta)["version"] = version;
  BundleFiles done = files;
  done.members["model.json"] = dump(*meta);
  done.members["README.md"] = modelCard(*meta);
  return writeBundle(done);
}

Result<at::Tensor> LoadedModel::predict(const at::Tensor& inputs, const at::Tensor& offsets) {
  if (!model) return makeError("no model loaded");
  return train::predict(*model, inputs, offsets, task);
}

namespace {

Result<LoadedModel> loadFiles(BundleFiles files, const std::string& source) {
  auto meta = files.modelJson();
  if (!meta) return makeError(meta.error().text(), source);
  auto input = models::ModelInput::fromJson(meta->value("input", Json()));
  if (!input) return makeError("model.json: " + input.error().text(), source);
  const std::string weights = meta->value("weights", std::string(kWeights));
  LoadedModel loaded;
  if (weights == kTorchScript) {
    const std::string* archive = files.find(kTorchScript);
    if (!archive) return makeError("model.json names model.pt but the bundle has none", source);
    auto model = models::loadTorchScript(*archive, *input);
    if (!model) return makeError("model.pt: " + model.error().text(), source);
    loaded.model = std::move(*model);
  } else if (weights == kWeights) {
    const std::string* bytes = files.find(kWeights);
    if (!bytes) return makeError("model.json names weights.safetensors but the bundle has none", source);
    auto model = models::buildModel(meta->value("type", std::string()), meta->value("params", Json::object()), *input);
    if (!model) return makeError("model.json: " + model.error().text(), source);
    if (auto st = loadSafetensors(**model, *bytes); !st) return makeError(st.error().text(), source);
    loaded.model = std::move(*model);
  } else {
    return makeError("model.json: unknown weights member \"" + weights + "\"", source);
  }
  loaded.model->eval();
  loaded.task = train::EvalTask::of(meta->value("preprocessing", Json::object()), *input);
  loaded.meta = std::move(*meta);
  loaded.files = std::move(files);
  return loaded;
}

}  // namespace

Result<LoadedModel> loadBundle(std::string_view bytes, const std::string& source) {
  auto files = readBundle(bytes, source);
  if (!files) return files.error();
  return loadFiles(std::move(*files), source);
}

Result<LoadedModel> loadBundleFile(const std::filesystem::path& path) {
  auto files = readBundleFile(path);
  if (!files) return files.error();
  return loadFiles(std::move(*files), path.string());
}

Result<LoadedModel> loadVersion(const Workspace& workspace, std::string_view ref) {
  auto db = workspace.connect();
  if (!db) return db.error();
  objects::ObjectStore objects(workspace.objectsDir());
  ModelRegistry registry(**db, objects);
  auto version = registry.resolve(ref);
  if (!version) return version.error();
  auto bytes = registry.bundleBytes(*version);
  if (!bytes) return bytes.error();
  return loadBundle(*bytes, version->model + "/" + std::to_string(version->version));
}

Result<ExampleBatch> exampleBatch(const BundleFiles& files) {
  const std::string* tensors = files.find(kExampleInputs);
  const std::string* json = files.find(kExamplesJson);
  if (!tensors || !json) return makeError("the bundle has no examples");
  auto st = readSafetensors(*tensors);
  if (!st) return makeError(st.error().message, kExampleInputs);
  ExampleBatch batch;
  for (const auto& raw : st->tensors) {
    auto t = fromRaw(raw);
    if (!t) return makeError(t.error().text(), kExampleInputs);
    if (raw.name == "inputs") batch.inputs = *t;
    else if (raw.name == "offsets") batch.offsets = *t;
  }
  if (!batch.inputs.defined()) return makeError("no tensor 'inputs'", kExampleInputs);
  const Json doc = Json::parse(*json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.value("examples", Json()).is_array())
    return makeError("expected {\"examples\": [...]}", kExamplesJson);
  batch.examples = doc["examples"];
  std::vector<double> values;
  std::int64_t width = -1;
  for (const auto& e : batch.examples) {
    const Json& x = e.value("expected", Json());
    const std::int64_t w = x.is_array() ? static_cast<std::int64_t>(x.size()) : 0;
    if (width >= 0 && w != width) return makeError("examples differ in the size of \"expected\"", kExamplesJson);
    width = w;
    if (x.is_number()) values.push_back(x.get<double>());
    else if (x.is_array()) for (const auto& v : x) values.push_back(v.is_number() ? v.get<double>() : NAN);
    else return makeError("an example without \"expected\"", kExamplesJson);
  }
  const auto n = static_cast<std::int64_t>(batch.examples.size());
  at::Tensor expected = torch::tensor(values, torch::kDouble).to(torch::kFloat);
  batch.expected = width > 0 ? expected.reshape({n, width}) : expected;
  return batch;
}

Result<ExampleCheck> checkExamples(LoadedModel& model) {
  auto batch = exampleBatch(model.files);
  if (!batch) return batch.error();
  auto out = model.predict(batch->inputs, batch->offsets);
  if (!out) return out.error();
  ExampleCheck check;
  check.count = static_cast<int>(batch->examples.size());
  const Json doc = Json::parse(*model.files.find(kExamplesJson), nullptr, false);
  check.tolerance = doc.value("tolerance", kDefaultTolerance);
  if (out->sizes() != batch->expected.sizes())
    return makeError("outputs of shape " + shapeText(out->sizes()) + " where the examples expect " +
                     shapeText(batch->expected.sizes()), kExamplesJson);
  check.max_abs_diff = check.count == 0 ? 0.0
      : (out->to(torch::kDouble) - batch->expected.to(torch::kDouble)).abs().max().item<double>();
  check.passed = check.max_abs_diff <= check.tolerance;
  return check;
}

}  // namespace wb::registry
