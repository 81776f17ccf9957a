#pragma once

// The model registry: named models, numbered versions, aliases with an audit log, quality
// gates. Qt-free and LibTorch-free: a version's bundle is built by the caller (BundleMaker,
// see core/registry/packaging.h) and stored here as one object of the content store.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/registry/model_ref.h"

namespace wb::objects {
class ObjectStore;
}
namespace wb::store {
class Database;
}

namespace wb::registry {

/// One registered version of a model.
struct ModelVersion {
  std::int64_t id = 0;  // row id, stable across renames of nothing: use model + version to show
  std::string model;
  int version = 0;
  bool archived = false;
  std::string model_type;  // "mlp", "lenet", …, "torchscript"
  std::string source;      // "run", "import:torchscript", "import:bundle"
  std::string bundle_id;   // object id (SHA-256) of the bundle file
  std::int64_t size_bytes = 0;  // the bundle's size
  std::string run_id;           // lineage; empty for imports
  std::string checkpoint;       // "checkpoints/best.pt", …
  std::string dataset;          // "digits@2"; empty when unknown
  std::string config_hash;      // SHA-256 of the run's resolved config; empty when unknown
  std::string description;
  /// See core/registry/bundle.h for the keys (model.json's "signature", "metrics",
  /// "lineage"). metrics: {"val/accuracy": {"last": …, "min": …, "max": …}, "test/accuracy":
  /// {"last": …}, …}: one object per key, as the Runs filter reads them.
  nlohmann::json signature, metrics, lineage;
  /// Results of exports, by format: {"onnx": {"opset": 13, "max_abs_diff": 3e-7, "checked_by":
  /// "opencv-dnn 4.6.0", "at": …}}. Updated by recordExport().
  nlohmann::json exports = nlohmann::json::object();
  std::map<std::string, std::string> tags;
  std::vector<std::string> aliases;  // sorted
  double created_at = 0;             // Unix seconds
};

struct RegisteredModel {
  std::string name;
  std::string description;
  int latest_version = 0;  // highest non-archived version; 0 when none
  int version_count = 0;   // versions that exist (archived included)
  std::map<std::string, int> aliases;  // alias → version
  double created_at = 0;
  double updated_at = 0;  // last registration, alias move, archive or delete
};

/// One alias change. from_version/to_version are empty when the alias was created/removed.
struct AliasEvent {
  std::int64_t id = 0;
  std::string model;
  std::string alias;
  std::optional<int> from_version;
  std::optional<int> to_version;
  std::string reason;  // the user's words, or what did it ("promote: gate passed")
  std::string actor;   // "cli: wb models alias", "gui", …
  double at = 0;
};

/// What registerVersion() records besides the bundle.
struct NewVersion {
  std::string name;
  std::string model_type;
  std::string source = "run";
  std::string run_id, checkpoint, dataset, config_hash, description;
  nlohmann::json signature, metrics, lineage;
  std::map<std::string, std::string> tags;
  std::string alias;  // set on the new version when not empty (audited)
  std::string actor;  // for the audit log
};

/// Builds the bundle file's bytes for NAME version VERSION (the number the registry assigns).
using BundleMaker = std::function<Result<std::string>(const std::string& name, int version)>;

/// A quality gate (wb models promote).
struct PromoteRequest {
  std::string name;
  std::string from;  // alias or version number as text ("staging", "4"); empty: latest
  std::string to;    // alias to move ("production")
  /// Conditions in the Runs filter grammar (core/query/run_filter.h), evaluated on the
  /// candidate version: metrics from its snapshot, params from lineage.params, tags from the
  /// version's tags; fields version/model/type/dataset/run.
  std::vector<std::string> require;
  std::string better_than;  // alias or version the candidate must beat on `metric`
  std::string metric;       // e.g. "test/accuracy"; higher is better unless loss-like
  std::string reason;
  std::string actor;
  bool dry_run = false;  // evaluate only
};

struct GateCheck {
  std::string condition;  // as written, or "test/accuracy better than production (v3)"
  bool passed = false;
  std::string detail;  // the values: "test/accuracy = 0.9333 (needs >= 0.95)"
};

struct GateResult {
  bool passed = false;
  int candidate = 0;              // the version `from` resolved to
  std::optional<int> previous;    // where `to` pointed before
  bool moved = false;             // true when the alias was moved
  std::vector<GateCheck> checks;
};

/// What deleting a version would free.
struct DeletePlan {
  std::string model;
  int version = 0;
  std::int64_t reclaim_bytes = 0;  // bytes of objects no other version or run references
  std::vector<std::string> blocking_aliases;  // non-empty: deletion is refused
};

class ModelRegistry {
 public:
  ModelRegistry(store::Database& db, objects::ObjectStore& objects);

  /// Creates NAME if needed and adds the next version (numbers are never reused, even after a
  /// delete): MAKE builds the bundle for that number, the bytes go to the object store and the
  /// rows (version, tags, optional alias + audit event) are written in one transaction.
  /// Concurrent registrations get distinct numbers. MAKE runs inside that write transaction
  /// (it may read the database, but must not write through another connection: it would wait
  /// for this one).
  Result<ModelVersion> registerVersion(const NewVersion& version, const BundleMaker& make);

  Result<std::vector<RegisteredModel>> models();
  Result<RegisteredModel> model(const std::string& name);
  /// Versions of NAME, newest first.
  Result<std::vector<ModelVersion>> versions(const std::string& name);
  /// Every version of every model (the GUI's table; 1,000s of rows in one query).
  Result<std::vector<ModelVersion>> allVersions();
  /// A cheap fingerprint of everything the registry holds (one query, no JSON): it changes
  /// with every registration, alias move, edit, archive, export record and delete, and not
  /// with other tables' commits (a training run's metrics). Watchers compare it before paying
  /// for allVersions().
  Result<std::string> changeStamp();

  /// Resolves "iris@production", "iris/3", "iris", "iris@latest". Errors name what is missing
  /// ("no model named 'iris'", "iris has no alias 'production' (aliases: staging)",
  /// "iris has no version 7 (versions 1–4)").
  Result<ModelVersion> resolve(const ModelRef& ref);
  Result<ModelVersion> resolve(std::string_view ref);

  /// The bundle file of a version, checked against its object id.
  Result<std::string> bundleBytes(const ModelVersion& version);

  /// Points ALIAS of NAME at VERSION (creates or moves it) in one transaction with its audit
  /// event; setting it where it already points is a no-op without an event. CHANGED, when
  /// given, receives whether the alias moved (an event was written).
  Status setAlias(const std::string& name, const std::string& alias, int version,
                  const std::string& reason, const std::string& actor, bool* changed = nullptr);
  Status removeAlias(const std::string& name, const std::string& alias, const std::string& reason,
                     const std::string& actor);
  /// Alias events of NAME, oldest first.
  Result<std::vector<AliasEvent>> history(const std::string& name);

  /// Evaluates the gate and, when it passes (and not dry_run), moves `to` to the candidate in
  /// one transaction. A failing gate changes nothing and is not an Error: see passed/checks.
  Result<GateResult> promote(const PromoteRequest& request);

  Status setArchived(const std::string& name, int version, bool archived);
  Status setDescription(const std::string& name, int version, const std::string& text);
  Status setTag(const std::string& name, int version, const std::string& key,
                const std::string& value);
  Status removeTag(const std::string& name, int version, const std::string& key);
  /// Merges RESULT into the version's exports under FORMAT.
  Status recordExport(const std::string& name, int version, const std::string& format,
                      const nlohmann::json& result);

  Result<DeletePlan> planDelete(const std::string& name, int version);
  /// Deletes the version (refused while an alias points at it) and the objects only it used.
  /// A model left without versions keeps its name, history and number sequence.
  Result<DeletePlan> deleteVersion(const std::string& name, int version, const std::string& actor);

 private:
  store::Database& m_db;
  objects::ObjectStore& m_objects;
};

/// Loss-like keys (loss, mae, rmse, error…) are better when lower; the same rule as ".best"
/// in the Runs filter.
bool lowerIsBetter(std::string_view metric_key);

}  // namespace wb::registry
