#include "app/cli/models_output.h"

#include "app/cli/cli_args.h"
#include "app/cli/cli_errors.h"

namespace wb::cli {

using nlohmann::json;

RegistryHandle::RegistryHandle(const Workspace& ws)
    : m_db(unwrap(ws.connect())), m_objects(ws.objectsDir()), m_registry(*m_db, m_objects) {}

std::string versionRef(const registry::ModelVersion& v) { return v.model + "/" + std::to_string(v.version); }

std::string versionText(const std::optional<int>& v) { return v ? "v" + std::to_string(*v) : "—"; }

json versionToJson(const registry::ModelVersion& v) {
  return json{{"ref", versionRef(v)},
              {"model", v.model},
              {"version", v.version},
              {"archived", v.archived},
              {"type", v.model_type},
              {"source", v.source},
              {"bundle_id", v.bundle_id},
              {"size_bytes", v.size_bytes},
              {"run_id", v.run_id},
              {"checkpoint", v.checkpoint},
              {"dataset", v.dataset},
              {"config_hash", v.config_hash},
              {"description", v.description},
              {"signature", v.signature},
              {"metrics", v.metrics},
              {"lineage", v.lineage},
              {"exports", v.exports},
              {"tags", v.tags},
              {"aliases", v.aliases},
              {"created_at", v.created_at}};
}

json modelToJson(const registry::RegisteredModel& m) {
  return json{{"name", m.name},
              {"description", m.description},
              {"latest_version", m.latest_version},
              {"version_count", m.version_count},
              {"aliases", m.aliases},
              {"created_at", m.created_at},
              {"updated_at", m.updated_at}};
}

json aliasEventToJson(const registry::AliasEvent& e) {
  auto opt = [](const std::optional<int>& v) { return v ? json(*v) : json(nullptr); };
  return json{{"model", e.model},     {"alias", e.alias}, {"from_version", opt(e.from_version)},
              {"to_version", opt(e.to_version)}, {"reason", e.reason}, {"actor", e.actor},
              {"at", e.at}};
}

namespace {

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "FP32 [-1, 4]" for one entry of the signature's inputs or outputs.
std::string tensorText(const json& t) {
  std::string shape;
  if (const auto it = t.find("shape"); it != t.end() && it->is_array())
    for (const auto& d : *it) shape += (shape.empty() ? "" : ", ") + d.dump();
  return str(t, "name") + " " + str(t, "datatype") + " [" + shape + "]";
}

std::string tensorsText(const json& signature, const char* key) {
  std::string out;
  if (const auto it = signature.find(key); it != signature.end() && it->is_array())
    for (const auto& t : *it) out += (out.empty() ? "" : ", ") + tensorText(t);
  return out;
}

}  // namespace

std::string signatureSummary(const json& signature) {
  if (!signature.is_object() || signature.empty()) return "-";
  std::string out = str(signature, "kind") + " " + str(signature, "task");
  const auto in = tensorsText(signature, "inputs"), out_t = tensorsText(signature, "outputs");
  if (!in.empty() || !out_t.empty()) out += ": " + in + " → " + out_t;
  return out;
}

std::string preprocessingSummary(const json& preprocessing) {
  if (!preprocessing.is_object() || preprocessing.empty()) return "-";
  std::string steps;
  if (const auto it = preprocessing.find("steps"); it != preprocessing.end() && it->is_array())
    for (const auto& s : *it) {
      const std::string name = s.is_object() ? str(s, "name") : s.is_string() ? s.get<std::string>() : "";
      if (!name.empty()) steps += (steps.empty() ? "" : ", ") + name;
    }
  std::string out = str(preprocessing, "kind");
  out += (out.empty() ? "" : ": ") + (steps.empty() ? std::string("no steps") : steps);
  std::string extra;
  if (const auto it = preprocessing.find("columns"); it != preprocessing.end() && it->is_array())
    extra = std::to_string(it->size()) + " columns";
  if (const auto target = str(preprocessing, "target"); !target.empty())
    extra += (extra.empty() ? "" : ", ") + std::string("target ") + target;
  return extra.empty() ? out : out + " (" + extra + ")";
}

std::map<std::string, std::string> parseTags(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> out;
  for (const auto& p : pairs) out.insert(splitPair(p, true));
  return out;
}

std::string cliActor(const std::string& command) { return "cli: wb models " + command; }

}  // namespace wb::cli
