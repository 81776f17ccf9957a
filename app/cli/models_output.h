#pragma once

// Shared by `wb models …` (wb) and its LibTorch commands (wb-ml): the workspace's registry and
// how versions, models and alias events print.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/objects/object_store.h"
#include "core/registry/registry.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace wb::cli {

/// The registry of a workspace with the connection and object store it works through.
class RegistryHandle {
 public:
  explicit RegistryHandle(const Workspace& ws);
  registry::ModelRegistry& operator*() { return m_registry; }
  registry::ModelRegistry* operator->() { return &m_registry; }
  objects::ObjectStore& objects() { return m_objects; }

 private:
  std::unique_ptr<store::Database> m_db;
  objects::ObjectStore m_objects;
  registry::ModelRegistry m_registry;
};

/// "iris/3"
std::string versionRef(const registry::ModelVersion& v);
/// "3" or "—" for an optional version number in alias changes.
std::string versionText(const std::optional<int>& v);

nlohmann::json versionToJson(const registry::ModelVersion& v);
nlohmann::json modelToJson(const registry::RegisteredModel& m);
nlohmann::json aliasEventToJson(const registry::AliasEvent& e);

/// "table classification: input FP32 [-1, 4] → probabilities FP32 [-1, 3]"
std::string signatureSummary(const nlohmann::json& signature);
/// "tabular: standardize (4 columns, target species)"; "-" when there is none.
std::string preprocessingSummary(const nlohmann::json& preprocessing);

/// KEY=VALUE tags as a map (a CliError for a pair without '=' or with an empty key).
std::map<std::string, std::string> parseTags(const std::vector<std::string>& pairs);

/// Who changed the registry, for the alias audit log: "cli: wb models alias".
std::string cliActor(const std::string& command);

}  // namespace wb::cli
