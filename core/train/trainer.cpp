#include "core/train/trainer.h"

#include "core/common/numbers.h"
#include "core/data/dataset_repository.h"
#include "core/models/model_factory.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/train/fit_loop.h"
#include "core/train/train_setup.h"
#include "core/workspace/workspace.h"

namespace wb::train {

Result<TrainPlan> planTraining(const Workspace& ws, const config::ExperimentConfig& cfg,
                               const config::ConfigNode* source) {
  auto db = ws.connect();
  if (!db) return db.error();
  data::DatasetRepository datasets(**db);
  auto prepared = prepareData(ws, datasets, cfg, source);
  if (!prepared) return prepared.error();
  const std::string type(config::toString(cfg.model.type));
  auto parameters = models::countParameters(type, cfg.model.params, prepared->input);
  if (!parameters) return parameters.error();
  TrainPlan plan;
  plan.dataset = prepared->version.ref();
  plan.input_shape = prepared->input.shape;
  plan.classes = prepared->input.classes;
  plan.parameters = *parameters;
  plan.train_samples = static_cast<std::int64_t>(prepared->train->size());
  plan.val_samples = prepared->val ? static_cast<std::int64_t>(prepared->val->size()) : 0;
  plan.test_samples = prepared->test ? static_cast<std::int64_t>(prepared->test->size()) : 0;
  plan.batches_per_epoch = static_cast<std::int64_t>(prepared->train->batchesPerEpoch());
  plan.warnings = prepared->warnings;
  auto device = pickDevice(cfg.trainer.device);
  if (!device) return device.error();
  plan.device = device->str();
  return plan;
}

Result<TrainOutcome> runTraining(const Workspace& ws, const TrainRequest& request,
                                 const TrainEventFn& on_event, const std::atomic<bool>& stop) {
  FitLoop loop(ws, request, on_event, stop);
  return loop.run();
}

Result<TrainRequest> resumeRequest(const Workspace& ws, const std::string& run_ref) {
  auto db = ws.connect();
  if (!db) return db.error();
  store::RunRepository runs(**db);
  (void)runs.reapDeadRuns();  // a run whose process died is "killed", not "running"
  auto run = runs.find(run_ref);
  if (!run) return run.error();
  if (run->status == store::RunStatus::Finished)
    return makeError("the run already finished; start a new one instead", run->name);
  if (run->status == store::RunStatus::Running || run->status == store::RunStatus::Queued)
    return makeError("the run is still running (pid " + std::to_string(run->pid) + ")", run->name);
  const std::string origin = "run " + run->name + " config";
  auto config = config::parseExperimentYaml(run->config_text, origin);
  if (!config) return makeError("its stored config is not valid: " + config.error().text(), run->name);
  TrainRequest r;
  r.config = *config;
  r.config_text = run->config_text;
  r.resume_run_id = run->id;
  if (auto tree = config::parseYaml(run->config_text, origin); tree) r.source = *tree;
  return r;
}

}  // namespace wb::train
