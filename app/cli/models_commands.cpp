// `wb models …` over the model registry: list, show, versions, history, alias, archive, tag,
// describe (promote, rm and export are in models_manage_commands.cpp; register, import, types
// and the LibTorch exports in models_ml_commands.cpp, run by wb-ml). Parsing and printing
// only; the work is in core/registry.
#include "app/cli/models_commands.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "app/cli/models_output.h"
#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "core/registry/bundle.h"

namespace wb::cli {

using nlohmann::json;

namespace {

std::string joined(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string tagsText(const std::map<std::string, std::string>& tags) {
  std::string out;
  for (const auto& [k, v] : tags) out += (out.empty() ? "" : " ") + k + (v.empty() ? "" : "=" + v);
  return out;
}

// A JSON value as one short cell: numbers locale-free, strings bare.
std::string cell(const json& v) {
  if (v.is_number_float()) return formatGeneral(v.get<double>());
  if (v.is_number()) return v.dump();
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

// Metric keys in the order people read them: test (the held-out split), val, train, others;
// the system ones (sys/…) only in --json.
std::vector<std::string> orderedMetricKeys(const json& metrics) {
  std::vector<std::pair<int, std::string>> ranked;
  if (metrics.is_object())
    for (const auto& [k, m] : metrics.items()) {
      if (k.rfind("sys/", 0) == 0) continue;
      ranked.emplace_back(k.rfind("test/", 0) == 0 ? 0 : k.rfind("val/", 0) == 0 ? 1 : k.rfind("train/", 0) == 0 ? 2 : 3, k);
    }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  for (auto& [rank, k] : ranked) keys.push_back(std::move(k));
  return keys;
}

// The first metrics of a version for tables.
std::string metricsCell(const json& metrics, std::size_t at_most = 2) {
  const auto keys = orderedMetricKeys(metrics);
  std::string out;
  for (std::size_t i = 0; i < keys.size() && i < at_most; ++i) {
    const auto& m = metrics[keys[i]];
    out += (out.empty() ? "" : "  ") + keys[i] + "=" + cell(m.is_object() ? m.value("last", json()) : m);
  }
  return keys.size() > at_most ? out + " …" : out;
}

void modelsList(const Workspace& ws, bool json_mode) {
  RegistryHandle reg(ws);
  const auto models = unwrap(reg->models());
  if (json_mode) {
    json arr = json::array();
    for (const auto& m : models) arr.push_back(modelToJson(m));
    std::cout << arr.dump(2) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "LATEST", "VERSIONS", "ALIASES", "UPDATED"}};
  for (const auto& m : models) {
    std::string aliases;
    for (const auto& [a, v] : m.aliases) aliases += (aliases.empty() ? "" : " ") + a + "=v" + std::to_string(v);
    rows.push_back({m.name, m.latest_version ? "v" + std::to_string(m.latest_version) : "-",
                    std::to_string(m.version_count), aliases.empty() ? "-" : aliases,
                    formatLocalTime(m.updated_at)});
  }
  printTable(std::cout, rows);
  if (models.empty()) std::cout << "(no models; register one with `wb models register RUN --name NAME`)\n";
}

// ---------------------------------------------------------------------------------------------
// show

void printMetrics(const json& metrics) {
  const auto keys = orderedMetricKeys(metrics);
  if (keys.empty()) return;
  std::cout << "\nMetrics\n";
  std::vector<std::vector<std::string>> rows = {{"  KEY", "LAST", "MIN", "MAX"}};
  for (const auto& k : keys) {
    const json& m = metrics[k];
    if (m.is_object())
      rows.push_back({"  " + k, cell(m.value("last", json())), cell(m.value("min", json())), cell(m.value("max", json()))});
    else
      rows.push_back({"  " + k, cell(m), "-", "-"});
  }
  printTable(std::cout, rows);
}

void printLineage(const registry::ModelVersion& v) {
  const json& l = v.lineage.is_object() ? v.lineage : json::object();
  std::cout << "\nLineage\n";
  std::vector<std::vector<std::string>> rows;
  if (!v.run_id.empty())
    rows.push_back({"  run", l.value("run_name", "") + (l.contains("run_name") ? "  (" + v.run_id + ")" : v.run_id)});
  if (!v.checkpoint.empty()) rows.push_back({"  checkpoint", v.checkpoint});
  if (!v.dataset.empty()) rows.push_back({"  dataset", v.dataset});
  if (!v.config_hash.empty()) rows.push_back({"  config", v.config_hash});
  if (l.contains("workbench_version")) rows.push_back({"  workbench", cell(l["workbench_version"])});
  rows.push_back({"  source", v.source});
  // Imports name the file they came from (TorchScript: its name and SHA-256).
  if (v.source.rfind("import:", 0) == 0) {
    if (l.contains("source") && l["source"].is_string()) rows.push_back({"  file", cell(l["source"])});
    if (l.contains("sha256") && l["sha256"].is_string()) rows.push_back({"  file sha256", cell(l["sha256"])});
  }
  printTable(std::cout, rows);
}

// One line per format; sizes and times as people read them.
void printExports(const json& exports) {
  if (!exports.is_object() || exports.empty()) return;
  std::cout << "\nExports\n";
  for (const auto& [format, result] : exports.items()) {
    std::string text;
    if (result.is_object())
      for (const auto& [k, val] : result.items()) {
        if (k == "checked_by" || k == "parity_passed") continue;  // the same as runtime / max_abs_diff
        const std::string shown = k == "at" && val.is_number()           ? formatLocalTime(val.get<double>())
                                  : k == "size_bytes" && val.is_number() ? formatBytes(val.get<std::uint64_t>())
                                                                         : cell(val);
        text += (text.empty() ? "" : ", ") + k + " " + shown;
      }
    std::cout << "  " << format << "  " << text << '\n';
  }
}

void printVersion(const registry::ModelVersion& v, const json& preprocessing) {
  std::cout << "Model         " << versionRef(v) << (v.aliases.empty() ? "" : "  @" + joined(v.aliases, " @"))
            << (v.archived ? "  [archived]" : "") << '\n'
            << "Type          " << v.model_type << '\n'
            << "Created       " << formatLocalTime(v.created_at) << '\n'
            << "Size          " << formatBytes(static_cast<std::uint64_t>(v.size_bytes)) << " (" << v.size_bytes
            << " bytes)\n"
            << "Bundle        sha256 " << v.bundle_id << '\n';
  if (!v.description.empty()) std::cout << "Description   " << v.description << '\n';
  if (!v.tags.empty()) std::cout << "Tags          " << tagsText(v.tags) << '\n';
  std::cout << "Signature     " << signatureSummary(v.signature) << '\n';
  if (const auto it = v.signature.find("classes"); it != v.signature.end() && it->is_array() && !it->empty())
    std::cout << "Classes       " << joined(it->get<std::vector<std::string>>()) << '\n';
  if (const auto it = v.signature.find("target"); it != v.signature.end() && it->is_string())
    std::cout << "Target        " << it->get<std::string>() << '\n';
  std::cout << "Preprocessing " << preprocessingSummary(preprocessing) << '\n';
  printMetrics(v.metrics);
  printLineage(v);
  printExports(v.exports);
}

// The preprocessing lives in the bundle's model.json only; a bundle that does not read is
// reported, not fatal (show is how one finds out what is wrong with a version).
json bundlePreprocessing(RegistryHandle& reg, const registry::ModelVersion& v, std::string* problem) {
  auto bytes = reg->bundleBytes(v);
  if (!bytes) return *problem = bytes.error().text(), json();
  auto files = registry::readBundle(*bytes, versionRef(v));
  if (!files) return *problem = files.error().text(), json();
  auto meta = files->modelJson();
  if (!meta) return *problem = meta.error().text(), json();
  return meta->value("preprocessing", json());
}

void modelsShow(const Workspace& ws, bool json_mode, const std::string& ref) {
  RegistryHandle reg(ws);
  const auto v = unwrap(reg->resolve(ref));
  std::string problem;
  const json preprocessing = bundlePreprocessing(reg, v, &problem);
  if (json_mode) {
    auto j = versionToJson(v);
    j["preprocessing"] = preprocessing;
    if (!problem.empty()) j["bundle_error"] = problem;
    std::cout << j.dump(2) << '\n';
    return;
  }
  printVersion(v, preprocessing);
  if (!problem.empty()) std::cout << "\nwarning: the bundle does not read: " << problem << '\n';
}

// ---------------------------------------------------------------------------------------------
// versions, history

void modelsVersions(const Workspace& ws, bool json_mode, const std::string& name, bool all) {
  RegistryHandle reg(ws);
  (void)unwrap(reg->model(name));  // "no model named …" rather than an empty table
  auto versions = unwrap(reg->versions(name));
  if (!all) std::erase_if(versions, [](const auto& v) { return v.archived; });
  if (json_mode) {
    json arr = json::array();
    for (const auto& v : versions) arr.push_back(versionToJson(v));
    std::cout << arr.dump(2) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"VERSION", "ALIASES", "TYPE", "CREATED", "RUN", "DATASET", "SIZE", "METRICS", "TAGS"}};
  for (const auto& v : versions)
    rows.push_back({"v" + std::to_string(v.version) + (v.archived ? " (archived)" : ""),
                    v.aliases.empty() ? "-" : joined(v.aliases, " "), v.model_type,
                    formatLocalTime(v.created_at), v.run_id.empty() ? v.source : v.run_id.substr(0, 8),
                    v.dataset.empty() ? "-" : v.dataset, formatBytes(static_cast<std::uint64_t>(v.size_bytes)),
                    metricsCell(v.metrics), tagsText(v.tags)});
  printTable(std::cout, rows);
  if (versions.empty()) std::cout << (all ? "(no versions)\n" : "(no versions; --all lists archived ones)\n");
}

void modelsHistory(const Workspace& ws, bool json_mode, const std::string& name) {
  RegistryHandle reg(ws);
  (void)unwrap(reg->model(name));
  const auto events = unwrap(reg->history(name));
  if (json_mode) {
    json arr = json::array();
    for (const auto& e : events) arr.push_back(aliasEventToJson(e));
    std::cout << arr.dump(2) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"WHEN", "ALIAS", "CHANGE", "REASON", "BY"}};
  for (const auto& e : events)
    rows.push_back({formatLocalTime(e.at), e.alias, versionText(e.from_version) + " → " + versionText(e.to_version),
                    e.reason.empty() ? "-" : e.reason, e.actor});
  printTable(std::cout, rows);
  if (events.empty()) std::cout << "(no alias changes)\n";
}

// ---------------------------------------------------------------------------------------------
// alias, archive, tag, describe

struct AliasArgs {
  std::string name, alias, version, reason;
  bool remove = false;
};

int parseVersionNumber(const std::string& text) {
  const std::string digits = !text.empty() && (text[0] == 'v' || text[0] == 'V') ? text.substr(1) : text;
  const auto n = parseInt(digits);
  if (!n || *n < 1 || *n > 1'000'000'000) fail("not a version number: '" + text + "' (expected 3 or v3)");
  return static_cast<int>(*n);
}

void modelsAlias(const Workspace& ws, bool json_mode, const AliasArgs& a) {
  if (a.remove == !a.version.empty())
    fail(a.remove ? "--remove takes no VERSION" : "give a VERSION to point " + a.alias + " at, or --remove");
  RegistryHandle reg(ws);
  const auto before = unwrap(reg->model(a.name));
  const auto it = before.aliases.find(a.alias);
  const std::optional<int> from = it == before.aliases.end() ? std::nullopt : std::optional<int>(it->second);
  std::optional<int> to;
  bool changed = true;
  if (a.remove) {
    if (!from) fail(a.name + " has no alias '" + a.alias + "'");
    check(reg->removeAlias(a.name, a.alias, a.reason, cliActor("alias")));
  } else {
    to = parseVersionNumber(a.version);
    check(reg->setAlias(a.name, a.alias, *to, a.reason, cliActor("alias"), &changed));
  }
  if (json_mode) {
    auto opt = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
    std::cout << json{{"model", a.name}, {"alias", a.alias}, {"from_version", opt(from)}, {"to_version", opt(to)},
                      {"changed", changed}}.dump(2) << '\n';
    return;
  }
  const std::string label = a.name + "@" + a.alias;
  if (!changed)
    std::cout << label << " already points at " << versionText(to) << " (nothing changed)\n";
  else if (!to)
    std::cout << "removed " << label << " (was " << versionText(from) << ")\n";
  else if (!from)
    std::cout << label << " → " << versionText(to) << " (new alias)\n";
  else
    std::cout << label << ": " << versionText(from) << " → " << versionText(to) << '\n';
}

void modelsArchive(const Workspace& ws, bool json_mode, const std::string& ref, bool archived) {
  RegistryHandle reg(ws);
  const auto v = unwrap(reg->resolve(ref));
  check(reg->setArchived(v.model, v.version, archived));
  if (json_mode)
    std::cout << json{{"ref", versionRef(v)}, {"archived", archived}}.dump(2) << '\n';
  else
    std::cout << (archived ? "archived " : "unarchived ") << versionRef(v) << '\n';
}

struct TagArgs {
  std::string ref;
  std::vector<std::string> tags, remove;
};

void modelsTag(const Workspace& ws, bool json_mode, const TagArgs& a) {
  if (a.tags.empty() && a.remove.empty()) fail("nothing to do: give KEY=VALUE tags or --remove KEY");
  RegistryHandle reg(ws);
  const auto v = unwrap(reg->resolve(a.ref));
  for (const auto& [k, val] : parseTags(a.tags)) check(reg->setTag(v.model, v.version, k, val));
  for (const auto& k : a.remove) check(reg->removeTag(v.model, v.version, k));
  const auto now = unwrap(reg->resolve(versionRef(v)));
  if (json_mode)
    std::cout << json{{"ref", versionRef(now)}, {"tags", now.tags}}.dump(2) << '\n';
  else
    std::cout << versionRef(now) << ": " << (now.tags.empty() ? "(no tags)" : tagsText(now.tags)) << '\n';
}

void modelsDescribe(const Workspace& ws, bool json_mode, const std::string& ref, const std::string& text) {
  RegistryHandle reg(ws);
  const auto v = unwrap(reg->resolve(ref));
  check(reg->setDescription(v.model, v.version, text));
  if (json_mode)
    std::cout << json{{"ref", versionRef(v)}, {"description", text}}.dump(2) << '\n';
  else
    std::cout << versionRef(v) << ": " << (text.empty() ? "description removed" : "description set") << '\n';
}

// ---------------------------------------------------------------------------------------------
// Registration

using Open = std::function<Workspace()>;

void addBrowse(CLI::App& models, const Open& open, const bool& json_mode, std::function<void()>& action) {
  auto* list = models.add_subcommand("list", "List the registered models with their latest version and aliases");
  setAction(list, action, [&json_mode, open] { modelsList(open(), json_mode); });

  auto* show = models.add_subcommand("show", "Show a version: signature, preprocessing, metrics, lineage, exports");
  auto ref = std::make_shared<std::string>();
  show->add_option("REF", *ref, "NAME, NAME@ALIAS, NAME@latest or NAME/VERSION")->required();
  setAction(show, action, [&json_mode, open, ref] { modelsShow(open(), json_mode, *ref); });

  auto* versions = models.add_subcommand("versions", "List a model's versions, newest first");
  struct VersionsArgs {
    std::string name;
    bool all = false;
  };
  auto va = std::make_shared<VersionsArgs>();
  versions->add_option("NAME", va->name, "Model name")->required();
  versions->add_flag("--all", va->all, "Include archived versions");
  setAction(versions, action, [&json_mode, open, va] { modelsVersions(open(), json_mode, va->name, va->all); });

  auto* history = models.add_subcommand("history", "The alias audit log of a model: when, alias, from → to, why, by whom");
  auto name = std::make_shared<std::string>();
  history->add_option("NAME", *name, "Model name")->required();
  setAction(history, action, [&json_mode, open, name] { modelsHistory(open(), json_mode, *name); });
}

void addEdit(CLI::App& models, const Open& open, const bool& json_mode, std::function<void()>& action) {
  auto* alias = models.add_subcommand("alias", "Point an alias at a version (set or move), or --remove it");
  auto aa = std::make_shared<AliasArgs>();
  alias->add_option("NAME", aa->name, "Model name")->required();
  alias->add_option("ALIAS", aa->alias, "production, staging, champion, …")->required();
  alias->add_option("VERSION", aa->version, "The version number (3 or v3)");
  alias->add_flag("--remove", aa->remove, "Remove the alias");
  alias->add_option("--reason", aa->reason, "Why, for the audit log (wb models history)");
  setAction(alias, action, [&json_mode, open, aa] { modelsAlias(open(), json_mode, *aa); });

  for (const bool archived : {true, false}) {
    auto* cmd = models.add_subcommand(archived ? "archive" : "unarchive",
                                      archived ? "Archive a version: hidden from lists and NAME@latest, kept"
                                               : "Bring an archived version back");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("REF", *ref, "NAME/VERSION (or any reference)")->required();
    setAction(cmd, action, [&json_mode, open, ref, archived] { modelsArchive(open(), json_mode, *ref, archived); });
  }

  auto* tag = models.add_subcommand("tag", "Set or remove a version's tags");
  auto ta = std::make_shared<TagArgs>();
  tag->add_option("REF", ta->ref, "NAME/VERSION (or any reference)")->required();
  tag->add_option("TAGS", ta->tags, "KEY=VALUE");
  tag->add_option("-r,--remove", ta->remove, "Remove these tag keys");
  setAction(tag, action, [&json_mode, open, ta] { modelsTag(open(), json_mode, *ta); });

  auto* describe = models.add_subcommand("describe", "Set a version's description");
  auto da = std::make_shared<std::pair<std::string, std::string>>();
  describe->add_option("REF", da->first, "NAME/VERSION (or any reference)")->required();
  describe->add_option("TEXT", da->second, "The description")->required();
  setAction(describe, action, [&json_mode, open, da] { modelsDescribe(open(), json_mode, da->first, da->second); });
}

}  // namespace

void addModelsCommands(CLI::App& app, const Open& open, const bool& json_mode, std::function<void()>& action,
                       ModelsMlArgs& ml, const std::function<void()>& exec_ml) {
  const auto c = addModelsOptions(app, ml);
  setAction(c.types, action, exec_ml);
  setAction(c.reg, action, exec_ml);
  setAction(c.imp, action, exec_ml);
  // A bundle is the registry's bytes, checked: no LibTorch needed. ONNX and safetensors load
  // the model.
  const ModelsExportArgs* exp = &ml.exp;
  setAction(c.exp, action, [&json_mode, open, exp, exec_ml] {
    if (exp->format == "bundle")
      exportBundle(open(), json_mode, *exp);
    else
      exec_ml();
  });
  addBrowse(*c.models, open, json_mode, action);
  addEdit(*c.models, open, json_mode, action);
  addModelsManageCommands(*c.models, open, json_mode, action);
}

}  // namespace wb::cli
