#include "core/train/trainer.h"

#include <torch/torch.h>
#include <ATen/autocast_mode.h>

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <fstream>
#include <optional>

#include "core/common/clock.h"
#include "core/data/dataset_repository.h"
#include "core/data/importer.h"
#include "core/data/loader.h"
#include "core/metrics/series_ops.h"
#include "core/models/model_factory.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/train/classification_metrics.h"
#include "core/train/run_slots.h"
#include "core/workspace/workspace.h"

namespace wb::train {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Resident memory (MB) and process CPU time (s) from /proc: cheap, once per epoch.
std::pair<double, double> processUsage() {
  double rss_mb = 0, cpu_s = 0;
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_rss = 0;
  if (statm >> pages_total >> pages_rss)
    rss_mb = static_cast<double>(pages_rss) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1e6;
  // Not /proc/self/stat: its 10 ms ticks turn a 2 ms epoch into 500% CPU.
  timespec ts{};
  if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
    cpu_s = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  return {rss_mb, cpu_s};
}

// GPU utilisation (%) and memory in use (MB) of CUDA device INDEX from nvidia-smi, once per
// epoch; nullopt without the tool. Avoids linking NVML, which CPU-only LibTorch lacks.
std::optional<std::pair<double, double>> gpuUsage(int index) {
  const std::string cmd = "nvidia-smi --query-gpu=utilization.gpu,memory.used "
                          "--format=csv,noheader,nounits -i " + std::to_string(index) + " 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  char line[128] = {};
  const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  const int rc = ::pclose(pipe);
  double util = 0, mem = 0;
  if (!got || rc != 0 || std::sscanf(line, "%lf , %lf", &util, &mem) != 2) return std::nullopt;
  return std::make_pair(util, mem);
}

// Dynamic loss scaling for float16 autocast on CUDA (LibTorch has no C++ GradScaler): scale
// the loss, unscale the gradients, skip a step whose gradients overflowed and halve the
// scale; double it after 2,000 good steps, as torch.cuda.amp does.
struct LossScaler {
  double scale = 65536.0;
  int good_steps = 0;

  // Unscales the gradients; false when they overflowed (the step must be skipped).
  bool unscale(const std::vector<at::Tensor>& params) {
    torch::NoGradGuard no_grad;
    at::Tensor bad = torch::zeros({}, torch::kBool);
    bool first = true;
    for (const auto& p : params) {
      if (!p.grad().defined()) continue;
      p.grad().div_(scale);
      at::Tensor b = p.grad().isfinite().logical_not().any();
      bad = first ? b : bad.logical_or(b.to(bad.device()));
      first = false;
    }
    if (!first && bad.item<bool>()) {
      scale = std::max(1.0, scale / 2);
      good_steps = 0;
      return false;
    }
    if (++good_steps >= 2000) {
      scale *= 2;
      good_steps = 0;
    }
    return true;
  }
};

double scheduledLr(const config::ExperimentConfig& c, int epoch, double plateau_scale) {
  const auto& s = c.scheduler;
  const double base = c.optim.lr;
  if (s.warmup_epochs > 0 && epoch < s.warmup_epochs)
    return base * static_cast<double>(epoch + 1) / static_cast<double>(s.warmup_epochs + 1);
  const int e = epoch - s.warmup_epochs;
  const int total = std::max(1, c.trainer.epochs - s.warmup_epochs);
  switch (s.name) {
    case config::SchedulerKind::Step:
      return base * std::pow(s.gamma, e / std::max(1, s.step_size));
    case config::SchedulerKind::Cosine:
      return s.min_lr + (base - s.min_lr) * 0.5 * (1 + std::cos(M_PI * e / total));
    case config::SchedulerKind::OneCycle: {
      // Up over the first 30% of epochs, then cosine down (per epoch).
      const double peak = std::max(1.0, 0.3 * total);
      if (e < peak) return base * (0.1 + 0.9 * (e + 1) / peak);
      return s.min_lr + (base - s.min_lr) * 0.5 * (1 + std::cos(M_PI * (e - peak) / (total - peak + 1)));
    }
    case config::SchedulerKind::ReduceOnPlateau:
      return std::max(s.min_lr, base * plateau_scale);
    default:
      return base;
  }
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const config::OptimConfig& o,
                                                       std::vector<at::Tensor> params) {
  switch (o.name) {
    case config::OptimizerKind::Sgd:
      return std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
    case config::OptimizerKind::AdamW:
      return std::make_unique<torch::optim::AdamW>(
          params, torch::optim::AdamWOptions(o.lr)
                      .betas({o.betas[0], o.betas[1]})
                      .weight_decay(o.weight_decay));
    default:
      return std::make_unique<torch::optim::Adam>(
          params, torch::optim::AdamOptions(o.lr)
                      .betas({o.betas[0], o.betas[1]})
                      .weight_decay(o.weight_decay));
  }
}

struct EpochStats {
  double loss = 0;
  std::int64_t samples = 0;
  std::optional<ClassificationMetrics> cls;
  RegressionMetrics reg;
};

// Loss and metrics of a model over a loader, without gradients.
Result<EpochStats> evaluate(models::Model& model, data::DataLoader& loader, bool classification,
                            int classes, const torch::Device& device, const std::atomic<bool>& stop) {
  EpochStats st;
  if (classification) st.cls.emplace(classes, 5);
  model.eval();
  torch::NoGradGuard no_grad;
  loader.startEpoch(0);
  for (;;) {
    if (stop) return st;
    auto next = loader.next();
    if (!next) return next.error();
    if (!*next) break;
    auto& b = **next;
    at::Tensor x = b.inputs.to(device);
    at::Tensor y = b.targets.to(device);
    auto off = b.offsets.defined() ? b.offsets.to(device) : at::Tensor();
    auto out = model.forward(x, off);
    const auto n = y.size(0);
    if (classification) {
      st.loss += torch::nn::functional::cross_entropy(out, y).item<double>() * n;
      const int k = static_cast<int>(std::min<std::int64_t>(5, out.size(1)));
      auto ranked = std::get<1>(out.topk(k, 1)).to(torch::kCPU).to(torch::kInt).contiguous();
      auto probs = classes == 2 ? torch::softmax(out, 1).select(1, 1).to(torch::kCPU)
                                      .to(torch::kDouble).contiguous()
                                : at::Tensor();
      auto yc = y.to(torch::kCPU).to(torch::kLong).contiguous();
      const int* r = ranked.data_ptr<int>();
      const std::int64_t* t = yc.data_ptr<std::int64_t>();
      const double* pr = probs.defined() ? probs.data_ptr<double>() : nullptr;
      for (std::int64_t i = 0; i < n; ++i)  // raw pointers: a per-sample item() costs µs each
        st.cls->add(static_cast<int>(t[i]), r + i * k, k, pr ? pr[i] : -1.0);
    } else {
      auto pred = out.squeeze(1);
      st.loss += torch::nn::functional::mse_loss(pred, y).item<double>() * n;
      at::Tensor pc = pred.to(torch::kCPU).to(torch::kDouble).contiguous();
      at::Tensor yc = y.to(torch::kCPU).to(torch::kDouble).contiguous();
      const double* pp = pc.data_ptr<double>();
      const double* yp = yc.data_ptr<double>();
      for (std::int64_t i = 0; i < n; ++i) st.reg.add(yp[i], pp[i]);
    }
    st.samples += n;
  }
  if (st.samples > 0) st.loss /= static_cast<double>(st.samples);
  return st;
}

void addEvalMetrics(std::map<std::string, double>& out, const std::string& prefix,
                    const EpochStats& st) {
  out[prefix + "/loss"] = st.loss;
  if (st.cls) {
    out[prefix + "/accuracy"] = st.cls->accuracy();
    out[prefix + "/precision_macro"] = st.cls->macroPrecision();
    out[prefix + "/recall_macro"] = st.cls->macroRecall();
    out[prefix + "/f1_macro"] = st.cls->macroF1();
    if (st.cls->classes() > 5) out[prefix + "/top5_accuracy"] = st.cls->topK();
    if (auto auc = st.cls->rocAuc(); auc) out[prefix + "/roc_auc"] = *auc;
  } else {
    out[prefix + "/mae"] = st.reg.mae();
    out[prefix + "/rmse"] = st.reg.rmse();
    out[prefix + "/r2"] = st.reg.r2();
  }
}

Result<torch::Device> pickDevice(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  try {
    torch::Device d(name);
    if (d.is_cuda() && !torch::cuda::is_available())
      return makeError("CUDA is not available in this build or on this machine", "trainer.device");
    return d;
  } catch (const std::exception&) {
    return makeError("expected auto, cpu, cuda or cuda:N, got '" + name + "'", "trainer.device");
  }
}

// The loaders and the model's input for CFG (shared by training and its dry run).
struct PreparedData {
  data::DatasetVersion version;
  std::unique_ptr<data::DataLoader> train, val, test;  // val/test null when empty
  nlohmann::json fitted;  // transforms with their fitted state
  bool classification = true;
  models::ModelInput input;
};

Result<PreparedData> prepareData(const Workspace& ws, data::DatasetRepository& datasets,
                                 const config::ExperimentConfig& cfg) {
  PreparedData out;
  auto version = datasets.resolve(cfg.data.dataset);
  if (!version) return makeError(version.error().text(), "data.dataset");
  out.version = *version;
  auto manifest = data::loadManifest(ws, *version);
  if (!manifest) return manifest.error();
  auto splitOf = [](const std::string& name) {
    return data::splitFromString(name).value_or(data::Split::Unassigned);
  };
  data::LoaderOptions lo;
  lo.batch_size = cfg.data.batch_size;
  lo.workers = cfg.data.workers;
  lo.seed = static_cast<std::uint64_t>(cfg.trainer.seed);
  lo.device = "cpu";  // batches move to the device in the loop
  lo.split = splitOf(cfg.data.train_split);
  auto train = data::DataLoader::create(ws, *manifest, cfg.data.transforms, lo);
  if (!train) return makeError(train.error().text(), "data");
  out.train = std::move(*train);
  if (out.train->size() == 0)
    return makeError("the " + cfg.data.train_split + " split is empty", version->ref());
  out.fitted = out.train->fittedTransforms();
  auto evalLoader = [&](const std::string& split) -> std::unique_ptr<data::DataLoader> {
    data::LoaderOptions eo = lo;
    eo.split = splitOf(split);
    eo.shuffle = false;
    eo.mode = data::ImagePipeline::Mode::Eval;
    auto l = data::DataLoader::create(ws, *manifest, out.fitted, eo);
    if (!l || (*l)->size() == 0) return nullptr;
    return std::move(*l);
  };
  out.val = evalLoader(cfg.data.val_split);
  out.test = evalLoader(cfg.data.test_split);
  out.classification = out.train->task() == data::Task::Classification;
  out.input.shape = out.train->inputShape();
  out.input.classes =
      out.classification ? static_cast<std::int64_t>(out.train->classCount()) : 0;
  out.input.vocabulary = static_cast<std::int64_t>(out.train->vocabularySize());
  return out;
}

}  // namespace

Result<TrainPlan> planTraining(const Workspace& ws, const config::ExperimentConfig& cfg) {
  auto db = ws.connect();
  if (!db) return db.error();
  data::DatasetRepository datasets(**db);
  auto prepared = prepareData(ws, datasets, cfg);
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
  auto device = pickDevice(cfg.trainer.device);
  if (!device) return device.error();
  plan.device = device->str();
  return plan;
}

Result<TrainOutcome> runTraining(const Workspace& ws, const TrainRequest& request,
                                 const TrainEventFn& on_event, const std::atomic<bool>& stop) {
  const auto& cfg = request.config;
  std::string event_run_id;  // every event names its run once there is one (sweeps interleave)
  auto emit = [&](nlohmann::json event) {
    if (!event_run_id.empty() && !event.contains("run_id")) event["run_id"] = event_run_id;
    if (on_event) on_event(event);
  };
  auto device = pickDevice(cfg.trainer.device);
  if (!device) return device.error();
  torch::manual_seed(static_cast<std::uint64_t>(cfg.trainer.seed));
  if (cfg.trainer.deterministic) at::globalContext().setDeterministicAlgorithms(true, false);

  // Data first: a wrong dataset ref fails before a run exists.
  auto db = ws.connect();
  if (!db) return db.error();
  data::DatasetRepository datasets(**db);
  auto prepared = prepareData(ws, datasets, cfg);
  if (!prepared) return prepared.error();
  const data::DatasetVersion* version = &prepared->version;
  auto* train_loader = &prepared->train;
  auto& val_loader = prepared->val;
  auto& test_loader = prepared->test;
  const nlohmann::json& fitted = prepared->fitted;
  const bool classification = prepared->classification;
  const models::ModelInput& input = prepared->input;
  auto model = models::buildModel(std::string(config::toString(cfg.model.type)), cfg.model.params, input);
  if (!model) return model.error();
  if (auto st = (*model)->to(*device); !st) return st.error();

  // The run.
  store::RunRepository runs(**db);
  store::NewRun nr;
  nr.experiment = cfg.experiment.empty() ? "Default" : cfg.experiment;
  nr.name = request.run_name;
  nr.pid = ::getpid();
  nr.config_text = request.config_text;
  nr.parent_run_id = request.parent_run_id;
  auto params = config::toParams(cfg);
  params["data.version"] = version->ref();
  params["model.parameters"] = std::to_string((*model)->parameterCount());
  for (const auto& [k, v] : request.extra_params) params[k] = v;
  nr.params = params;
  nr.tags = cfg.tags;
  nr.notes = cfg.notes;
  objects::ObjectStore objects(ws.objectsDir());
  int start_epoch = 0;
  std::int64_t start_step = 0;
  Result<store::Run> run = makeError("no run");
  if (!request.resume_run_id.empty()) {
    // Resume: this process takes the run over and continues from its last checkpoint.
    std::string state;
    if (auto arts = runs.artifacts(request.resume_run_id); arts)
      for (const auto& a : *arts)
        if (a.path == "checkpoints/last.pt")
          if (auto bytes = objects.read(a.object_id); bytes) state = *bytes;
    if (state.empty()) return makeError("the run has no last checkpoint to resume from", request.resume_run_id);
    if (auto st = (*model)->loadState(state); !st)
      return makeError("cannot load the last checkpoint: " + st.error().text(), request.resume_run_id);
    if (auto ps = runs.params(request.resume_run_id); ps) {
      if (auto it = ps->find("trainer.completed_epochs"); it != ps->end()) start_epoch = std::atoi(it->second.c_str());
      if (auto it = ps->find("trainer.completed_steps"); it != ps->end()) start_step = std::atoll(it->second.c_str());
    }
    if (auto st = runs.claim(request.resume_run_id, ::getpid(), store::RunStatus::Queued); !st)
      return st.error();
    run = runs.find(request.resume_run_id);
  } else {
    nr.status = store::RunStatus::Queued;
    run = runs.create(nr);
  }
  if (!run) return run.error();
  event_run_id = run->id;
  TrainOutcome outcome;
  outcome.run_id = run->id;

  // The workspace's run queue: wait for a slot (shared with every other wb process).
  RunSlot slot;
  {
    auto acquired = acquireRunSlot(ws, run->id, [&](const SlotWait& w) {
      emit({{"event", "queued"}, {"name", run->name}, {"position", w.position},
            {"limit", w.limit}, {"busy", w.busy}});
    }, stop);
    if (!acquired) {
      const std::string why = stop ? "stopped while queued" : acquired.error().text();
      (void)runs.setStatus(run->id, stop ? store::RunStatus::Killed : store::RunStatus::Failed, why);
      outcome.status = stop ? store::RunStatus::Killed : store::RunStatus::Failed;
      outcome.message = why;
      emit({{"event", "finished"}, {"status", store::toString(outcome.status)}, {"message", why},
            {"metrics", nlohmann::json::object()}});
      return outcome;
    }
    slot = std::move(*acquired);
  }
  if (auto st = runs.claim(run->id, ::getpid()); !st) return st.error();
  (void)datasets.linkRun(run->id, version->id, "train");

  store::MetricsWriterOptions wopts;
  wopts.heartbeat_run = run->id;
  auto writer = store::MetricsWriter::open(ws.dbPath(), wopts);
  if (!writer) return writer.error();

  auto saveCheckpoint = [&](const std::string& path) -> Status {
    auto bytes = (*model)->saveState();
    if (!bytes) return bytes.error();
    auto id = objects.put(*bytes);
    if (!id) return id.error();
    return runs.addArtifact({run->id, path, *id, static_cast<std::int64_t>(bytes->size()), unixNow()});
  };
  auto finish = [&](store::RunStatus status, const std::string& message) -> Result<TrainOutcome> {
    (void)(*writer)->close();
    (void)runs.setStatus(run->id, status, message);
    outcome.status = status;
    outcome.message = message;
    emit({{"event", "finished"}, {"run_id", run->id}, {"status", store::toString(status)},
          {"message", message}, {"metrics", outcome.final_metrics}});
    return outcome;
  };

  try {
    auto optimizer = makeOptimizer(cfg.optim, (*model)->parameters());
    const std::int64_t batches = static_cast<std::int64_t>((*train_loader)->batchesPerEpoch());
    // float16 autocast only where it pays and is safe with loss scaling: CUDA. On the CPU the
    // flag is reported (started event) and training stays in float32.
    const bool amp = cfg.trainer.mixed_precision && device->is_cuda();
    LossScaler scaler;
    const auto all_params = (*model)->parameters();
    emit({{"event", "started"},
          {"run_id", run->id},
          {"name", run->name},
          {"dataset", version->ref()},
          {"parameters", (*model)->parameterCount()},
          {"device", device->str()},
          {"mixed_precision", amp},
          {"epochs", cfg.trainer.epochs},
          {"batches_per_epoch", batches}});
    const std::string monitor = metrics::storedMetricKey(cfg.trainer.checkpoint.monitor);
    const bool monitor_max = cfg.trainer.checkpoint.mode == config::MonitorMode::Max;
    const std::string es_key = metrics::storedMetricKey(cfg.trainer.early_stopping.monitor);
    const bool es_max = cfg.trainer.early_stopping.mode == config::MonitorMode::Max;
    std::optional<double> best, es_best;
    int es_bad_epochs = 0, plateau_bad = 0;
    double plateau_scale = 1.0;
    std::optional<double> plateau_best;
    std::string best_state;
    std::int64_t step = start_step;
    if (start_epoch > 0) {
      // The best so far, from the stored series, so a resumed run keeps its best checkpoint.
      store::MetricsReader reader(**db);
      if (auto sums = reader.summaries({run->id}, {monitor}); sums && !sums->empty()) {
        const auto& sm = sums->front();
        best = monitor_max ? sm.max_value : sm.min_value;
      }
      emit({{"event", "resumed"}, {"run_id", run->id}, {"epoch", start_epoch}, {"step", step}});
    }
    const auto started = Clock::now();
    auto [rss0, cpu0] = processUsage();
    (void)rss0;

    for (int epoch = start_epoch; epoch < cfg.trainer.epochs; ++epoch) {
      const double lr = scheduledLr(cfg, epoch, plateau_scale);
      for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
      (*model)->train();
      (*train_loader)->startEpoch(epoch);
      EpochStats train_stats;
      if (classification) train_stats.cls.emplace(static_cast<int>(input.classes), 1);
      double t_data = 0, t_fwd = 0, t_bwd = 0, t_opt = 0, t_met = 0, t_log = 0;
      const auto epoch_start = Clock::now();
      const auto [rss_before, cpu_before] = processUsage();
      (void)rss_before;
      std::int64_t epoch_steps = 0;
      for (;;) {
        if (stop) {
          (void)saveCheckpoint("checkpoints/last.pt");
          outcome.epochs = epoch;
          return finish(store::RunStatus::Killed, "stopped at epoch " + std::to_string(epoch + 1) +
                                                      ", step " + std::to_string(step) +
                                                      "; checkpoint saved");
        }
        auto t0 = Clock::now();
        auto next = (*train_loader)->next();
        if (!next) return finish(store::RunStatus::Failed, next.error().text());
        if (!*next) break;
        auto& b = **next;
        at::Tensor x = b.inputs.to(*device);
        at::Tensor y = b.targets.to(*device);
        auto off = b.offsets.defined() ? b.offsets.to(*device) : at::Tensor();
        auto t1 = Clock::now();
        if (amp) at::autocast::set_enabled(true);
        auto out = (*model)->forward(x, off);
        if (amp) {
          at::autocast::clear_cache();
          at::autocast::set_enabled(false);
          out = out.to(torch::kFloat);
        }
        auto loss = classification ? torch::nn::functional::cross_entropy(out, y)
                                   : torch::nn::functional::mse_loss(out.squeeze(1), y);
        auto t2 = Clock::now();
        optimizer->zero_grad();
        if (amp) {
          (loss * scaler.scale).backward();
        } else {
          loss.backward();
        }
        auto t3 = Clock::now();
        const bool step_ok = !amp || scaler.unscale(all_params);
        if (step_ok && cfg.trainer.grad_clip > 0)
          torch::nn::utils::clip_grad_norm_((*model)->parameters(), cfg.trainer.grad_clip);
        if (step_ok) optimizer->step();
        auto t4 = Clock::now();
        const double loss_value = loss.item<double>();
        if (!std::isfinite(loss_value))
          return finish(store::RunStatus::Failed,
                        "the loss became " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") +
                            " at epoch " + std::to_string(epoch + 1) + ", step " +
                            std::to_string(step) + " (try a lower optim.lr or trainer.grad_clip)");
        const auto n = y.size(0);
        train_stats.loss += loss_value * static_cast<double>(n);
        train_stats.samples += n;
        if (classification) {
          // int64 as argmax and the loader give them: no dtype conversion ops per step.
          auto pred = out.argmax(1).to(torch::kCPU).contiguous();
          auto yc = y.to(torch::kCPU).to(torch::kLong).contiguous();
          const std::int64_t* p = pred.data_ptr<std::int64_t>();
          const std::int64_t* t = yc.data_ptr<std::int64_t>();
          for (std::int64_t i = 0; i < n; ++i) {
            const int pi = static_cast<int>(p[i]);
            train_stats.cls->add(static_cast<int>(t[i]), &pi, 1);
          }
        }
        ++step;
        ++epoch_steps;
        auto t4b = Clock::now();
        if (step % std::max(1, cfg.trainer.log_every_n_steps) == 0) {
          const double epoch_pos = epoch + static_cast<double>(epoch_steps) / std::max<std::int64_t>(1, batches);
          (*writer)->log(run->id, "train/loss_step", step, loss_value, epoch_pos);
          emit({{"event", "step"}, {"step", step}, {"epoch", epoch + 1}, {"batch", epoch_steps},
                {"batches", batches}, {"loss", loss_value}});
        }
        auto t5 = Clock::now();
        t_data += std::chrono::duration<double>(t1 - t0).count();
        t_fwd += std::chrono::duration<double>(t2 - t1).count();
        t_bwd += std::chrono::duration<double>(t3 - t2).count();
        t_opt += std::chrono::duration<double>(t4 - t3).count();
        t_met += std::chrono::duration<double>(t4b - t4).count();
        t_log += std::chrono::duration<double>(t5 - t4b).count();
      }
      const double train_seconds = secondsSince(epoch_start);
      std::map<std::string, double> m;
      m["train/loss"] = train_stats.samples ? train_stats.loss / static_cast<double>(train_stats.samples) : 0;
      if (classification) m["train/accuracy"] = train_stats.cls->accuracy();
      if (val_loader) {
        auto v = evaluate(**model, *val_loader, classification, static_cast<int>(input.classes), *device, stop);
        if (!v) return finish(store::RunStatus::Failed, v.error().text());
        addEvalMetrics(m, "val", *v);
      }
      m["lr"] = lr;
      const auto [rss, cpu] = processUsage();
      const double steps = static_cast<double>(std::max<std::int64_t>(1, epoch_steps));
      m["sys/samples_per_s"] = static_cast<double>(train_stats.samples) / std::max(1e-9, train_seconds);
      m["sys/rss_mb"] = rss;
      if (device->is_cuda()) {
        if (auto gpu = gpuUsage(device->has_index() ? device->index() : 0)) {
          m["sys/gpu_util_percent"] = gpu->first;
          m["sys/gpu_memory_mb"] = gpu->second;
        }
        if (amp) m["sys/loss_scale"] = scaler.scale;
      }
      m["sys/cpu_percent"] = 100.0 * (cpu - cpu_before) / std::max(1e-9, secondsSince(epoch_start));
      m["sys/time_data_ms"] = 1000 * t_data / steps;
      m["sys/time_forward_ms"] = 1000 * t_fwd / steps;
      m["sys/time_backward_ms"] = 1000 * t_bwd / steps;
      m["sys/time_optimizer_ms"] = 1000 * t_opt / steps;
      m["sys/time_metrics_ms"] = 1000 * t_met / steps;
      m["sys/time_logging_ms"] = 1000 * t_log / steps;
      for (const auto& [k, v] : m) (*writer)->log(run->id, k, step, v, epoch + 1);
      outcome.final_metrics = m;
      outcome.epochs = epoch + 1;

      // Checkpoints: last every epoch, best when the monitored metric improves.
      // The last checkpoint is kept whatever save_last says: it is what --resume continues.
      if (auto st = saveCheckpoint("checkpoints/last.pt"); !st)
        return finish(store::RunStatus::Failed, "cannot save a checkpoint: " + st.error().text());
      (void)runs.setParams(run->id, {{"trainer.completed_epochs", std::to_string(epoch + 1)},
                                     {"trainer.completed_steps", std::to_string(step)}});
      const auto mon = m.find(monitor);
      const double mon_value = mon != m.end() ? mon->second : m["train/loss"];
      if (!best || (monitor_max ? mon_value > *best : mon_value < *best)) {
        best = mon_value;
        auto state = (*model)->saveState();
        if (state) best_state = *state;
        if (cfg.trainer.checkpoint.save_best)
          if (auto st = saveCheckpoint("checkpoints/best.pt"); !st)
            return finish(store::RunStatus::Failed, "cannot save a checkpoint: " + st.error().text());
      }
      if (cfg.scheduler.name == config::SchedulerKind::ReduceOnPlateau) {
        const bool better = !plateau_best || (monitor_max ? mon_value > *plateau_best + 1e-12
                                                          : mon_value < *plateau_best - 1e-12);
        if (better) {
          plateau_best = mon_value;
          plateau_bad = 0;
        } else if (++plateau_bad > cfg.scheduler.patience) {
          plateau_scale *= cfg.scheduler.factor;
          plateau_bad = 0;
        }
      }
      const double elapsed = secondsSince(started);
      const double eta = elapsed / (epoch + 1 - start_epoch) * (cfg.trainer.epochs - epoch - 1);
      emit({{"event", "epoch"}, {"epoch", epoch + 1}, {"epochs", cfg.trainer.epochs}, {"step", step},
            {"metrics", m}, {"seconds", train_seconds}, {"eta_seconds", eta}});

      if (cfg.trainer.early_stopping.enabled) {
        const auto es = m.find(es_key);
        if (es != m.end()) {
          const double d = cfg.trainer.early_stopping.min_delta;
          const bool improved = !es_best || (es_max ? es->second > *es_best + d : es->second < *es_best - d);
          if (improved) {
            es_best = es->second;
            es_bad_epochs = 0;
          } else if (++es_bad_epochs >= cfg.trainer.early_stopping.patience) {
            emit({{"event", "early_stop"}, {"epoch", epoch + 1}, {"monitor", es_key}});
            break;
          }
        }
      }
    }

    // Test with the best checkpoint; the confusion matrix is stored as an artifact.
    if (!best_state.empty()) (void)(*model)->loadState(best_state);
    data::DataLoader* final_loader = test_loader ? test_loader.get() : val_loader.get();
    if (final_loader) {
      auto t = evaluate(**model, *final_loader, classification, static_cast<int>(input.classes), *device, stop);
      if (!t) return finish(store::RunStatus::Failed, t.error().text());
      if (test_loader) {
        std::map<std::string, double> tm;
        addEvalMetrics(tm, "test", *t);
        for (const auto& [k, v] : tm) {
          (*writer)->log(run->id, k, step, v, outcome.epochs);
          outcome.final_metrics[k] = v;
        }
      }
      if (t->cls) {
        const std::string json = t->cls->confusionJson((*train_loader)->classes());
        if (auto id = objects.put(json))
          (void)runs.addArtifact({run->id, test_loader ? "confusion_matrix_test.json" : "confusion_matrix_val.json",
                                  *id, static_cast<std::int64_t>(json.size()), unixNow()});
      }
    }
    // The preprocessing the model was trained with, for serving later.
    const std::string prep = fitted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (auto id = objects.put(prep))
      (void)runs.addArtifact({run->id, "preprocessing.json", *id, static_cast<std::int64_t>(prep.size()), unixNow()});
    if (stop) return finish(store::RunStatus::Killed, "stopped during the final evaluation");
    return finish(store::RunStatus::Finished, {});
  } catch (const std::exception& e) {
    return finish(store::RunStatus::Failed, std::string("training failed: ") + e.what());
  }
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
  auto config = config::parseExperimentYaml(run->config_text, "run " + run->name + " config");
  if (!config) return makeError("its stored config is not valid: " + config.error().text(), run->name);
  TrainRequest r;
  r.config = *config;
  r.config_text = run->config_text;
  r.resume_run_id = run->id;
  return r;
}

}  // namespace wb::train
