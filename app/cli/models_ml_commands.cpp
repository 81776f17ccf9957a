// The `wb models` commands that need LibTorch, run by wb-ml: types, register, import, and
// export --format onnx|safetensors. Parsing and printing only; the work is in core/registry.
#include "app/cli/models_ml_commands.h"

#include <chrono>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_workspace.h"
#include "app/cli/models_output.h"
#include "core/common/clock.h"
#include "core/common/files.h"
#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "core/models/model_factory.h"
#include "core/registry/onnx_export.h"
#include "core/registry/packaging.h"

namespace wb::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Register and export take milliseconds: "0.0s" would say nothing.
std::string shortDuration(double seconds) {
  return seconds < 1 ? formatFixed(seconds * 1000, 0) + " ms" : formatDuration(seconds);
}

constexpr double kOnnxParityLimit = 1e-4;

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `wb models types`: the model types with their hyperparameters and defaults (the editor's form).
void listTypes(const GlobalArgs& g) {
  json models = json::array();
  for (const auto& type : models::modelTypes())
    models.push_back({{"type", type},
                      {"description", models::modelDescription(type)},
                      {"params", unwrap(models::defaultParams(type))}});
  if (g.json) {
    std::cout << json{{"models", models}}.dump() << std::endl;
    return;
  }
  for (const auto& m : models) {
    std::cout << m["type"].get<std::string>() << "  " << m["description"].get<std::string>() << '\n';
    for (const auto& [k, v] : m["params"].items()) std::cout << "    " << k << ": " << v.dump() << '\n';
  }
}

// Registers PACKAGED as the next version of NAME and prints what was stored.
void registerPackaged(const GlobalArgs& g, RegistryHandle& reg, registry::PackagedModel packaged,
                      const std::string& command, std::chrono::steady_clock::time_point start) {
  const auto& files = packaged.files;
  const auto v = unwrap(reg->registerVersion(packaged.version, [&files](const std::string& name, int version) {
    return registry::finishBundle(files, name, version);
  }));
  const double seconds = secondsSince(start);
  if (g.json) {
    auto j = versionToJson(v);
    j["seconds"] = seconds;
    std::cout << j.dump(2) << '\n';
    return;
  }
  std::cout << "registered " << versionRef(v) << " (" << v.model_type << ", " << command << ")\n"
            << "  bundle  " << formatBytes(static_cast<std::uint64_t>(v.size_bytes)) << ", sha256 " << v.bundle_id
            << '\n';
  if (!packaged.version.alias.empty())
    std::cout << "  alias   " << v.model << "@" << packaged.version.alias << " → v" << v.version << '\n';
  std::cout << "  took    " << shortDuration(seconds) << '\n';
}

void applyCommon(registry::NewVersion& v, const std::string& name, const std::string& alias,
                 const std::string& description, const std::vector<std::string>& tags, const std::string& command) {
  v.name = name;
  v.alias = alias;
  if (!description.empty()) v.description = description;
  for (const auto& [k, val] : parseTags(tags)) v.tags[k] = val;
  v.actor = cliActor(command);
}

void registerRun(const GlobalArgs& g, const ModelsRegisterArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const auto ws = openWorkspaceAt(g.workspace);
  if (!registry::isValidModelName(a.name))
    fail("not a model name: '" + a.name + "' (a letter or digit, then letters, digits, '_', '-', '.')");
  registry::PackageOptions o;
  o.run_id = a.run;
  o.checkpoint = a.checkpoint;
  o.examples = a.examples;
  o.description = a.description;
  o.tags = parseTags(a.tags);
  auto packaged = unwrap(registry::packageRun(ws, o));
  applyCommon(packaged.version, a.name, a.alias, a.description, a.tags, "register");
  RegistryHandle reg(ws);
  registerPackaged(g, reg, std::move(packaged), "from run " + a.run + ", checkpoint " + a.checkpoint, start);
}

// ---------------------------------------------------------------------------------------------
// import

bool looksLikeTorchScript(const ModelsImportArgs& a) {
  if (!a.format.empty()) return a.format == "torchscript";
  const auto ext = fs::path(a.file).extension().string();
  return ext == ".pt" || ext == ".pth" || ext == ".ts" || ext == ".torchscript";
}

// The signature of a TorchScript import: --signature FILE.json, or the flags.
registry::TorchScriptSpec torchScriptSpec(const ModelsImportArgs& a) {
  registry::TorchScriptSpec spec;
  const bool flags = !a.kind.empty() || !a.input_shape.empty() || !a.classes.empty() || !a.target.empty();
  if (!a.signature.empty()) {
    if (flags) fail("give the signature as --signature FILE or as flags, not both");
    const auto text = unwrap(readFileBytes(a.signature));
    try {
      spec.signature = json::parse(text);
    } catch (const json::exception& e) {
      fail(a.signature + ": not valid JSON (" + e.what() + ")");
    }
    if (!spec.signature.is_object()) fail(a.signature + ": expected a JSON object (kind, input_shape, classes…)");
    return spec;
  }
  if (a.kind.empty() || a.input_shape.empty())
    fail(a.file + ": a TorchScript file needs its signature: --signature FILE.json, or --kind KIND "
                  "--input-shape N[,N…] and --classes a,b,c (or --target NAME)");
  if (a.classes.empty() == a.target.empty()) fail("give --classes (classification) or --target (regression), one of them");
  spec.signature = {{"kind", a.kind}, {"input_shape", a.input_shape}};
  if (!a.classes.empty()) spec.signature["classes"] = a.classes;
  if (!a.target.empty()) spec.signature["target"] = a.target;
  if (!a.features.empty()) spec.signature["features"] = a.features;
  if (!a.description.empty()) spec.signature["description"] = a.description;
  return spec;
}

// A bundle made elsewhere becomes a version here: checked, its examples re-run, restamped.
registry::PackagedModel packageBundle(const std::string& file) {
  const auto bytes = unwrap(readFileBytes(file));
  auto loaded = unwrap(registry::loadBundle(bytes, file));
  const auto check = unwrap(registry::checkExamples(loaded));
  if (!check.passed)
    fail(file + ": the bundle's examples do not reproduce (max |diff| " + formatGeneral(check.max_abs_diff) +
         " > tolerance " + formatGeneral(check.tolerance) + ")");
  const json& meta = loaded.meta;
  registry::PackagedModel p;
  p.files = std::move(loaded.files);
  auto& v = p.version;
  v.model_type = meta.value("type", "");
  v.source = "import:bundle";
  v.signature = meta.value("signature", json::object());
  v.metrics = meta.value("metrics", json::object());
  v.lineage = meta.value("lineage", json::object());
  v.lineage["imported_from"] = {{"file", fs::path(file).filename().string()},
                                {"name", meta.value("name", "")}, {"version", meta.value("version", 0)}};
  v.description = meta.value("description", "");
  if (const auto it = meta.find("tags"); it != meta.end() && it->is_object())
    for (const auto& [k, val] : it->items())
      if (val.is_string()) v.tags[k] = val.get<std::string>();
  // The run and config it came from live in another workspace: kept in lineage, not linked.
  v.dataset = v.lineage.value("dataset", "");
  v.config_hash = v.lineage.value("config_hash", "");
  return p;
}

void importModel(const GlobalArgs& g, const ModelsImportArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const auto ws = openWorkspaceAt(g.workspace);
  if (!registry::isValidModelName(a.name))
    fail("not a model name: '" + a.name + "' (a letter or digit, then letters, digits, '_', '-', '.')");
  if (!fs::exists(a.file)) fail(a.file + ": no such file");
  const bool torchscript = looksLikeTorchScript(a);
  registry::PackagedModel packaged;
  if (torchscript) {
    packaged = unwrap(registry::packageTorchScript(a.file, torchScriptSpec(a)));
    packaged.version.source = "import:torchscript";
  } else {
    packaged = packageBundle(a.file);
  }
  applyCommon(packaged.version, a.name, a.alias, a.description, a.tags, "import");
  RegistryHandle reg(ws);
  registerPackaged(g, reg, std::move(packaged), std::string("imported from ") + a.file, start);
}

// ---------------------------------------------------------------------------------------------
// export --format onnx|safetensors

struct LoadedVersion {
  registry::ModelVersion version;
  registry::LoadedModel model;
};

LoadedVersion loadVersion(RegistryHandle& reg, const std::string& ref) {
  auto v = unwrap(reg->resolve(ref));
  const auto bytes = unwrap(reg->bundleBytes(v));
  return {v, unwrap(registry::loadBundle(bytes, versionRef(v)))};
}

void exportOnnx(const GlobalArgs& g, RegistryHandle& reg, const ModelsExportArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  auto [v, loaded] = loadVersion(reg, a.ref);
  const auto onnx = unwrap(registry::exportOnnx(loaded));
  const auto examples = unwrap(registry::exampleBatch(loaded.files));
  const auto parity = unwrap(registry::checkOnnxParity(onnx, examples));
  check(writeFileAtomic(a.output, onnx));
  const bool passed = parity.max_abs_diff <= kOnnxParityLimit;
  const json result = {{"opset", registry::kOnnxOpset},     {"max_abs_diff", parity.max_abs_diff},
                       {"runtime", parity.runtime},         {"checked_by", parity.runtime},
                       {"examples", parity.examples},       {"size_bytes", onnx.size()},
                       {"file", fs::path(a.output).filename().string()}, {"parity_passed", passed},
                       {"at", unixNow()}};
  check(reg->recordExport(v.model, v.version, "onnx", result));
  if (g.json) {
    std::cout << json{{"ref", versionRef(v)}, {"format", "onnx"}, {"file", a.output}, {"onnx", result},
                      {"seconds", secondsSince(start)}}.dump(2)
              << '\n';
  } else {
    std::cout << "exported " << versionRef(v) << " to " << a.output << " (ONNX opset " << registry::kOnnxOpset << ", "
              << formatBytes(onnx.size()) << ", " << shortDuration(secondsSince(start)) << ")\n"
              << "parity  " << parity.runtime << " on " << parity.examples << " examples: max |diff| "
              << formatGeneral(parity.max_abs_diff) << (passed ? " (ok, ≤ " : " (FAILED, > ")
              << formatGeneral(kOnnxParityLimit) << ")\n";
  }
  if (!passed)
    throw CliError{"ONNX parity check failed for " + versionRef(v) + ": max |diff| " +
                       formatGeneral(parity.max_abs_diff) + " > " + formatGeneral(kOnnxParityLimit),
                   kExitParityFailed};
}

// FILE.json beside the weights: what one needs to rebuild the model in one's own code.
json safetensorsSidecar(const registry::ModelVersion& v, const json& meta) {
  const json signature = meta.value("signature", v.signature);
  return json{{"model", v.model},
              {"version", v.version},
              {"type", meta.value("type", v.model_type)},
              {"params", meta.value("params", json::object())},
              {"input", meta.value("input", json::object())},
              {"signature", signature},
              {"preprocessing", meta.value("preprocessing", json())},
              {"classes", signature.value("classes", json::array())}};
}

void exportSafetensors(const GlobalArgs& g, RegistryHandle& reg, const ModelsExportArgs& a) {
  auto [v, loaded] = loadVersion(reg, a.ref);
  const json meta_model = {{"name", v.model},
                           {"version", v.version},
                           {"type", loaded.meta.value("type", v.model_type)},
                           {"params", loaded.meta.value("params", json::object())},
                           {"input", loaded.meta.value("input", json::object())},
                           {"signature", loaded.meta.value("signature", v.signature)}};
  const auto bytes = unwrap(registry::weightsToSafetensors(*loaded.model, {{"workbench.model", meta_model.dump()}}));
  const std::string sidecar_path = a.output + ".json";
  check(writeFileAtomic(a.output, bytes));
  check(writeFileAtomic(sidecar_path, safetensorsSidecar(v, loaded.meta).dump(2) + "\n"));
  const json result = {{"size_bytes", bytes.size()}, {"file", fs::path(a.output).filename().string()}, {"at", unixNow()}};
  check(reg->recordExport(v.model, v.version, "safetensors", result));
  if (g.json) {
    std::cout << json{{"ref", versionRef(v)}, {"format", "safetensors"}, {"file", a.output},
                      {"signature_file", sidecar_path}, {"size_bytes", bytes.size()}}.dump(2)
              << '\n';
    return;
  }
  std::cout << "exported " << versionRef(v) << " to " << a.output << " (safetensors, " << formatBytes(bytes.size())
            << ") and its signature to " << sidecar_path << '\n';
}

void exportModel(const GlobalArgs& g, const ModelsExportArgs& a) {
  const auto ws = openWorkspaceAt(g.workspace);
  RegistryHandle reg(ws);
  if (a.format == "onnx") return exportOnnx(g, reg, a);
  if (a.format == "safetensors") return exportSafetensors(g, reg, a);
  fail("wb-ml does not export '" + a.format + "' (wb writes bundles itself)");
}

}  // namespace

bool runModelsMlCommand(const GlobalArgs& g, const ModelsMlCommands& c, const ModelsMlArgs& a) {
  if (!*c.models) return false;
  if (*c.types) listTypes(g);
  else if (*c.reg) registerRun(g, a.reg);
  else if (*c.imp) importModel(g, a.imp);
  else if (*c.exp) exportModel(g, a.exp);
  else fail("wb-ml runs models types|register|import|export only");
  return true;
}

}  // namespace wb::cli
