#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/config/experiment_config.h"
#include "core/store/types.h"

namespace wb {
class Workspace;
}

namespace wb::train {

/// One training run to perform.
struct TrainRequest {
  config::ExperimentConfig config;
  std::string config_text;  // the resolved YAML, stored with the run
  std::string run_name;     // empty: generated
  std::string parent_run_id;
  std::map<std::string, std::string> extra_params;  // e.g. the sweep's params of this child
  /// Continue this (failed or killed) run from its last checkpoint instead of creating one.
  /// The config then comes from the run itself; `config` is ignored.
  std::string resume_run_id;
  /// The composed config tree `config` was read from (optional): gives config errors found
  /// at start (unknown dataset, monitor names) their file:line.
  config::ConfigNode source;
};

/// The request that resumes RUN (id, prefix or name): its stored config, checked to be
/// resumable (not finished, not running in a live process, has a last checkpoint).
Result<TrainRequest> resumeRequest(const Workspace& workspace, const std::string& run);

struct TrainOutcome {
  std::string run_id;
  store::RunStatus status = store::RunStatus::Unknown;
  std::string message;
  int epochs = 0;
  std::map<std::string, double> final_metrics;  // last epoch's values, plus test/*
};

/// What a config would train, without training it (`wb train --dry-run`, the editor's
/// parameter count): loads the dataset version, fits the transforms, sizes the model, and
/// checks what only the data can tell: the dataset exists ("did you mean"), the monitored
/// metrics (checkpoint, early stopping) are ones the task logs. SOURCE, the composed tree
/// CONFIG came from (may be null), gives those errors their file:line.
struct TrainPlan {
  std::string dataset;  // resolved ref "digits@1"
  std::vector<std::int64_t> input_shape;
  std::int64_t classes = 0;  // 0: regression
  std::int64_t parameters = 0;
  std::int64_t train_samples = 0, val_samples = 0, test_samples = 0;
  std::int64_t batches_per_epoch = 0;
  std::string device;
  std::vector<std::string> warnings;  // e.g. images of another shape, resized to the input
};
Result<TrainPlan> planTraining(const Workspace& workspace, const config::ExperimentConfig& config,
                               const config::ConfigNode* source = nullptr);

/// Called for every event ({"event": "started"|"step"|"checkpoint"|"epoch"|"finished", …}) on the
/// training thread; `wb train` prints each as one JSON line.
using TrainEventFn = std::function<void(const nlohmann::json&)>;

/// Trains one run in this process (a FitLoop, fit_loop.h): creates the run (params, tags,
/// notes, resolved config, the dataset version it reads), loops over epochs with the
/// configured optimiser, scheduler, gradient clipping and early stopping, logs train/val
/// metrics (regression ones in the target's units) and step-time breakdowns, flushes each
/// epoch's metrics before its checkpoint claims the epoch done, keeps one rolling `last` and
/// `best` checkpoint in the object store, evaluates the test split with the best checkpoint
/// (evaluation.h), and stores the confusion matrix and the fitted preprocessing. A NaN/inf
/// loss fails the run with a message. `stop` set (SIGTERM, the GUI's Stop) ends the current
/// step, saves a checkpoint and marks the run killed. Errors before the run exists (bad
/// dataset, monitor names) are returned; after, the run is marked failed and the outcome
/// says why.
Result<TrainOutcome> runTraining(const Workspace& workspace, const TrainRequest& request,
                                 const TrainEventFn& on_event, const std::atomic<bool>& stop);

}  // namespace wb::train
