#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/data/dataset.h"
#include "core/data/importer.h"

namespace wb {
class Workspace;
}

namespace wb::data {

struct ManifestDiff {
  struct Change {
    std::string key;
    std::string from;
    std::string to;
  };
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> modified;   // same key, different content
  std::vector<Change> relabelled;      // same key, different label
  std::vector<Change> split_changed;   // same key, different split
  std::size_t unchanged = 0;
  std::vector<std::string> columns_added;    // tables and text
  std::vector<std::string> columns_removed;

  bool empty() const {
    return added.empty() && removed.empty() && modified.empty() && relabelled.empty() &&
           split_changed.empty() && columns_added.empty() && columns_removed.empty();
  }
};

/// What changed from `a` to `b`, by sample key. Both are sorted by key (manifests are).
ManifestDiff diffManifests(const Manifest& a, const Manifest& b);

struct CheckoutResult {
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  std::filesystem::path index;  // labels.csv or data.csv
};

/// Materialises a version into DIR: image files at their keys plus labels.csv
/// (path,label,split); tables and text as data.csv with a split column. DIR must be empty
/// or absent. Every file is hash-checked as it is written; a corrupt source is an error.
Result<CheckoutResult> checkoutVersion(const Workspace& workspace, const DatasetVersion& version,
                                       const std::filesystem::path& dir,
                                       const ImportProgressFn& progress = {});

struct DataVerifyReport {
  std::size_t checked = 0;
  std::uint64_t bytes = 0;
  std::vector<ImportProblem> problems;  // key (or manifest) and what is wrong
};

/// Re-hashes every sample of a version (objects, or the source files for in-place data).
Result<DataVerifyReport> verifyVersion(const Workspace& workspace, const DatasetVersion& version,
                                       int threads = 0, const ImportProgressFn& progress = {});

}  // namespace wb::data
