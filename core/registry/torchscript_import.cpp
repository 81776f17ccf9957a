// packageTorchScript(): a TorchScript file trained elsewhere plus its signature, checked on a
// random input and packaged through packageModel() with the archive as the weights member.
#include <torch/torch.h>

#include <set>

#include "core/common/clock.h"
#include "core/common/files.h"
#include "core/models/torchscript_model.h"
#include "core/objects/object_store.h"
#include "core/registry/packaging.h"

namespace wb::registry {

using Json = nlohmann::json;

namespace {

constexpr const char* kWeights = "weights.safetensors";
constexpr const char* kTorchScript = "model.pt";
constexpr std::int64_t kCheckBatch = 2;
constexpr std::int64_t kExampleCount = 4;
constexpr std::int64_t kTextLength = 8;  // ids per random text
constexpr std::uint64_t kCheckSeed = 12;
constexpr std::uint64_t kExampleSeed = 13;

// The spec, validated.
struct ImportSpec {
  std::string kind;  // image | table | text
  models::ModelInput input;
  Json classes;  // array, or null for regression
  std::string target;
  Json features;  // array or null
  Json preprocessing = Json::object();
  std::string description;
};

Error keyError(const std::string& key, const std::string& message) {
  return makeError(message, "signature." + key);
}

std::string shapeText(at::IntArrayRef shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

Status checkKeys(const Json& spec) {
  static const std::set<std::string> kKnown = {"kind",        "input_shape", "classes",
                                               "target",      "features",    "preprocessing",
                                               "description", "vocabulary"};
  for (const auto& [key, value] : spec.items())
    if (!kKnown.count(key))
      return keyError(key,
                      "unknown key (expected kind, input_shape, classes or target, features, "
                      "preprocessing, description, vocabulary)");
  return {};
}

Status readShape(const Json& spec, ImportSpec& out) {
  const Json shape = spec.value("input_shape", Json::array());
  if (!shape.is_array()) return keyError("input_shape", "expected a list of positive sizes");
  for (const auto& d : shape) {
    if (!d.is_number_integer() || d.get<std::int64_t>() <= 0)
      return keyError("input_shape", "expected a list of positive sizes, got " + shape.dump());
    out.input.shape.push_back(d.get<std::int64_t>());
  }
  const auto rank = out.input.shape.size();
  if (out.kind == "table" && rank != 1)
    return keyError("input_shape", "a table model takes [features], got " + shape.dump());
  if (out.kind == "image" && rank != 3)
    return keyError("input_shape",
                    "an image model takes [channels, height, width], got " + shape.dump());
  if (out.kind == "text") {
    if (rank != 0)
      return keyError("input_shape", "a text model takes token ids: leave input_shape out");
    const Json vocabulary = spec.value("vocabulary", Json());
    if (!vocabulary.is_number_integer() || vocabulary.get<std::int64_t>() <= 0)
      return keyError("vocabulary",
                      "a text model needs the size of its token id space (a positive integer)");
    out.input.vocabulary = vocabulary.get<std::int64_t>();
  } else if (spec.contains("vocabulary")) {
    return keyError("vocabulary", "only for text models");
  }
  return {};
}

Status readTask(const Json& spec, ImportSpec& out) {
  const bool has_classes = spec.contains("classes");
  if (has_classes == spec.contains("target"))
    return keyError(
        has_classes ? "target" : "classes",
        "give either classes (a classifier's class names) or target (a regression's target name)");
  if (has_classes) {
    const Json& classes = spec["classes"];
    if (!classes.is_array() || classes.size() < 2)
      return keyError(
          "classes",
          "expected a list of at least 2 class names, in the order of the model's outputs");
    for (const auto& c : classes)
      if (!(c.is_string() && !c.get<std::string>().empty()) && !c.is_number_integer())
        return keyError("classes", "expected class names (strings or integers), got " + c.dump());
    out.classes = classes;
    out.input.classes = static_cast<std::int64_t>(classes.size());
  } else {
    if (!spec["target"].is_string() || spec["target"].get<std::string>().empty())
      return keyError("target", "expected the name of the predicted value");
    out.target = spec["target"].get<std::string>();
  }
  return {};
}

Status readExtras(const Json& spec, ImportSpec& out) {
  if (spec.contains("features")) {
    const Json& features = spec["features"];
    if (out.kind != "table") return keyError("features", "only for table models");
    if (!features.is_array() || static_cast<std::int64_t>(features.size()) != out.input.shape[0])
      return keyError("features", "expected a list of " + std::to_string(out.input.shape[0]) +
                                      " names, one per input feature");
    for (const auto& f : features)
      if (!f.is_string() || f.get<std::string>().empty())
        return keyError("features", "expected feature names, got " + f.dump());
    out.features = features;
  }
  if (spec.contains("preprocessing")) {
    if (!spec["preprocessing"].is_object()) return keyError("preprocessing", "expected an object");
    out.preprocessing = spec["preprocessing"];
  }
  if (spec.contains("description")) {
    if (!spec["description"].is_string()) return keyError("description", "expected a string");
    out.description = spec["description"].get<std::string>();
  }
  return {};
}

Result<ImportSpec> readSpec(const Json& spec) {
  if (!spec.is_object()) return makeError("expected a JSON object", "signature");
  if (auto st = checkKeys(spec); !st) return st.error();
  ImportSpec out;
  const Json kind = spec.value("kind", Json());
  if (!kind.is_string() || (kind != "table" && kind != "image" && kind != "text"))
    return keyError("kind", "expected \"table\", \"image\" or \"text\"");
  out.kind = kind.get<std::string>();
  if (auto st = readShape(spec, out); !st) return st.error();
  if (auto st = readTask(spec, out); !st) return st.error();
  if (auto st = readExtras(spec, out); !st) return st.error();
  return out;
}

// The signature of bundle.h.
Json signatureOf(const ImportSpec& s) {
  const bool text = s.kind == "text";
  const bool classification = s.input.classes > 0;
  Json shape = Json::array({-1});
  for (auto d : s.input.shape) shape.push_back(d);
  Json inputs =
      Json::array({{{"name", "input"}, {"datatype", text ? "INT64" : "FP32"}, {"shape", shape}}});
  if (text) inputs.push_back({{"name", "offsets"}, {"datatype", "INT64"}, {"shape", {-1}}});
  Json sig = {{"kind", s.kind},
              {"task", classification ? "classification" : "regression"},
              {"inputs", inputs},
              {"outputs",
               Json::array({{{"name", classification ? "probabilities" : "value"},
                             {"datatype", "FP32"},
                             {"shape", classification ? Json{-1, s.input.classes} : Json{-1}}}})}};
  if (classification)
    sig["classes"] = s.classes;
  else
    sig["target"] = s.target;
  if (s.features.is_array()) sig["features"] = s.features;
  return sig;
}

struct Batch {
  at::Tensor inputs, offsets;
};

// BATCH seeded random inputs; texts as KTEXTLENGTH ids each, with offsets or as [B, L] bags.
Batch randomBatch(const models::ModelInput& input, std::int64_t batch, std::uint64_t seed,
                  bool offsets) {
  auto generator = at::detail::createCPUGenerator(seed);
  if (input.shape.empty()) {
    if (!offsets)
      return {torch::randint(input.vocabulary, {batch, kTextLength}, generator, torch::kLong), {}};
    return {torch::randint(input.vocabulary, {batch * kTextLength}, generator, torch::kLong),
            torch::arange(batch, torch::kLong) * kTextLength};
  }
  std::vector<std::int64_t> sizes{batch};
  sizes.insert(sizes.end(), input.shape.begin(), input.shape.end());
  return {torch::randn(sizes, generator, torch::kFloat), {}};
}

// The line that says what failed: the interpreter's "RuntimeError: …" under its traceback.
std::string scriptFailure(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string what = c10 ? c10->what_without_backtrace() : e.what();
  if (const auto at = what.rfind("RuntimeError: "); at != std::string::npos) what.erase(0, at + 14);
  return what.substr(0, what.find('\n'));
}

// Runs MODEL on a random batch and checks the outputs' shape. Texts: offsets when forward()
// takes them, else [B, L] bags; returns which.
Result<bool> checkRuns(models::Model& model) {
  const auto& input = model.input();
  std::string failure;
  for (const bool offsets :
       input.shape.empty() ? std::vector<bool>{true, false} : std::vector<bool>{false}) {
    const Batch batch = randomBatch(input, kCheckBatch, kCheckSeed, offsets);
    if (auto st = model.checkInput(batch.inputs, batch.offsets); !st) return st.error();
    at::Tensor out;
    try {
      torch::NoGradGuard no_grad;
      out = model.forward(batch.inputs, batch.offsets);
    } catch (const std::exception& e) {
      failure += (failure.empty() ? "" : "; ") + scriptFailure(e);
      continue;
    }
    const std::vector<std::int64_t> want{kCheckBatch, input.outputs()};
    if (out.sizes() != c10::IntArrayRef(want))
      return makeError("outputs of shape " + shapeText(out.sizes()) + " for " +
                       std::to_string(kCheckBatch) + " inputs; the signature needs " +
                       (input.classes > 0
                            ? "[B, " + std::to_string(input.classes) + "] (one per class)"
                            : std::string("[B, 1] or [B] (regression)")));
    return offsets;
  }
  return makeError("the model does not run on an input of the signature's shape (" + input.text() +
                   "): " + failure);
}

// The examples' records (bundle.h): random inputs have no key, label or original file; a
// table's input names its features, others point at their row of examples/inputs.safetensors.
Json exampleRecords(const ImportSpec& s, const at::Tensor& inputs) {
  Json records = Json::array();
  for (std::int64_t k = 0; k < kExampleCount; ++k) {
    Json raw = {{"inputs_row", k}};
    if (s.kind == "table") {
      raw = Json::object();
      const auto row = inputs[k].to(torch::kDouble).contiguous();
      for (std::int64_t f = 0; f < row.numel(); ++f) {
        const std::string name = s.features.is_array()
                                     ? s.features[static_cast<std::size_t>(f)].get<std::string>()
                                     : "f" + std::to_string(f);
        raw[name] = row[f].item<double>();
      }
    }
    records.push_back({{"key", "random/" + std::to_string(k)}, {"label", nullptr}, {"input", raw}});
  }
  return records;
}

std::string dump(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

// packageModel() wrote weights.safetensors; an imported model keeps its archive instead.
Status useArchiveAsWeights(PackagedModel& packaged, const std::string& archive) {
  auto& members = packaged.files.members;
  auto meta = packaged.files.modelJson();
  if (!meta) return meta.error();
  (*meta)["weights"] = kTorchScript;
  members.erase(kWeights);
  members[kTorchScript] = archive;
  members["model.json"] = dump(*meta);
  members["README.md"] = modelCard(*meta);
  return {};
}

}  // namespace

Result<PackagedModel> packageTorchScript(const std::filesystem::path& file,
                                         const TorchScriptSpec& spec) {
  auto parsed = readSpec(spec.signature);
  if (!parsed) return parsed.error();
  const ImportSpec& s = *parsed;
  auto archive = readFileBytes(file);
  if (!archive) return archive.error();
  const std::string source = file.string();
  auto model = models::loadTorchScript(*archive, s.input);
  if (!model) return makeError(model.error().text(), source);
  auto offsets = checkRuns(**model);
  if (!offsets) return makeError(offsets.error().text(), source);

  ModelPackage p;
  p.preprocessing = s.preprocessing;
  p.signature = signatureOf(s);
  const double now = unixNow();
  p.lineage = {{"source", file.filename().string()},
               {"sha256", objects::sha256Hex(archive->data(), archive->size())},
               {"imported_at", now},
               {"created_at", now},
               {"workbench_version", workbenchVersion()}};
  p.description = s.description;
  const Batch examples = randomBatch(s.input, kExampleCount, kExampleSeed, *offsets);
  p.example_inputs = examples.inputs;
  p.example_offsets = examples.offsets;
  p.examples = exampleRecords(s, examples.inputs);
  auto packaged = packageModel(**model, p);
  if (!packaged) return makeError(packaged.error().text(), source);
  if (auto st = useArchiveAsWeights(*packaged, *archive); !st) return st.error();
  packaged->version.source = "import:torchscript";
  return packaged;
}

}  // namespace wb::registry
