#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace wb {
class Workspace;
}

namespace wb::demo {

struct DemoOptions {
  std::filesystem::path dir;
  int epochs = 0;                         // 0: the sweep config's own (trainer.epochs)
  std::string sweep_config = "iris-sweep";  // under configs/: its grid is the demo's runs
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
  std::map<std::string, double> final_metrics;  // the trainer's: last epoch's values, test/*
};

struct DemoResult {
  std::filesystem::path workspace;
  std::string sweep_run_id;         // the parent of the runs
  std::vector<DemoRunResult> runs;  // the sweep's children, in grid order
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

/// Creates a workspace at options.dir (or adds to an existing one): the demo configs and
/// datasets, then the sweep options.sweep_config trained as `wb sweep` does, by the real
/// trainer (core/train runTraining): a parent run with one child per grid point, each with
/// the same params, metrics, checkpoints and dataset link as a `wb train` run.
/// progress may return false to cancel; the run in progress is then marked killed.
Result<DemoResult> createDemoWorkspace(const DemoOptions& options,
                                       const std::function<bool(const DemoProgress&)>& progress = {});

}  // namespace wb::demo
