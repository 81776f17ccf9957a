// packageRun(): a run's checkpoint, preprocessing, dataset version, metrics and test samples,
// gathered into a ModelPackage for packageModel().
#include <torch/torch.h>

#include <fstream>

#include "core/common/clock.h"
#include "core/data/dataset_repository.h"
#include "core/data/feature_transforms.h"
#include "core/data/importer.h"
#include "core/data/loader.h"
#include "core/models/model_factory.h"
#include "core/objects/object_store.h"
#include "core/registry/packaging.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"

namespace wb::registry {

using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBest = "checkpoints/best.pt";
constexpr const char* kLast = "checkpoints/last.pt";
constexpr const char* kPreprocessing = "preprocessing.json";

const store::Artifact* findArtifact(const std::vector<store::Artifact>& all, const std::string& path) {
  for (const auto& a : all)
    if (a.path == path) return &a;
  return nullptr;
}

Result<const store::Artifact*> checkpointOf(const std::vector<store::Artifact>& all, const std::string& which,
                                            const store::Run& run) {
  std::string path = which == "best" ? kBest : which == "last" ? kLast : which;
  const store::Artifact* a = findArtifact(all, path);
  if (!a && which == "best") a = findArtifact(all, kLast);
  if (a) return a;
  return makeError("the run has no checkpoint '" + path + "'" +
                       (store::isTerminal(run.status) ? std::string() : " (it has not finished)"),
                   "run " + run.name);
}

std::string kindText(data::DatasetKind kind) {
  switch (kind) {
    case data::DatasetKind::Images: return "image";
    case data::DatasetKind::Tabular: return "table";
    case data::DatasetKind::Text: return "text";
    default: return "unknown";
  }
}

Json signatureOf(const data::Manifest& manifest, const models::ModelInput& input, const Json& preprocessing) {
  const bool text = manifest.kind == data::DatasetKind::Text;
  Json shape = Json::array({-1});
  for (auto d : input.shape) shape.push_back(d);
  Json inputs = Json::array({{{"name", "input"}, {"datatype", text ? "INT64" : "FP32"}, {"shape", shape}}});
  if (text) inputs.push_back({{"name", "offsets"}, {"datatype", "INT64"}, {"shape", {-1}}});
  const bool classification = input.classes > 0;
  Json sig = {{"kind", kindText(manifest.kind)},
              {"task", classification ? "classification" : "regression"},
              {"inputs", inputs},
              {"outputs", Json::array({{{"name", classification ? "probabilities" : "value"},
                                        {"datatype", "FP32"},
                                        {"shape", classification ? Json{-1, input.classes} : Json{-1}}}})}};
  if (classification) sig["classes"] = manifest.classes;
  if (!manifest.target_column.empty()) sig["target"] = manifest.target_column;
  if (manifest.kind == data::DatasetKind::Tabular) {
    if (auto pipeline = data::TabularPipeline::fromJson(preprocessing); pipeline && pipeline->fitted())
      sig["features"] = pipeline->featureNames();
    Json columns = Json::array();
    for (const auto& c : manifest.columns)
      if (c.name != manifest.target_column) columns.push_back(c.name);
    sig["columns"] = columns;
  }
  if (text) sig["text_columns"] = manifest.text_columns;
  return sig;
}

Result<Json> metricsOf(store::Database& db, const std::string& run_id) {
  auto summaries = store::MetricsReader(db).summaries({run_id});
  if (!summaries) return summaries.error();
  Json out = Json::object();
  auto value = [](const std::optional<double>& v) { return v ? Json(*v) : Json(); };
  for (const auto& s : *summaries)
    out[s.key] = {{"last", value(s.last_value)}, {"min", value(s.min_value)}, {"max", value(s.max_value)}};
  return out;
}

// The raw input of one sample, as bundle.h describes it; image files go to FILES.
Json rawInput(const Workspace& ws, const data::Manifest& manifest, const data::Sample& sample, std::size_t n,
              std::map<std::string, std::string>& files) {
  if (manifest.kind == data::DatasetKind::Text) return {{"text", data::DataLoader::sampleText(manifest, sample)}};
  if (manifest.kind == data::DatasetKind::Images) {
    const std::string ext = fs::path(sample.key).extension().string();
    const std::string member = "examples/" + std::to_string(n) + (ext.empty() ? ".bin" : ext);
    std::ifstream in(data::samplePath(ws, manifest, sample), std::ios::binary);
    files[member] = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return {{"file", member}};
  }
  Json row = Json::object();
  for (std::size_t c = 0; c < manifest.columns.size() && c < sample.values.size(); ++c)
    if (manifest.columns[c].name != manifest.target_column) row[manifest.columns[c].name] = sample.values[c];
  return row;
}

// Appends batch B (texts: ids and offsets) to the examples' tensors.
void appendBatch(ModelPackage& p, const data::Batch& b) {
  if (!p.example_inputs.defined()) {
    p.example_inputs = b.inputs;
    p.example_offsets = b.offsets;
    return;
  }
  if (b.offsets.defined())
    p.example_offsets = torch::cat({p.example_offsets, b.offsets + p.example_inputs.size(0)});
  p.example_inputs = torch::cat({p.example_inputs, b.inputs});
}

// COUNT samples from the test split, then val, then train, through the stored preprocessing.
Status addExamples(const Workspace& ws, const data::Manifest& manifest, const Json& preprocessing, int count,
                   ModelPackage& p) {
  for (auto split : {data::Split::Test, data::Split::Val, data::Split::Train}) {
    const int wanted = count - static_cast<int>(p.examples.size());
    if (wanted <= 0) break;
    data::LoaderOptions o;
    o.split = split;
    o.batch_size = wanted;
    o.shuffle = false;
    o.workers = 0;
    o.cache = data::LoaderOptions::Cache::Off;
    o.mode = data::ImagePipeline::Mode::Eval;
    auto loader = data::DataLoader::create(ws, manifest, preprocessing, o);
    if (!loader) return makeError(loader.error().text(), "examples");
    if ((*loader)->size() == 0) continue;
    auto batch = (*loader)->next();
    if (!batch) return makeError(batch.error().text(), "examples");
    if (!*batch) continue;
    const data::Batch& b = **batch;
    appendBatch(p, b);
    for (const std::size_t index : b.indices) {
      const data::Sample& s = manifest.samples[index];
      const std::size_t n = p.examples.size();
      p.examples.push_back({{"key", s.key}, {"label", s.label}, {"split", std::string(data::toString(split))},
                            {"input", rawInput(ws, manifest, s, n, p.example_files)}});
    }
  }
  return {};
}

Json lineageOf(const store::Run& run, const std::string& checkpoint, const std::string& dataset,
               const store::ParamMap& params) {
  return {{"run_id", run.id},
          {"run_name", run.name},
          {"experiment", run.experiment},
          {"checkpoint", checkpoint},
          {"config_hash", run.config_hash},
          {"dataset", dataset},
          {"params", params},
          {"workbench_version", workbenchVersion()},
          {"created_at", unixNow()}};
}

}  // namespace

Result<PackagedModel> packageRun(const Workspace& ws, const PackageOptions& options) {
  auto db = ws.connect();
  if (!db) return db.error();
  store::RunRepository runs(**db);
  auto run = runs.find(options.run_id);
  if (!run) return run.error();
  const std::string ctx = "run " + run->name;
  auto artifacts = runs.artifacts(run->id);
  if (!artifacts) return artifacts.error();
  auto checkpoint = checkpointOf(*artifacts, options.checkpoint, *run);
  if (!checkpoint) return checkpoint.error();
  const store::Artifact* prep = findArtifact(*artifacts, kPreprocessing);
  if (!prep)
    return makeError("no preprocessing.json: the run never finished (status " +
                         std::string(store::toString(run->status)) + ")", ctx);
  objects::ObjectStore objects(ws.objectsDir());
  auto state = objects.read((*checkpoint)->object_id);
  if (!state) return makeError("cannot read " + (*checkpoint)->path + ": " + state.error().text(), ctx);
  auto prep_text = objects.read(prep->object_id);
  if (!prep_text) return makeError("cannot read preprocessing.json: " + prep_text.error().text(), ctx);
  ModelPackage p;
  p.preprocessing = Json::parse(*prep_text, nullptr, false);
  if (p.preprocessing.is_discarded()) return makeError("preprocessing.json is not valid JSON", ctx);
  auto model = models::buildModelFromState(*state);
  if (!model) return makeError((*checkpoint)->path + " does not load: " + model.error().text(), ctx);

  data::DatasetRepository datasets(**db);
  auto inputs = datasets.runInputs(run->id);
  if (!inputs) return inputs.error();
  if (inputs->empty()) return makeError("the run records no dataset version", ctx);
  const data::DatasetVersion& version = inputs->front().first;
  auto manifest = data::loadManifest(ws, version);
  if (!manifest) return manifest.error();
  auto params = runs.params(run->id);
  if (!params) return params.error();
  auto metrics = metricsOf(**db, run->id);
  if (!metrics) return metrics.error();

  p.signature = signatureOf(*manifest, (*model)->input(), p.preprocessing);
  p.metrics = std::move(*metrics);
  p.lineage = lineageOf(*run, (*checkpoint)->path, version.ref(), *params);
  p.description = options.description;
  p.tags = options.tags;
  if (auto st = addExamples(ws, *manifest, p.preprocessing, options.examples, p); !st) return st.error();
  auto packaged = packageModel(**model, p);
  if (!packaged) return packaged.error();
  packaged->version.source = "run";
  return packaged;
}

}  // namespace wb::registry
