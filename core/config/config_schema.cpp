#include "core/config/config_schema.h"

#include <algorithm>
#include <cstdint>

#include "core/config/config_node.h"
#include "core/config/experiment_config.h"

namespace wb::config {

namespace {

// An enum's YAML spellings in declaration order, read through toString so the validator's
// tables stay the only list (every enum here starts with Unknown = 0).
template <class E>
std::vector<std::string> spellings() {
  std::vector<std::string> out;
  for (int i = 1;; ++i) {
    const std::string_view name = toString(static_cast<E>(i));
    if (name == "unknown") break;
    out.emplace_back(name);
  }
  return out;
}

// The value a default-constructed config has at PATH, as YAML text.
std::string defaultText(const ConfigNode& defaults, const std::string& path) {
  const ConfigNode* node = defaults.findPath(path);
  if (node == nullptr || node->isNull()) return {};
  if (node->isScalar()) return node->scalar;
  std::string out = node->isMap() ? "{" : "[";
  for (std::size_t i = 0; i < node->children.size(); ++i) {
    const ConfigNode& c = node->children[i];
    if (i > 0) out += ", ";
    if (node->isMap()) out += c.key + ": ";
    out += c.isScalar() ? c.scalar : c.toJson().dump();
  }
  return out + (node->isMap() ? "}" : "]");
}

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<FieldSpec> makeFields() {
  using K = FieldSpec::Kind;
  // Bounds mirror the Bound{} arguments in experiment_config.cpp; tst_yaml_edit checks each
  // against the validator.
  struct Row {
    const char* path;
    K kind;
    double min;
    double max;
    bool min_exclusive;
    bool max_exclusive;
    const char* help;
  };
  static const Row kRows[] = {
      {"experiment", K::String, 0, 0, false, false,
       "Groups the runs of this config in the runs table (optional)."},
      {"notes", K::String, 0, 0, false, false, "Free text kept with every run."},
      {"tags", K::Json, 0, 0, false, false,
       "Labels for the runs: a list [baseline, small] or a map {owner: ana}."},
      {"data.dataset", K::String, 0, 0, false, false,
       "The dataset version to train on: name@version, e.g. digits@1 or digits@latest."},
      {"data.train_split", K::String, 0, 0, false, false, "Split used for training."},
      {"data.val_split", K::String, 0, 0, false, false,
       "Split used for validation after each epoch."},
      {"data.test_split", K::String, 0, 0, false, false, "Split used for the final test."},
      {"data.transforms", K::Json, 0, 0, false, false,
       "Preprocessing steps, in order: [{name: normalize, mean: [0.1], std: [0.3]}]."},
      {"data.batch_size", K::Int, 1, kInf, false, false, "Samples per optimisation step."},
      {"data.workers", K::Int, 0, kInf, false, false,
       "Background threads that load and transform batches (0 = load on the training thread)."},
      {"model.type", K::Choice, 0, 0, false, false, "The model family the factory builds."},
      {"optim.name", K::Choice, 0, 0, false, false, "The optimiser."},
      {"optim.lr", K::Double, 0, kInf, true, false,
       "Learning rate (> 0); scientific notation welcome: 3e-4."},
      {"optim.momentum", K::Double, 0, 1, false, false, "Momentum in [0, 1] (sgd only)."},
      {"optim.weight_decay", K::Double, 0, kInf, false, false, "L2 penalty (>= 0)."},
      {"optim.betas", K::Json, 0, 0, false, false,
       "Adam's two decay rates, each in [0, 1): [0.9, 0.999] (adam and adamw only)."},
      {"scheduler.name", K::Choice, 0, 0, false, false,
       "Learning-rate schedule, applied per epoch after the warmup."},
      {"scheduler.step_size", K::Int, 1, kInf, false, false, "Epochs between decays (step only)."},
      {"scheduler.gamma", K::Double, 0, kInf, true, false,
       "Factor applied at each decay (step only, > 0)."},
      {"scheduler.patience", K::Int, 0, kInf, false, false,
       "Epochs without improvement before the rate drops (reduce_on_plateau only)."},
      {"scheduler.factor", K::Double, 0, 1, true, true,
       "Factor applied when the metric plateaus, in (0, 1) (reduce_on_plateau only)."},
      {"scheduler.min_lr", K::Double, 0, kInf, false, false,
       "Lower bound of the rate (cosine and reduce_on_plateau)."},
      {"scheduler.warmup_epochs", K::Int, 0, kInf, false, false,
       "Epochs of linear warmup before the schedule starts (less than trainer.epochs)."},
      {"trainer.epochs", K::Int, 1, kInf, false, false, "Passes over the training split."},
      {"trainer.early_stopping.enabled", K::Bool, 0, 0, false, false,
       "Stop when the monitored metric stops improving."},
      {"trainer.early_stopping.monitor", K::String, 0, 0, false, false,
       "Metric to watch: val_loss, val_accuracy…"},
      {"trainer.early_stopping.mode", K::Choice, 0, 0, false, false,
       "Whether the monitored metric improves by going down (min) or up (max)."},
      {"trainer.early_stopping.patience", K::Int, 1, kInf, false, false,
       "Epochs without improvement before stopping."},
      {"trainer.early_stopping.min_delta", K::Double, 0, kInf, false, false,
       "Smallest change that counts as an improvement."},
      {"trainer.checkpoint.save_best", K::Bool, 0, 0, false, false,
       "Keep the checkpoint with the best monitored value."},
      {"trainer.checkpoint.save_last", K::Bool, 0, 0, false, false,
       "Keep the checkpoint of the last epoch."},
      {"trainer.checkpoint.monitor", K::String, 0, 0, false, false,
       "Metric that decides the best checkpoint."},
      {"trainer.checkpoint.mode", K::Choice, 0, 0, false, false,
       "Whether the checkpoint metric is better low (min) or high (max)."},
      {"trainer.grad_clip", K::Double, 0, kInf, false, false,
       "Maximum gradient norm; 0 turns clipping off."},
      {"trainer.device", K::String, 0, 0, false, false,
       "auto, cpu, cuda or cuda:N (auto picks a GPU when there is one)."},
      {"trainer.seed", K::Int, 0, static_cast<double>(INT64_MAX), false, false,
       "Seed for weights, shuffling and augmentation."},
      {"trainer.deterministic", K::Bool, 0, 0, false, false,
       "Deterministic kernels: reproducible, sometimes slower."},
      {"trainer.mixed_precision", K::Bool, 0, 0, false, false, "Half-precision math (CUDA only)."},
      {"trainer.log_every_n_steps", K::Int, 1, kInf, false, false,
       "How often training metrics are logged, in steps."},
  };

  const ConfigNode defaults = toNode(ExperimentConfig{});
  const auto modes = spellings<MonitorMode>();
  std::vector<FieldSpec> fields;
  for (const Row& row : kRows) {
    FieldSpec f;
    f.path = row.path;
    f.kind = row.kind;
    f.help = row.help;
    if (row.kind == K::Int || row.kind == K::Double) {
      f.min = row.min;
      f.max = row.max;
      f.min_exclusive = row.min_exclusive;
      f.max_exclusive = row.max_exclusive;
    }
    f.default_text = defaultText(defaults, f.path);
    if (f.path == "model.type") f.choices = modelTypeNames();
    if (f.path == "optim.name") f.choices = spellings<OptimizerKind>();
    if (f.path == "scheduler.name") f.choices = spellings<SchedulerKind>();
    if (f.path == "trainer.early_stopping.mode" || f.path == "trainer.checkpoint.mode")
      f.choices = modes;
    if (f.path == "trainer.device") f.choices = {"auto", "cpu", "cuda", "cuda:0"};
    if (f.path == "tags") f.default_text.clear();  // no tags
    f.required = f.path == "data.dataset" || f.path == "model.type";
    if (f.required) f.default_text.clear();
    fields.push_back(std::move(f));
  }
  return fields;
}

}  // namespace

std::string FieldSpec::section() const {
  const std::size_t dot = path.rfind('.');
  return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

std::string FieldSpec::name() const {
  const std::size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

bool FieldSpec::inRange(double value) const {
  if (min_exclusive ? !(value > min) : !(value >= min)) return false;
  if (max_exclusive ? !(value < max) : !(value <= max)) return false;
  return true;
}

const std::vector<FieldSpec>& experimentFields() {
  static const std::vector<FieldSpec> kFields = makeFields();
  return kFields;
}

const FieldSpec* findField(std::string_view path) {
  const auto& fields = experimentFields();
  auto it = std::find_if(fields.begin(), fields.end(),
                         [&](const FieldSpec& f) { return f.path == path; });
  return it != fields.end() ? &*it : nullptr;
}

const std::vector<std::string>& modelTypeNames() {
  static const std::vector<std::string> kNames = spellings<ModelType>();
  return kNames;
}

}  // namespace wb::config
