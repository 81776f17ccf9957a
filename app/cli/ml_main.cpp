// wb-ml: the `wb` commands that need LibTorch. `wb` execs this binary for them, so the rest of
// the CLI never loads LibTorch.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/ml_options.h"
#include "app/cli/models_ml_commands.h"
#include "app/cli/sweep_command.h"
#include "app/cli/train_command.h"
#include "core/common/numbers.h"
#include "core/demo/demo_workspace.h"

using nlohmann::json;
using wb::cli::CliError;
using wb::cli::unwrap;

namespace {

void createDemo(const wb::cli::GlobalArgs& g, const std::string& dir, int epochs) {
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
    } else if (p.phase == "registering") {
      std::cout << "  registering " << p.run_name << '\n' << std::flush;
    } else if (p.epoch == p.epochs) {
      std::cout << "  trained " << p.run_name << ": val/accuracy " << wb::formatDouble(p.val_accuracy)
                << '\n';
    }
    return true;
  }));
  if (g.json) {
    json runs = json::array();
    for (const auto& r : result.runs)
      runs.push_back({{"id", r.run_id}, {"name", r.name}, {"val_accuracy", r.val_accuracy}});
    const auto& d = result.digits_run;
    json models = json::array();
    for (const auto& m : result.models)
      models.push_back({{"name", m.name}, {"version", m.version}, {"alias", m.alias}, {"run", m.run_id},
                        {"existed", m.existed}});
    std::cout << json{{"event", "done"}, {"workspace", result.workspace.string()}, {"runs", runs},
                      {"digits_run", {{"id", d.run_id}, {"name", d.name}, {"val_accuracy", d.val_accuracy}}},
                      {"datasets", result.datasets}, {"models", models}}.dump()
              << std::endl;
  } else {
    std::cout << "Demo workspace ready: " << result.workspace.string() << '\n';
    for (const auto& d : result.datasets) std::cout << "  dataset " << d << '\n';
    for (const auto& m : result.models)
      std::cout << "  model " << m.name << '@' << m.alias << " (version " << m.version
                << (m.existed ? ", registered before" : "") << ")\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wb-ml — Workbench commands that use LibTorch (run through `wb`).", "wb"};
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "wb: " + std::string(e.what()) + " (see `wb --help`)\n";
  });
  wb::cli::GlobalArgs g;
  app.add_option("-w,--workspace", g.workspace, "Workspace folder")->envname("WB_WORKSPACE");
  app.add_flag("--json", g.json, "Machine-readable JSON output");
  wb::cli::DemoArgs demo;
  wb::cli::TrainArgs train;
  wb::cli::SweepArgs sweep;
  wb::cli::addDemoOptions(app, demo);
  auto* train_cmd = wb::cli::addTrainOptions(app, train);
  auto* sweep_cmd = wb::cli::addSweepOptions(app, sweep);
  wb::cli::ModelsMlArgs models;
  const auto models_cmds = wb::cli::addModelsOptions(app, models);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // A closed stdout (`wb train cfg | head -1`) must not end a run: writes fail with EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    if (*train_cmd) return wb::cli::runTrainCommand(g, train);
    if (wb::cli::runModelsMlCommand(g, models_cmds, models)) return 0;
    if (*sweep_cmd) return wb::cli::runSweepCommand(g, argv[0], sweep);
    createDemo(g, demo.dir, demo.epochs);
  } catch (const CliError& e) {
    std::cerr << "wb: " << e.message << '\n';
    return e.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "wb: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
