#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/data/dataset.h"

namespace wb::store {
class Database;
}

namespace wb::data {

struct DatasetInfo {
  std::int64_t id = 0;
  std::string name;
  DatasetKind kind = DatasetKind::Unknown;
  std::string description;
  double created_at = 0;
  int latest_version = 0;
  int version_count = 0;
};

struct DatasetVersion {
  std::int64_t id = 0;
  std::int64_t dataset_id = 0;
  std::string dataset;
  DatasetKind kind = DatasetKind::Unknown;
  int version = 0;
  std::optional<int> parent_version;
  std::string manifest_id;
  std::string message;
  std::string source;
  Storage storage = Storage::Objects;
  double created_at = 0;
  std::int64_t sample_count = 0;
  std::int64_t problem_count = 0;
  std::int64_t total_bytes = 0;
  std::string stats_json;

  /// "name@3": how configs and runs refer to this version.
  std::string ref() const { return dataset + "@" + std::to_string(version); }
};

struct NewDatasetVersion {
  std::string dataset;
  DatasetKind kind = DatasetKind::Unknown;
  std::string manifest_id;
  std::optional<int> parent_version;
  std::string message;
  std::string source;
  Storage storage = Storage::Objects;
  ManifestStats stats;
};

/// A parsed "name", "name@3", "name@v3" or "name@latest".
struct DatasetRef {
  std::string name;
  int version = 0;  // 0 = latest
  static Result<DatasetRef> parse(std::string_view text);
};

/// Datasets and their versions in the workspace database. Versions are append-only; the
/// manifest object holds the content.
class DatasetRepository {
 public:
  explicit DatasetRepository(store::Database& db) : m_db(db) {}

  Result<std::vector<DatasetInfo>> list();
  Result<std::optional<DatasetInfo>> find(const std::string& name);
  Result<std::vector<DatasetVersion>> versions(const std::string& name);
  /// Resolves "name@N" / "name@latest" / "name" to a version, or an error naming what is missing.
  Result<DatasetVersion> resolve(const std::string& ref);
  Result<DatasetVersion> version(std::int64_t version_id);
  /// Creates the dataset on first use; the new version is latest + 1.
  Result<DatasetVersion> addVersion(const NewDatasetVersion& v);
  /// Deletes a dataset and its versions (objects stay in the store; runs that used it keep
  /// their record only if the version survives, so this refuses when runs refer to it).
  Status remove(const std::string& name);

  /// Records that a run read a dataset version (role: train, eval…).
  Status linkRun(const std::string& run_id, std::int64_t version_id, const std::string& role);
  Result<std::vector<std::pair<DatasetVersion, std::string>>> runInputs(const std::string& run_id);

 private:
  store::Database& m_db;
};

}  // namespace wb::data
