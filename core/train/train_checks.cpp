#include "core/train/train_checks.h"

#include "core/data/dataset_repository.h"
#include "core/metrics/series_ops.h"

namespace wb::train {

namespace {

// "val/loss" → "val_loss" for the prefixes configs may write with an underscore.
std::string configSpelling(const std::string& key) {
  for (const std::string_view prefix : {"val/", "train/", "test/"})
    if (key.rfind(prefix, 0) == 0)
      return std::string(prefix.substr(0, prefix.size() - 1)) + "_" + key.substr(prefix.size());
  return key;
}

}  // namespace

std::vector<std::string> epochMetricKeys(const LoggedMetrics& logged) {
  std::vector<std::string> keys = {"train/loss"};
  if (logged.classification) keys.push_back("train/accuracy");
  if (logged.has_val) {
    keys.push_back("val/loss");
    if (logged.classification) {
      for (const char* k : {"val/accuracy", "val/precision_macro", "val/recall_macro", "val/f1_macro"})
        keys.push_back(k);
      if (logged.classes > 5) keys.push_back("val/top5_accuracy");
      if (logged.classes == 2) keys.push_back("val/roc_auc");
    } else {
      for (const char* k : {"val/mae", "val/rmse", "val/r2"}) keys.push_back(k);
    }
  }
  for (const char* k : {"lr", "sys/samples_per_s", "sys/rss_mb", "sys/cpu_percent", "sys/time_data_ms",
                        "sys/time_forward_ms", "sys/time_backward_ms", "sys/time_optimizer_ms",
                        "sys/time_metrics_ms", "sys/time_logging_ms"})
    keys.push_back(k);
  return keys;
}

std::string checkMetricName(std::string_view name, const LoggedMetrics& logged) {
  const std::string key = metrics::storedMetricKey(name);
  const auto keys = epochMetricKeys(logged);
  for (const auto& k : keys)
    if (k == key) return {};
  const bool slash_style = name.find('/') != std::string_view::npos;
  std::vector<std::string> spelled;
  for (const auto& k : keys) spelled.push_back(slash_style ? k : configSpelling(k));
  std::string message = "'" + std::string(name) + "' is not a metric this run logs";
  if (key.rfind("val/", 0) == 0 && !logged.has_val) {
    LoggedMetrics with_val = logged;
    with_val.has_val = true;
    if (checkMetricName(name, with_val).empty())
      return message + ": the val split is empty (monitor a train metric or add a val split)";
  }
  if (const auto hint = config::closestMatch(name, spelled); !hint.empty())
    return message + "; did you mean '" + hint + "'?";
  std::string list;
  for (const auto& k : spelled)
    if (k.rfind("sys/", 0) != 0) list += (list.empty() ? "" : ", ") + k;
  return message + " (it logs " + list + ", lr and sys/*)";
}

config::Origin originOf(const config::ConfigNode* source, std::string_view key) {
  if (source == nullptr) return {};
  const config::ConfigNode* node = source->findPath(key);
  return node != nullptr ? node->origin : config::Origin{};
}

std::vector<config::ConfigError> checkMonitors(const config::ExperimentConfig& cfg,
                                               const LoggedMetrics& logged,
                                               const config::ConfigNode* source) {
  std::vector<config::ConfigError> errors;
  auto check = [&](const std::string& name, const char* key) {
    // The default follows train/loss when there is no val split (documented).
    if (!logged.has_val && name == config::CheckpointConfig{}.monitor) return;
    if (auto why = checkMetricName(name, logged); !why.empty())
      errors.push_back({key, why, originOf(source, key)});
  };
  check(cfg.trainer.checkpoint.monitor, "trainer.checkpoint.monitor");
  if (cfg.trainer.early_stopping.enabled)
    check(cfg.trainer.early_stopping.monitor, "trainer.early_stopping.monitor");
  return errors;
}

config::ConfigError unknownDatasetError(const std::string& ref, const std::vector<std::string>& names,
                                        const config::ConfigNode* source) {
  const auto parsed = data::DatasetRef::parse(ref);
  const std::string name = parsed ? parsed->name : ref;
  std::string message = "no dataset named '" + name + "' in this workspace";
  if (const auto hint = config::closestMatch(name, names); !hint.empty())
    message += "; did you mean '" + hint + "'?";
  else if (names.empty())
    message += " (import one with `wb data import`)";
  return {"data.dataset", message, originOf(source, "data.dataset")};
}

}  // namespace wb::train
