#pragma once

// Row-level helpers shared by registry.cpp and gate.cpp (not part of the public API).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/registry/registry.h"

namespace wb::store {
class Statement;
}

namespace wb::registry::detail {

/// The few columns of a version that lookups and moves need.
struct VersionRow {
  std::int64_t id = 0;
  int version = 0;
  bool archived = false;
  std::string bundle_id;
  std::int64_t size_bytes = 0;
};

/// Runs FN in one read snapshot (a savepoint: nests inside a write transaction).
Status readSnapshot(store::Database& db, const std::function<Status()>& fn);

/// The row id of model NAME; the error is "no model named 'NAME'".
Result<std::int64_t> modelId(store::Database& db, const std::string& name);
/// Version VERSION of a model; the error lists what exists ("iris has no version 7 (versions 1–4)").
Result<VersionRow> versionRow(store::Database& db, std::int64_t model_id, const std::string& name,
                              int version);
/// Where ALIAS points, if it exists.
Result<std::optional<VersionRow>> aliasTarget(store::Database& db, std::int64_t model_id,
                                              const std::string& alias);
/// The highest version that is not archived; the error says why there is none.
Result<VersionRow> latestRow(store::Database& db, std::int64_t model_id, const std::string& name);
/// "aliases: production, staging" or "no aliases".
Result<std::string> aliasList(store::Database& db, std::int64_t model_id);
/// "versions 1–4", "versions 1, 3, 4" or "no versions".
Result<std::string> versionList(store::Database& db, std::int64_t model_id);

/// Points ALIAS at TO (nullopt: removes it) and records the event; false when nothing changed.
/// Call inside a write transaction.
Result<bool> moveAlias(store::Database& db, std::int64_t model_id, const std::string& alias,
                       const std::optional<VersionRow>& to, const std::string& reason,
                       const std::string& actor);
Status touchModel(store::Database& db, std::int64_t model_id);

/// Versions (with tags and aliases) matching WHERE, a clause over `m` (registered_models) and
/// `v` (model_versions), e.g. "WHERE m.name = ?"; BIND binds its parameters. Three queries,
/// whatever the number of rows. Newest first within a model, models by name.
Result<std::vector<ModelVersion>> selectVersions(store::Database& db, std::string_view where,
                                                 const std::function<void(store::Statement&)>& bind);
/// One version by model name and number.
Result<ModelVersion> loadVersion(store::Database& db, const std::string& name, int version);

}  // namespace wb::registry::detail
