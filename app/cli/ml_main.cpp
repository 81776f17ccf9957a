// wb-ml: the `wb` commands that need LibTorch. `wb` execs this binary for them, so the rest of
// the CLI never loads LibTorch.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "core/config/compose.h"
#include "core/config/experiment_config.h"
#include "core/demo/demo_workspace.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"

using nlohmann::json;
namespace fs = std::filesystem;
using wb::cli::CliError;
using wb::cli::unwrap;

namespace {

struct Globals {
  std::string workspace;
  bool json = false;
};

void createDemo(const Globals& g, const std::string& dir, int epochs) {
  wb::demo::DemoOptions options;
  options.dir = dir;
  if (epochs > 0) options.epochs = epochs;
  auto result = unwrap(wb::demo::createDemoWorkspace(options, [&](const wb::demo::DemoProgress& p) {
    if (g.json) {
      std::cout << json{{"event", "progress"}, {"phase", p.phase}, {"run", p.run_name}, {"run_index", p.run_index},
                        {"run_count", p.run_count}, {"epoch", p.epoch}, {"epochs", p.epochs},
                        {"val_accuracy", p.val_accuracy}}.dump() << std::endl;
    } else if (p.phase == "datasets") {
      std::cout << "  " << p.run_name << '\n' << std::flush;
    } else if (p.epoch == p.epochs) {
      std::cout << "  trained " << p.run_name << ": val/accuracy " << wb::cli::formatNumber(p.val_accuracy)
                << '\n';
    }
    return true;
  }));
  if (g.json) {
    json runs = json::array();
    for (const auto& r : result.runs)
      runs.push_back({{"id", r.run_id}, {"name", r.name}, {"val_accuracy", r.val_accuracy}});
    std::cout << json{{"event", "done"}, {"workspace", result.workspace.string()}, {"runs", runs},
                      {"datasets", result.datasets}}.dump()
              << std::endl;
  } else {
    std::cout << "Demo workspace ready: " << result.workspace.string() << '\n';
    for (const auto& d : result.datasets) std::cout << "  dataset " << d << '\n';
  }
}

std::atomic<bool> g_stop{false};
extern "C" void onTrainSignal(int) { g_stop = true; }

wb::Workspace openWorkspace(const Globals& g) {
  fs::path dir = g.workspace;
  if (dir.empty()) {
    auto found = wb::Workspace::findRoot(fs::current_path());
    if (!found) throw CliError{"not inside a Workbench workspace (use --workspace DIR)"};
    dir = *found;
  }
  return unwrap(wb::Workspace::open(dir));
}

// One run: compose the config, train in this process, one JSON event per line with --json.
int train(const Globals& g, const std::string& config_path, const std::vector<std::string>& overrides,
          const std::string& name) {
  const auto ws = openWorkspace(g);
  wb::config::ComposeOptions co;
  co.configs_dir = ws.configsDir();
  co.display_root = ws.root();
  fs::path primary = config_path;
  if (!fs::exists(primary) && fs::exists(ws.configsDir() / config_path)) primary = ws.configsDir() / config_path;
  if (!fs::exists(primary) && fs::exists(ws.configsDir() / (config_path + ".yaml")))
    primary = ws.configsDir() / (config_path + ".yaml");
  auto config = unwrap(wb::config::loadExperimentConfig(primary, overrides, co));
  wb::train::TrainRequest request;
  request.config = config;
  request.config_text = wb::config::toYaml(config);
  request.run_name = name;
  std::signal(SIGTERM, onTrainSignal);
  std::signal(SIGINT, onTrainSignal);
  auto outcome = unwrap(wb::train::runTraining(ws, request, [&](const json& event) {
    if (g.json) {
      std::cout << event.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
      return;
    }
    const std::string kind = event.value("event", "");
    if (kind == "started") {
      std::cout << "run " << event.value("name", "") << " (" << event.value("run_id", "") << ") on "
                << event.value("dataset", "") << ", " << event.value("parameters", 0)
                << " parameters, device " << event.value("device", "") << '\n';
    } else if (kind == "epoch") {
      const auto& m = event["metrics"];
      std::cout << "epoch " << event.value("epoch", 0) << "/" << event.value("epochs", 0);
      for (const char* k : {"train/loss", "val/loss", "val/accuracy", "val/rmse"})
        if (m.contains(k)) std::cout << "  " << k << " " << wb::cli::formatShort(m[k].get<double>());
      std::cout << "  (" << wb::cli::formatDuration(event.value("seconds", 0.0)) << ")\n" << std::flush;
    } else if (kind == "finished") {
      std::cout << "run " << event.value("status", "") << (event.value("message", "").empty() ? "" : ": ")
                << event.value("message", "") << '\n';
    }
  }, g_stop));
  if (outcome.status == wb::store::RunStatus::Failed) {
    std::cerr << "wb: run failed: " << outcome.message << '\n';
    return 1;
  }
  return outcome.status == wb::store::RunStatus::Killed ? 143 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wb-ml — Workbench commands that use LibTorch (run through `wb`).", "wb"};
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "wb: " + std::string(e.what()) + " (see `wb --help`)\n";
  });
  Globals g;
  app.add_option("-w,--workspace", g.workspace, "Workspace folder")->envname("WB_WORKSPACE");
  app.add_flag("--json", g.json, "Machine-readable JSON output");
  auto* demo = app.add_subcommand("demo", "Create the demo workspace in DIR: real LibTorch runs on Iris");
  std::string demo_dir;
  int demo_epochs = 0;
  demo->add_option("DIR", demo_dir, "Folder for the demo workspace")->required();
  demo->add_option("--epochs", demo_epochs, "Epochs per run (default 60)")->check(CLI::Range(1, 100000));
  auto* train_cmd = app.add_subcommand("train", "Train one run from an experiment config");
  std::string train_config, train_name;
  std::vector<std::string> train_overrides;
  train_cmd->add_option("CONFIG", train_config, "Config file (or a name under configs/)")->required();
  train_cmd->add_option("OVERRIDES", train_overrides, "key=value, +new.key=value, ~key");
  train_cmd->add_option("--name", train_name, "Run name (default: generated)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*train_cmd) return train(g, train_config, train_overrides, train_name);
    createDemo(g, demo_dir, demo_epochs);
  } catch (const CliError& e) {
    std::cerr << "wb: " << e.message << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "wb: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
