#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_node.h"
#include "core/config/experiment_config.h"

namespace wb::train {

/// What decides the metric keys a run logs each epoch.
struct LoggedMetrics {
  bool classification = true;
  int classes = 0;       // classification: number of classes
  bool has_val = false;  // the val split has samples
};

/// The stored keys a run logs every epoch ("train/loss", "val/accuracy", "lr", "sys/…"),
/// in a stable order. GPU keys (logged only on CUDA) are not listed.
std::vector<std::string> epochMetricKeys(const LoggedMetrics& logged);

/// Checks a metric name as configs write it ("val_accuracy" or "val/accuracy") against the
/// keys of LOGGED: "" when it is one, else why not with a "did you mean" in the same spelling.
std::string checkMetricName(std::string_view name, const LoggedMetrics& logged);

/// The problems of CFG's monitored metrics (trainer.checkpoint.monitor and, when enabled,
/// trainer.early_stopping.monitor). The default `val_loss` without a val split is accepted:
/// it then follows train/loss. SOURCE (the composed tree, may be null) gives each its origin.
std::vector<config::ConfigError> checkMonitors(const config::ExperimentConfig& cfg,
                                               const LoggedMetrics& logged,
                                               const config::ConfigNode* source);

/// `data.dataset` names no dataset: a ConfigError with a "did you mean" among NAMES and the
/// key's origin from SOURCE (may be null).
config::ConfigError unknownDatasetError(const std::string& ref, const std::vector<std::string>& names,
                                        const config::ConfigNode* source);

/// The origin of a dotted KEY in SOURCE; empty when SOURCE is null or lacks it.
config::Origin originOf(const config::ConfigNode* source, std::string_view key);

}  // namespace wb::train
