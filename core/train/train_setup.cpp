#include "core/train/train_setup.h"

#include <cmath>

#include "core/data/importer.h"
#include "core/train/train_checks.h"
#include "core/workspace/workspace.h"

namespace wb::train {

namespace {

using Json = nlohmann::json;

// Regression tables train on standardized targets (a target around 1e4 otherwise starts with
// a loss of ~1e8); metrics are reported back in the target's units. A spec that already has
// the step, or is fitted, is kept.
Json withTargetScaling(const Json& spec) {
  if (spec.is_object() && spec.value("fitted", false)) return spec;
  Json steps = spec.is_object() ? spec.value("steps", Json::array()) : spec.is_array() ? spec : Json::array();
  for (const auto& step : steps)
    if (step.is_object() && step.value("name", "") == "standardize_target") return spec;
  steps.push_back({{"name", "standardize_target"}});
  if (!spec.is_object()) return steps;
  Json out = spec;
  out["steps"] = steps;
  return out;
}

Error datasetError(data::DatasetRepository& datasets, const std::string& ref, const Error& error,
                   const config::ConfigNode* source) {
  auto parsed = data::DatasetRef::parse(ref);
  auto found = parsed ? datasets.find(parsed->name) : Result<std::optional<data::DatasetInfo>>(parsed.error());
  if (found && !found->has_value()) {
    std::vector<std::string> names;
    if (auto all = datasets.list(); all)
      for (const auto& d : *all) names.push_back(d.name);
    return config::toError({unknownDatasetError(ref, names, source)});
  }
  return config::toError({{"data.dataset", error.text(), originOf(source, "data.dataset")}});
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (auto d : shape) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

}  // namespace

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

Result<PreparedData> prepareData(const Workspace& ws, data::DatasetRepository& datasets,
                                 const config::ExperimentConfig& cfg, const config::ConfigNode* source) {
  PreparedData out;
  auto version = datasets.resolve(cfg.data.dataset);
  if (!version) return datasetError(datasets, cfg.data.dataset, version.error(), source);
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
  const bool table = manifest->kind == data::DatasetKind::Tabular;
  Json transforms = cfg.data.transforms;
  if (table && manifest->task == data::Task::Regression) transforms = withTargetScaling(transforms);
  auto train = data::DataLoader::create(ws, *manifest, transforms, lo);
  if (train && table && (*train)->task() == data::Task::Regression &&
      withTargetScaling(transforms) != transforms)  // the task was guessed while fitting
    train = data::DataLoader::create(ws, *manifest, withTargetScaling(transforms), lo);
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
  out.task = EvalTask::of(*out.train);
  out.input.shape = out.train->inputShape();
  out.input.classes = out.task.classification ? static_cast<std::int64_t>(out.train->classCount()) : 0;
  out.input.vocabulary = static_cast<std::int64_t>(out.train->vocabularySize());
  if (const auto other = out.train->otherShapeSamples(); other > 0)
    out.warnings.push_back(std::to_string(other) + " of " + std::to_string(out.train->size()) + " " +
                           cfg.data.train_split + " images differ in size or channels from the " +
                           "dataset's dominant shape; they are resized and converted to " +
                           shapeText(out.input.shape));
  const LoggedMetrics logged{out.task.classification, out.task.classes, out.val != nullptr};
  if (auto errors = checkMonitors(cfg, logged, source); !errors.empty()) return config::toError(errors);
  return out;
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

bool LossScaler::unscale(const std::vector<at::Tensor>& params) {
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

}  // namespace wb::train
