#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace wb {
class Workspace;
}

namespace wb::demo {

struct TabularData {
  std::vector<std::string> feature_names;
  std::vector<std::string> class_names;
  std::vector<std::vector<float>> features;  // one row per sample
  std::vector<int> labels;                   // index into class_names
};

/// Parses a CSV whose last column is a class label and the others numbers.
Result<TabularData> parseLabelledCsv(std::string_view csv, const std::string& source_name);

struct DemoRunSpec {
  std::string name;
  std::string optimizer;  // "adam" or "sgd"
  double lr = 0.01;
  int hidden = 16;
};

struct DemoOptions {
  std::filesystem::path dir;
  int epochs = 60;
  int batch_size = 16;
  std::uint64_t seed = 7;
  std::vector<DemoRunSpec> runs = {
      {"iris-adam-lr0.1", "adam", 0.1, 16},   {"iris-adam-lr0.03", "adam", 0.03, 16},
      {"iris-adam-lr0.01", "adam", 0.01, 16}, {"iris-adam-lr0.003", "adam", 0.003, 16},
      {"iris-sgd-lr0.05", "sgd", 0.05, 32},
  };
};

struct DemoProgress {
  std::string phase;  // "datasets" while the demo data is generated and imported, then "training"
  int run_index = 0;
  int run_count = 0;
  std::string run_name;
  int epoch = 0;
  int epochs = 0;
  double val_accuracy = 0;
};

struct DemoRunResult {
  std::string run_id;
  std::string name;
  double val_accuracy = 0;
  double val_loss = 0;
};

struct DemoResult {
  std::filesystem::path workspace;
  std::vector<DemoRunResult> runs;
  std::vector<std::string> datasets;  // "digits@1", … (versions imported or already there)
};

/// Writes the demo experiment configs into the workspace's configs/ (one per demo dataset,
/// optimiser choices as a config group, and a small sweep); existing files are kept.
/// Returns the names written.
Result<std::vector<std::string>> writeDemoConfigs(const Workspace& workspace);

/// Generates the demo data sets under WORKSPACE/data (digits, shapes, iris, headlines) and
/// imports each as a dataset version; a dataset that already exists is left as it is.
Result<std::vector<std::string>> importDemoDatasets(
    const Workspace& workspace, const std::function<bool(const std::string&)>& progress = {});

/// Creates a workspace at options.dir (or adds to an existing one) with runs produced by real
/// LibTorch training of an MLP on the Iris table, logged through the store.
/// progress may return false to cancel; the run in progress is then marked killed.
Result<DemoResult> createDemoWorkspace(const DemoOptions& options,
                                       const std::function<bool(const DemoProgress&)>& progress = {});

}  // namespace wb::demo
