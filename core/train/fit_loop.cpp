#include "core/train/fit_loop.h"

#include <ATen/autocast_mode.h>

#include <unistd.h>

#include <cmath>

#include "core/common/clock.h"
#include "core/common/numbers.h"
#include "core/metrics/series_ops.h"
#include "core/models/model_factory.h"
#include "core/store/metrics_reader.h"
#include "core/train/system_usage.h"
#include "core/workspace/workspace.h"

namespace wb::train {

namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

constexpr const char* kLast = "checkpoints/last.pt";
constexpr const char* kBest = "checkpoints/best.pt";

}  // namespace

// One epoch's running totals: train loss/accuracy and the step-time breakdown.
struct FitLoop::EpochState {
  int epoch = 0;
  EvalResult stats;
  std::int64_t steps = 0;
  double t_data = 0, t_fwd = 0, t_bwd = 0, t_opt = 0, t_met = 0, t_log = 0;
  Clock::time_point start = Clock::now();
  ProcessUsage usage_before = processUsage();
  double train_seconds = 0;
};

FitLoop::FitLoop(const Workspace& ws, const TrainRequest& request, const TrainEventFn& on_event,
                 const std::atomic<bool>& stop)
    : m_ws(ws),
      m_request(request),
      m_cfg(request.config),
      m_on_event(on_event),
      m_stop(stop),
      m_objects(ws.objectsDir()) {}

FitLoop::~FitLoop() = default;

void FitLoop::emit(nlohmann::json event) const {
  // Every event names its run once there is one (a sweep's children share one stdout).
  if (m_run && !event.contains("run_id")) event["run_id"] = m_run->id;
  if (m_on_event) m_on_event(event);
}

Result<TrainOutcome> FitLoop::run() {
  if (auto st = setUp(); !st) return st.error();
  if (auto st = createRun(); !st) return st.error();
  if (auto ended = waitForSlot()) {
    (void)m_runs->setStatus(m_run->id, ended->status, ended->message);
    m_outcome.status = ended->status;
    m_outcome.message = ended->message;
    emit({{"event", "finished"}, {"status", store::toString(ended->status)}, {"message", ended->message},
          {"metrics", nlohmann::json::object()}});
    return m_outcome;
  }
  try {
    if (auto st = startFit(); !st) return st.error();
    for (int epoch = m_start_epoch; epoch < m_cfg.trainer.epochs && !m_early_stopped; ++epoch)
      if (Phase ended = runEpoch(epoch)) return finish(*ended);
    if (Phase ended = test()) return finish(*ended);
    return finish({store::RunStatus::Finished, {}});
  } catch (const std::exception& e) {
    return finish({store::RunStatus::Failed, std::string("training failed: ") + e.what()});
  }
}

Status FitLoop::setUp() {
  auto device = pickDevice(m_cfg.trainer.device);
  if (!device) return device.error();
  m_device = *device;
  torch::manual_seed(static_cast<std::uint64_t>(m_cfg.trainer.seed));
  if (m_cfg.trainer.deterministic) at::globalContext().setDeterministicAlgorithms(true, false);
  // Data first: a wrong dataset ref or monitor name fails before a run exists.
  auto db = m_ws.connect();
  if (!db) return db.error();
  m_db = std::move(*db);
  m_datasets = std::make_unique<data::DatasetRepository>(*m_db);
  const config::ConfigNode* source = m_request.source.isNull() ? nullptr : &m_request.source;
  auto prepared = prepareData(m_ws, *m_datasets, m_cfg, source);
  if (!prepared) return prepared.error();
  m_data = std::move(*prepared);
  auto model = models::buildModel(std::string(config::toString(m_cfg.model.type)), m_cfg.model.params,
                                  m_data.input);
  if (!model) return model.error();
  m_model = std::move(*model);
  return m_model->to(m_device);
}

Status FitLoop::createRun() {
  m_runs = std::make_unique<store::RunRepository>(*m_db);
  const std::string& resume_id = m_request.resume_run_id;
  if (!resume_id.empty()) {
    // Resume: this process takes the run over and continues from its last checkpoint.
    auto state = CheckpointStore(*m_db, m_objects, resume_id).load(kLast);
    if (!state || state->empty()) return makeError("the run has no last checkpoint to resume from", resume_id);
    if (auto st = m_model->loadState(*state); !st)
      return makeError("cannot load the last checkpoint: " + st.error().text(), resume_id);
    if (auto ps = m_runs->params(resume_id); ps) {
      if (auto it = ps->find("trainer.completed_epochs"); it != ps->end())
        m_start_epoch = static_cast<int>(parseInt(it->second).value_or(0));
      if (auto it = ps->find("trainer.completed_steps"); it != ps->end())
        m_step = parseInt(it->second).value_or(0);
    }
    if (auto st = m_runs->claim(resume_id, ::getpid(), store::RunStatus::Queued); !st) return st;
  }
  store::NewRun nr;
  nr.experiment = m_cfg.experiment.empty() ? "Default" : m_cfg.experiment;
  nr.name = m_request.run_name;
  nr.pid = ::getpid();
  nr.config_text = m_request.config_text;
  nr.parent_run_id = m_request.parent_run_id;
  auto params = config::toParams(m_cfg);
  params["data.version"] = m_data.version.ref();
  params["model.parameters"] = std::to_string(m_model->parameterCount());
  for (const auto& [k, v] : m_request.extra_params) params[k] = v;
  nr.params = params;
  nr.tags = m_cfg.tags;
  nr.notes = m_cfg.notes;
  nr.status = store::RunStatus::Queued;
  auto run = resume_id.empty() ? m_runs->create(nr) : m_runs->find(resume_id);
  if (!run) return run.error();
  m_run = *run;
  m_outcome.run_id = run->id;
  m_checkpoints = std::make_unique<CheckpointStore>(*m_db, m_objects, run->id);
  return {};
}

FitLoop::Phase FitLoop::waitForSlot() {
  auto acquired = acquireRunSlot(m_ws, m_run->id, [&](const SlotWait& w) {
    emit({{"event", "queued"}, {"name", m_run->name}, {"position", w.position},
          {"limit", w.limit}, {"busy", w.busy}});
  }, m_stop);
  if (!acquired) {
    if (m_stop) return Ending{store::RunStatus::Killed, "stopped while queued"};
    return Ending{store::RunStatus::Failed, acquired.error().text()};
  }
  m_slot = std::move(*acquired);
  return std::nullopt;
}

Status FitLoop::startFit() {
  if (auto st = m_runs->claim(m_run->id, ::getpid()); !st) return st;
  (void)m_datasets->linkRun(m_run->id, m_data.version.id, "train");
  store::MetricsWriterOptions wopts;
  wopts.heartbeat_run = m_run->id;
  auto writer = store::MetricsWriter::open(m_ws.dbPath(), wopts);
  if (!writer) return writer.error();
  m_writer = std::move(*writer);

  m_optimizer = makeOptimizer(m_cfg.optim, m_model->parameters());
  m_batches = static_cast<std::int64_t>(m_data.train->batchesPerEpoch());
  // float16 autocast only where it pays and is safe with loss scaling: CUDA. On the CPU the
  // flag is reported (started event) and training stays in float32.
  m_amp = m_cfg.trainer.mixed_precision && m_device.is_cuda();
  m_all_params = m_model->parameters();
  nlohmann::json started = {{"event", "started"}, {"run_id", m_run->id}, {"name", m_run->name},
                            {"dataset", m_data.version.ref()}, {"parameters", m_model->parameterCount()},
                            {"device", m_device.str()}, {"mixed_precision", m_amp},
                            {"epochs", m_cfg.trainer.epochs}, {"batches_per_epoch", m_batches}};
  if (!m_data.warnings.empty()) started["warnings"] = m_data.warnings;
  emit(started);
  m_monitor = metrics::storedMetricKey(m_cfg.trainer.checkpoint.monitor);
  m_monitor_max = m_cfg.trainer.checkpoint.mode == config::MonitorMode::Max;
  m_es_key = metrics::storedMetricKey(m_cfg.trainer.early_stopping.monitor);
  m_es_max = m_cfg.trainer.early_stopping.mode == config::MonitorMode::Max;
  if (m_start_epoch > 0) {
    // The best so far, from the stored series, so a resumed run keeps its best checkpoint.
    store::MetricsReader reader(*m_db);
    if (auto sums = reader.summaries({m_run->id}, {m_monitor}); sums && !sums->empty()) {
      const auto& sm = sums->front();
      m_best = m_monitor_max ? sm.max_value : sm.min_value;
    }
    emit({{"event", "resumed"}, {"run_id", m_run->id}, {"epoch", m_start_epoch}, {"step", m_step}});
  }
  m_started = Clock::now();
  return {};
}

FitLoop::Phase FitLoop::runEpoch(int epoch) {
  const double lr = scheduledLr(m_cfg, epoch, m_plateau_scale);
  for (auto& group : m_optimizer->param_groups()) group.options().set_lr(lr);
  m_model->train();
  m_data.train->startEpoch(epoch);
  EpochState state;
  state.epoch = epoch;
  if (m_data.task.classification) state.stats.classification.emplace(m_data.task.classes, 1);
  for (;;) {
    if (m_stop) {
      if (auto bytes = m_model->saveState()) (void)m_checkpoints->save(kLast, *bytes);
      m_outcome.epochs = epoch;
      return Ending{store::RunStatus::Killed, "stopped at epoch " + std::to_string(epoch + 1) + ", step " +
                                                  std::to_string(m_step) + "; checkpoint saved"};
    }
    const auto t0 = Clock::now();
    auto next = m_data.train->next();
    if (!next) return Ending{store::RunStatus::Failed, next.error().text()};
    if (!*next) break;
    state.t_data += seconds(Clock::now() - t0);
    if (Phase ended = trainStep(**next, state)) return ended;
  }
  state.train_seconds = secondsSince(state.start);
  std::map<std::string, double> m;
  const auto& st = state.stats;
  m["train/loss"] = st.samples ? st.loss / static_cast<double>(st.samples) : 0;
  if (st.classification) m["train/accuracy"] = st.classification->accuracy();
  if (Phase ended = validate(m)) return ended;
  m["lr"] = lr;
  addSystemMetrics(m, state);
  // The epoch's metrics are durable before the checkpoint and the epoch count claim it done:
  // a kill -9 after that point leaves no hole in the series of a resumed run.
  for (const auto& [k, v] : m) m_writer->log(m_run->id, k, m_step, v, epoch + 1);
  if (auto st_flush = m_writer->flush(); !st_flush)
    return Ending{store::RunStatus::Failed, "cannot save the metrics: " + st_flush.error().text()};
  m_outcome.final_metrics = m;
  m_outcome.epochs = epoch + 1;
  if (Phase ended = checkpoint(epoch, m)) return ended;
  const double elapsed = secondsSince(m_started);
  const double eta = elapsed / (epoch + 1 - m_start_epoch) * (m_cfg.trainer.epochs - epoch - 1);
  emit({{"event", "epoch"}, {"epoch", epoch + 1}, {"epochs", m_cfg.trainer.epochs}, {"step", m_step},
        {"metrics", m}, {"seconds", state.train_seconds}, {"eta_seconds", eta}});
  m_early_stopped = stopEarly(epoch, m);
  return std::nullopt;
}

FitLoop::Phase FitLoop::trainStep(const data::Batch& b, EpochState& state) {
  const auto t1 = Clock::now();
  at::Tensor x = b.inputs.to(m_device);
  at::Tensor y = b.targets.to(m_device);
  auto off = b.offsets.defined() ? b.offsets.to(m_device) : at::Tensor();
  if (m_amp) at::autocast::set_enabled(true);
  auto out = m_model->forward(x, off);
  if (m_amp) {
    at::autocast::clear_cache();
    at::autocast::set_enabled(false);
    out = out.to(torch::kFloat);
  }
  const bool classification = m_data.task.classification;
  auto loss = classification ? torch::nn::functional::cross_entropy(out, y)
                             : torch::nn::functional::mse_loss(out.squeeze(1), y);
  const auto t2 = Clock::now();
  m_optimizer->zero_grad();
  if (m_amp) {
    (loss * m_scaler.scale).backward();
  } else {
    loss.backward();
  }
  const auto t3 = Clock::now();
  const bool step_ok = !m_amp || m_scaler.unscale(m_all_params);
  if (step_ok && m_cfg.trainer.grad_clip > 0)
    torch::nn::utils::clip_grad_norm_(m_model->parameters(), m_cfg.trainer.grad_clip);
  if (step_ok) m_optimizer->step();
  const auto t4 = Clock::now();
  const double raw_loss = loss.item<double>();
  if (!std::isfinite(raw_loss))
    return Ending{store::RunStatus::Failed,
                  "the loss became " + std::string(std::isnan(raw_loss) ? "NaN" : "infinite") + " at epoch " +
                      std::to_string(state.epoch + 1) + ", step " + std::to_string(m_step) +
                      " (try a lower optim.lr or trainer.grad_clip)"};
  // Regression losses are reported in the target's units (the model sees standardized ones).
  const double unit2 = classification ? 1.0 : m_data.task.target_scale * m_data.task.target_scale;
  const double loss_value = raw_loss * unit2;
  const auto n = y.size(0);
  state.stats.loss += loss_value * static_cast<double>(n);
  state.stats.samples += n;
  if (classification) {
    // int64 as argmax and the loader give them: no dtype conversion ops per step.
    auto pred = out.argmax(1).to(torch::kCPU).contiguous();
    auto yc = y.to(torch::kCPU).to(torch::kLong).contiguous();
    const std::int64_t* p = pred.data_ptr<std::int64_t>();
    const std::int64_t* t = yc.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
      const int pi = static_cast<int>(p[i]);
      state.stats.classification->add(static_cast<int>(t[i]), &pi, 1);
    }
  }
  ++m_step;
  ++state.steps;
  const auto t4b = Clock::now();
  if (m_step % std::max(1, m_cfg.trainer.log_every_n_steps) == 0) {
    const double epoch_pos =
        state.epoch + static_cast<double>(state.steps) / static_cast<double>(std::max<std::int64_t>(1, m_batches));
    m_writer->log(m_run->id, "train/loss_step", m_step, loss_value, epoch_pos);
    emit({{"event", "step"}, {"step", m_step}, {"epoch", state.epoch + 1}, {"batch", state.steps},
          {"batches", m_batches}, {"loss", loss_value}});
  }
  const auto t5 = Clock::now();
  state.t_fwd += seconds(t2 - t1);
  state.t_bwd += seconds(t3 - t2);
  state.t_opt += seconds(t4 - t3);
  state.t_met += seconds(t4b - t4);
  state.t_log += seconds(t5 - t4b);
  return std::nullopt;
}

FitLoop::Phase FitLoop::validate(std::map<std::string, double>& metrics) {
  if (!m_data.val) return std::nullopt;
  auto v = evaluate(*m_model, *m_data.val, m_data.task, m_device, &m_stop);
  if (!v) return Ending{store::RunStatus::Failed, v.error().text()};
  v->addMetrics(metrics, "val");
  return std::nullopt;
}

void FitLoop::addSystemMetrics(std::map<std::string, double>& m, const EpochState& state) const {
  const ProcessUsage usage = processUsage();
  const double steps = static_cast<double>(std::max<std::int64_t>(1, state.steps));
  m["sys/samples_per_s"] = static_cast<double>(state.stats.samples) / std::max(1e-9, state.train_seconds);
  m["sys/rss_mb"] = usage.rss_mb;
  if (m_device.is_cuda()) {
    if (auto gpu = gpuUsage(m_device.has_index() ? m_device.index() : 0)) {
      m["sys/gpu_util_percent"] = gpu->util_percent;
      m["sys/gpu_memory_mb"] = gpu->memory_mb;
    }
    if (m_amp) m["sys/loss_scale"] = m_scaler.scale;
  }
  m["sys/cpu_percent"] = 100.0 * (usage.cpu_s - state.usage_before.cpu_s) / std::max(1e-9, secondsSince(state.start));
  m["sys/time_data_ms"] = 1000 * state.t_data / steps;
  m["sys/time_forward_ms"] = 1000 * state.t_fwd / steps;
  m["sys/time_backward_ms"] = 1000 * state.t_bwd / steps;
  m["sys/time_optimizer_ms"] = 1000 * state.t_opt / steps;
  m["sys/time_metrics_ms"] = 1000 * state.t_met / steps;
  m["sys/time_logging_ms"] = 1000 * state.t_log / steps;
}

FitLoop::Phase FitLoop::checkpoint(int epoch, const std::map<std::string, double>& m) {
  // The last checkpoint is kept whatever save_last says: it is what --resume continues.
  auto state = m_model->saveState();
  if (!state) return Ending{store::RunStatus::Failed, "cannot save a checkpoint: " + state.error().text()};
  if (auto st = m_checkpoints->save(kLast, *state); !st)
    return Ending{store::RunStatus::Failed, "cannot save a checkpoint: " + st.error().text()};
  (void)m_runs->setParams(m_run->id, {{"trainer.completed_epochs", std::to_string(epoch + 1)},
                                      {"trainer.completed_steps", std::to_string(m_step)}});
  // The monitor was checked at set-up; only the default val_loss without a val split is absent.
  const auto mon = m.find(m_monitor);
  const double mon_value = mon != m.end() ? mon->second : m.at("train/loss");
  const bool improved = !m_best || (m_monitor_max ? mon_value > *m_best : mon_value < *m_best);
  if (improved) {
    m_best = mon_value;
    m_best_state = *state;
    if (m_cfg.trainer.checkpoint.save_best)
      if (auto st = m_checkpoints->save(kBest, *state); !st)
        return Ending{store::RunStatus::Failed, "cannot save a checkpoint: " + st.error().text()};
  }
  emit({{"event", "checkpoint"}, {"epoch", epoch + 1}, {"step", m_step}, {"best", improved}});
  if (m_cfg.scheduler.name == config::SchedulerKind::ReduceOnPlateau) {
    const bool better = !m_plateau_best || (m_monitor_max ? mon_value > *m_plateau_best + 1e-12
                                                          : mon_value < *m_plateau_best - 1e-12);
    if (better) {
      m_plateau_best = mon_value;
      m_plateau_bad = 0;
    } else if (++m_plateau_bad > m_cfg.scheduler.patience) {
      m_plateau_scale *= m_cfg.scheduler.factor;
      m_plateau_bad = 0;
    }
  }
  return std::nullopt;
}

bool FitLoop::stopEarly(int epoch, const std::map<std::string, double>& m) {
  if (!m_cfg.trainer.early_stopping.enabled) return false;
  const auto es = m.find(m_es_key);
  if (es == m.end()) return false;
  const double d = m_cfg.trainer.early_stopping.min_delta;
  const bool improved = !m_es_best || (m_es_max ? es->second > *m_es_best + d : es->second < *m_es_best - d);
  if (improved) {
    m_es_best = es->second;
    m_es_bad_epochs = 0;
    return false;
  }
  if (++m_es_bad_epochs < m_cfg.trainer.early_stopping.patience) return false;
  emit({{"event", "early_stop"}, {"epoch", epoch + 1}, {"monitor", m_es_key}});
  return true;
}

FitLoop::Phase FitLoop::test() {
  // Test with the best checkpoint; the confusion matrix is stored as an artifact.
  if (!m_best_state.empty()) (void)m_model->loadState(m_best_state);
  data::DataLoader* final_loader = m_data.test ? m_data.test.get() : m_data.val.get();
  if (final_loader) {
    auto t = evaluate(*m_model, *final_loader, m_data.task, m_device, &m_stop);
    if (!t) return Ending{store::RunStatus::Failed, t.error().text()};
    if (m_data.test) {
      std::map<std::string, double> tm;
      t->addMetrics(tm, "test");
      for (const auto& [k, v] : tm) {
        m_writer->log(m_run->id, k, m_step, v, m_outcome.epochs);
        m_outcome.final_metrics[k] = v;
      }
    }
    if (t->classification) {
      const std::string json = t->classification->confusionJson(m_data.train->classes());
      if (auto id = m_objects.put(json))
        (void)m_runs->addArtifact({m_run->id, m_data.test ? "confusion_matrix_test.json" : "confusion_matrix_val.json",
                                   *id, static_cast<std::int64_t>(json.size()), unixNow()});
    }
  }
  // The preprocessing the model was trained with (with a regression target's scaling), for
  // serving later.
  const std::string prep = m_data.fitted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (auto id = m_objects.put(prep))
    (void)m_runs->addArtifact({m_run->id, "preprocessing.json", *id, static_cast<std::int64_t>(prep.size()), unixNow()});
  if (m_stop) return Ending{store::RunStatus::Killed, "stopped during the final evaluation"};
  return std::nullopt;
}

Result<TrainOutcome> FitLoop::finish(const Ending& ending) {
  if (m_writer) (void)m_writer->close();
  (void)m_runs->setStatus(m_run->id, ending.status, ending.message);
  m_outcome.status = ending.status;
  m_outcome.message = ending.message;
  emit({{"event", "finished"}, {"run_id", m_run->id}, {"status", store::toString(ending.status)},
        {"message", ending.message}, {"metrics", m_outcome.final_metrics}});
  return m_outcome;
}

}  // namespace wb::train
