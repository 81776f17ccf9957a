#pragma once

// The trainer's fit loop (LibTorch), internal to core/train: runTraining() is
// FitLoop(…).run(). One method per phase, as Lightning's fit loop reads:
//   setUp → openRun → startFit → { runEpoch: trainStep…, validate, checkpoint } → test → finish

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/train/checkpoint_store.h"
#include "core/train/run_slots.h"
#include "core/train/train_setup.h"
#include "core/train/trainer.h"

namespace wb::train {

class FitLoop {
 public:
  FitLoop(const Workspace& ws, const TrainRequest& request, const TrainEventFn& on_event,
          const std::atomic<bool>& stop);
  ~FitLoop();

  /// Errors before the run exists are returned; after, the run is finished (failed, killed
  /// or finished) and the outcome says how.
  Result<TrainOutcome> run();

 private:
  using Clock = std::chrono::steady_clock;
  /// How the run ends, when a phase ends it.
  struct Ending {
    store::RunStatus status = store::RunStatus::Unknown;
    std::string message;
  };
  using Phase = std::optional<Ending>;  // nullopt: go on
  struct EpochState;

  void emit(nlohmann::json event) const;
  Status setUp();       // device, seed, data, model: nothing recorded yet
  Status createRun();   // a new run, or the resumed one with its last checkpoint loaded
  Phase waitForSlot();  // the workspace's run queue
  Status startFit();    // metrics writer, optimiser, started/resumed events
  Phase runEpoch(int epoch);
  Phase trainStep(const data::Batch& batch, EpochState& state);
  Phase validate(std::map<std::string, double>& metrics);
  void addSystemMetrics(std::map<std::string, double>& metrics, const EpochState& state) const;
  Phase checkpoint(int epoch, const std::map<std::string, double>& metrics);
  bool stopEarly(int epoch, const std::map<std::string, double>& metrics);
  Phase test();
  Result<TrainOutcome> finish(const Ending& ending);

  const Workspace& m_ws;
  const TrainRequest& m_request;
  const config::ExperimentConfig& m_cfg;
  const TrainEventFn& m_on_event;
  const std::atomic<bool>& m_stop;

  torch::Device m_device{torch::kCPU};
  std::unique_ptr<store::Database> m_db;
  std::unique_ptr<data::DatasetRepository> m_datasets;
  PreparedData m_data;
  std::unique_ptr<models::Model> m_model;
  std::unique_ptr<store::RunRepository> m_runs;
  objects::ObjectStore m_objects;
  std::optional<store::Run> m_run;
  std::unique_ptr<CheckpointStore> m_checkpoints;
  RunSlot m_slot;
  std::unique_ptr<store::MetricsWriter> m_writer;
  TrainOutcome m_outcome;

  std::unique_ptr<torch::optim::Optimizer> m_optimizer;
  std::vector<at::Tensor> m_all_params;
  bool m_amp = false;
  LossScaler m_scaler;
  std::int64_t m_batches = 0;
  int m_start_epoch = 0;
  std::int64_t m_step = 0;
  Clock::time_point m_started;

  std::string m_monitor, m_es_key;
  bool m_monitor_max = false, m_es_max = false;
  std::optional<double> m_best, m_es_best, m_plateau_best;
  int m_es_bad_epochs = 0, m_plateau_bad = 0;
  double m_plateau_scale = 1.0;
  bool m_early_stopped = false;
  std::string m_best_state;
};

}  // namespace wb::train
