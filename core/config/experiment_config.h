#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/config/config_node.h"

namespace wb::config {

/// The model families the factory builds (`model.type`).
enum class ModelType { Unknown, Mlp, LeNet, ResNetSmall, ResNet18, TextBag, TextTransformer };
/// `optim.name`.
enum class OptimizerKind { Unknown, Sgd, Adam, AdamW };
/// `scheduler.name`.
enum class SchedulerKind { Unknown, None, Step, Cosine, OneCycle, ReduceOnPlateau };
/// Whether a monitored metric improves by going down (loss) or up (accuracy).
enum class MonitorMode { Unknown, Min, Max };

/// The YAML spelling of each enum value ("resnet_small", "adamw", "one_cycle", "min").
std::string_view toString(ModelType value);
std::string_view toString(OptimizerKind value);
std::string_view toString(SchedulerKind value);
std::string_view toString(MonitorMode value);

/// `data:` which dataset version, which splits, how it is transformed and batched.
struct DataConfig {
  std::string dataset;  // "name@version" (DatasetRef::parse), required
  std::string train_split = "train";
  std::string val_split = "val";
  std::string test_split = "test";
  nlohmann::json transforms = nlohmann::json::array();  // passed to ImagePipeline/TabularPipeline
  int batch_size = 64;
  int workers = 2;
  bool operator==(const DataConfig&) const = default;
};

/// `model:` the family and its free-form hyperparameters, for the model factory.
struct ModelConfig {
  ModelType type = ModelType::Unknown;               // required
  nlohmann::json params = nlohmann::json::object();  // every key but `type`: hidden, dropout…
  bool operator==(const ModelConfig&) const = default;
};

/// `optim:`.
struct OptimConfig {
  OptimizerKind name = OptimizerKind::Adam;
  double lr = 1e-3;
  double momentum = 0.9;  // sgd only
  double weight_decay = 0.0;
  std::array<double, 2> betas{0.9, 0.999};  // adam/adamw only
  bool operator==(const OptimConfig&) const = default;
};

/// `scheduler:` learning-rate schedule, applied per epoch after WARMUP_EPOCHS of linear warmup.
struct SchedulerConfig {
  SchedulerKind name = SchedulerKind::None;
  int step_size = 10;   // step
  double gamma = 0.1;   // step
  int patience = 5;     // reduce_on_plateau
  double factor = 0.1;  // reduce_on_plateau
  double min_lr = 0.0;  // cosine, reduce_on_plateau
  int warmup_epochs = 0;
  bool operator==(const SchedulerConfig&) const = default;
};

/// `trainer.early_stopping:`; a map without `enabled` turns it on.
struct EarlyStoppingConfig {
  bool enabled = false;
  std::string monitor = "val_loss";
  MonitorMode mode = MonitorMode::Min;
  int patience = 5;
  double min_delta = 0.0;
  bool operator==(const EarlyStoppingConfig&) const = default;
};

/// `trainer.checkpoint:`.
struct CheckpointConfig {
  bool save_best = true;
  bool save_last = true;
  std::string monitor = "val_loss";
  MonitorMode mode = MonitorMode::Min;
  bool operator==(const CheckpointConfig&) const = default;
};

/// `trainer:`.
struct TrainerConfig {
  int epochs = 10;
  EarlyStoppingConfig early_stopping;
  CheckpointConfig checkpoint;
  double grad_clip = 0.0;       // max gradient norm; 0 = off
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  std::int64_t seed = 42;
  bool deterministic = false;
  bool mixed_precision = false;  // CUDA only
  int log_every_n_steps = 50;
  bool operator==(const TrainerConfig&) const = default;
};

/// One experiment, fully resolved: every field has a value (defaults filled in).
struct ExperimentConfig {
  std::string experiment;  // optional grouping name for the runs table
  DataConfig data;
  ModelConfig model;
  OptimConfig optim;
  SchedulerConfig scheduler;
  TrainerConfig trainer;
  std::map<std::string, std::string> tags;  // a YAML list `[a, b]` gives {a: "", b: ""}
  std::string notes;
  bool operator==(const ExperimentConfig&) const = default;
};

/// Validates a composed tree (see compose.h) into an ExperimentConfig. Every problem is
/// collected (wrong types, ranges, enum values, unknown keys with "did you mean"), each with its
/// origin; they are appended to ERRORS when given and joined, one per line, in the Result's
/// message. Top-level `defaults` and `sweep` are accepted and ignored here.
Result<ExperimentConfig> fromNode(const ConfigNode& root,
                                  std::vector<ConfigError>* errors = nullptr);

/// Parses and validates one YAML document without composition (the GUI editor's inline check).
Result<ExperimentConfig> parseExperimentYaml(std::string_view text, const std::string& file,
                                             std::vector<ConfigError>* errors = nullptr);

/// The config as a tree with every field, in canonical key order.
ConfigNode toNode(const ExperimentConfig& config);

/// Canonical YAML: fully resolved, fixed key order, numbers in shortest round-trip form.
/// parseExperimentYaml(toYaml(c)) gives back c, and its toYaml the same text.
std::string toYaml(const ExperimentConfig& config);

/// Flat params for the runs table: "optim.lr" -> "0.001", "model.hidden" -> "[64,64]".
/// Tags and notes are not params.
std::map<std::string, std::string> toParams(const ExperimentConfig& config);

/// The valid keys of a schema section ("" = top level, "optim", "trainer.checkpoint"…); empty
/// for free-form sections and unknown paths. FREE_FORM is set for sections that accept any key
/// (`model`, `tags`, `data.transforms`).
std::vector<std::string> schemaKeys(std::string_view section, bool* free_form = nullptr);

}  // namespace wb::config
