// wb-ml: the `wb` commands that need LibTorch. `wb` execs this binary for them, so the rest of
// the CLI never loads LibTorch.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "core/demo/demo_workspace.h"

using nlohmann::json;
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
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
