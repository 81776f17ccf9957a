// `wb train`: one run from a config, printed as it trains (or as JSON events with --json).
#include "app/cli/train_command.h"

#include <csignal>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_workspace.h"
#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "core/config/compose.h"
#include "core/config/experiment_config.h"
#include "core/train/trainer.h"

namespace wb::cli {

namespace fs = std::filesystem;
using nlohmann::json;

std::atomic<bool> g_train_stop{false};

namespace {

extern "C" void onTrainSignal(int) { g_train_stop = true; }

// Once stdout is gone (`wb train cfg | head -1`), printing stops; training goes on. SIGPIPE is
// ignored, so a write to a closed pipe fails with EPIPE instead of killing the run.
// (std::cout stays bad after the first failed write.)
bool stdoutOpen() { return static_cast<bool>(std::cout); }

// `wb train --dry-run`: what would be trained, without a run.
int planOnly(const GlobalArgs& g, const Workspace& ws, const config::ExperimentConfig& config,
             const config::ConfigNode* source) {
  const auto plan = unwrap(train::planTraining(ws, config, source));
  if (g.json) {
    std::cout << json{{"event", "plan"}, {"dataset", plan.dataset}, {"input_shape", plan.input_shape},
                      {"classes", plan.classes}, {"parameters", plan.parameters},
                      {"train_samples", plan.train_samples}, {"val_samples", plan.val_samples},
                      {"test_samples", plan.test_samples}, {"batches_per_epoch", plan.batches_per_epoch},
                      {"device", plan.device}, {"model", config::toString(config.model.type)},
                      {"warnings", plan.warnings}}
                     .dump()
              << std::endl;
    return 0;
  }
  std::string shape;
  for (auto d : plan.input_shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
  std::cout << "dataset  " << plan.dataset << " (" << plan.train_samples << " train, " << plan.val_samples
            << " val, " << plan.test_samples << " test)\n"
            << "input    " << (shape.empty() ? "text" : shape)
            << (plan.classes > 0 ? ", " + std::to_string(plan.classes) + " classes" : ", regression") << '\n'
            << "model    " << config::toString(config.model.type) << ", " << plan.parameters
            << " parameters\n"
            << "epoch    " << plan.batches_per_epoch << " batches of " << config.data.batch_size << " on "
            << plan.device << '\n';
  for (const auto& w : plan.warnings) std::cout << "warning  " << w << '\n';
  return 0;
}

// One trainer event as a human reads it.
void printEvent(const json& event) {
  const std::string kind = event.value("event", "");
  if (kind == "resumed") {
    std::cout << "resuming after epoch " << event.value("epoch", 0) << '\n';
  } else if (kind == "started") {
    std::cout << "run " << event.value("name", "") << " (" << event.value("run_id", "") << ") on "
              << event.value("dataset", "") << ", " << event.value("parameters", 0)
              << " parameters, device " << event.value("device", "") << '\n';
  } else if (kind == "epoch") {
    const auto& m = event["metrics"];
    std::cout << "epoch " << event.value("epoch", 0) << "/" << event.value("epochs", 0);
    for (const char* k : {"train/loss", "val/loss", "val/accuracy", "val/rmse"})
      if (m.contains(k)) std::cout << "  " << k << " " << formatGeneral(m[k].get<double>());
    std::cout << "  (" << formatDuration(event.value("seconds", 0.0)) << ")\n" << std::flush;
  } else if (kind == "finished") {
    // The held-out test split, scored with the best checkpoint.
    if (const auto it = event.find("metrics"); it != event.end() && it->is_object() && !it->empty()) {
      std::cout << "test   ";
      for (const auto& [k, v] : it->items())
        if (v.is_number()) std::cout << "  " << k << " " << formatGeneral(v.get<double>());
      std::cout << '\n';
    }
    std::cout << "run " << event.value("status", "") << (event.value("message", "").empty() ? "" : ": ")
              << event.value("message", "") << '\n'
              << std::flush;
  }
}

train::TrainRequest makeRequest(const GlobalArgs& g, const Workspace& ws, const TrainArgs& a, bool* planned) {
  train::TrainRequest request;
  if (!a.resume.empty()) {
    request = unwrap(train::resumeRequest(ws, a.resume));
    if (a.dry_run) fail("--dry-run needs a CONFIG, not --resume");
  } else {
    config::ComposeOptions co;
    co.configs_dir = ws.configsDir();
    co.display_root = ws.root();
    const fs::path primary = resolveConfigPath(ws, a.config);
    if (a.stdin_text)  // an editor's unsaved text; CONFIG names it and anchors its defaults
      co.primary_text = std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    auto config = unwrap(config::loadExperimentConfig(primary, a.overrides, co));
    // The composed tree again, for the origins of errors only the data can tell (dataset, monitor).
    auto composed = config::composeConfig(primary, a.overrides, co);
    if (composed) request.source = composed->tree;
    if (a.dry_run) {
      *planned = true;
      planOnly(g, ws, config, composed ? &request.source : nullptr);
      return request;
    }
    request.config = config;
    request.config_text = config::toYaml(config);
  }
  request.run_name = a.name;
  request.parent_run_id = a.parent;
  // A sweep child's overrides are what makes it differ: list them with its params.
  if (!a.parent.empty())
    for (const auto& o : a.overrides)
      if (auto parsed = config::parseOverride(o); parsed && parsed->kind != config::Override::Kind::Delete)
        request.extra_params[parsed->key] = o.substr(o.find('=') + 1);
  return request;
}

}  // namespace

fs::path resolveConfigPath(const Workspace& ws, const std::string& config_path) {
  fs::path primary = config_path;
  if (!fs::exists(primary) && fs::exists(ws.configsDir() / config_path)) primary = ws.configsDir() / config_path;
  if (!fs::exists(primary) && fs::exists(ws.configsDir() / (config_path + ".yaml")))
    primary = ws.configsDir() / (config_path + ".yaml");
  return primary;
}

int runTrainCommand(const GlobalArgs& g, const TrainArgs& a) {
  const auto ws = openWorkspaceAt(g.workspace);
  if (!a.resume.empty() && (!a.config.empty() || !a.overrides.empty()))
    fail("--resume continues a run with its own config; give no CONFIG or overrides");
  if (a.resume.empty() && a.config.empty()) fail("give a CONFIG (or --resume RUN)");
  bool planned = false;
  const auto request = makeRequest(g, ws, a, &planned);
  if (planned) return 0;
  std::signal(SIGTERM, onTrainSignal);
  std::signal(SIGINT, onTrainSignal);
  std::signal(SIGPIPE, SIG_IGN);
  auto outcome = unwrap(train::runTraining(ws, request, [&](const json& event) {
    if (!stdoutOpen()) return;
    if (g.json)
      std::cout << event.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    else
      printEvent(event);
  }, g_train_stop));
  if (outcome.status == store::RunStatus::Failed) {
    std::cerr << "wb: run failed: " << outcome.message << '\n';
    return 1;
  }
  return outcome.status == store::RunStatus::Killed ? 143 : 0;
}

}  // namespace wb::cli
