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
  /// The digits CNN: CONFIG under configs/ trained for DIGITS_EPOCHS (kept small: every
  /// `wb demo` pays for it), then registered as "digits-cnn".
  std::string digits_config = "digits-lenet";
  int digits_epochs = 2;
};

/// The names the demo registers its models under.
inline constexpr const char* kDigitsModel = "digits-cnn";
inline constexpr const char* kIrisModel = "iris";
/// The actor of the demo's registrations in the alias audit log.
inline constexpr const char* kDemoActor = "wb demo";

struct DemoProgress {
  /// "datasets" while the demo data is generated and imported, "training" (the sweep's runs),
  /// "training digits" (the digits CNN, the last run), then "registering" (one event per
  /// version: run_name is "model@alias", run_index/run_count count the registrations).
  std::string phase;
  int run_index = 0;  // training: 0-based over every run the demo trains (sweep, then digits)
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

/// One model version the demo registered (or found registered by an earlier demo).
struct DemoModel {
  std::string name;  // kDigitsModel, kIrisModel
  int version = 0;
  std::string alias;  // "production", "staging"
  std::string run_id;
  bool existed = false;  // the model was registered already: nothing was added
};

struct DemoResult {
  std::filesystem::path workspace;
  std::string sweep_run_id;         // the parent of the runs
  std::vector<DemoRunResult> runs;  // the sweep's children, in grid order
  DemoRunResult digits_run;         // the digits CNN
  std::vector<std::string> datasets;  // "digits@1", … (versions imported or already there)
  std::vector<DemoModel> models;      // digits-cnn@production, iris@production, iris@staging
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
/// the same params, metrics, checkpoints and dataset link as a `wb train` run. Then the digits
/// CNN (options.digits_config) is trained, and the models registered as `wb models register`
/// does (packageRun, registerVersion, finishBundle; actor kDemoActor): "digits-cnn" v1
/// @production, "iris" v1 @production (the sweep child with the best val/accuracy) and v2
/// @staging (the next best). A model that exists already is left as it is (no duplicates
/// when the demo runs again on its workspace).
/// progress may return false to cancel; the run in progress is then marked killed.
Result<DemoResult> createDemoWorkspace(const DemoOptions& options,
                                       const std::function<bool(const DemoProgress&)>& progress = {});

}  // namespace wb::demo
