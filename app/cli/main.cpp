// wb: the Workbench command line. Argument parsing and printing only; the work is in core/.
// Each command family registers itself from its own file (addXCommands); main parses and runs
// the chosen command's action.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/cli_errors.h"
#include "app/cli/cli_workspace.h"
#include "app/cli/data_commands.h"
#include "app/cli/gc_command.h"
#include "app/cli/log_commands.h"
#include "app/cli/metrics_commands.h"
#include "app/cli/ml_options.h"
#include "app/cli/models_commands.h"
#include "app/cli/queue_command.h"
#include "app/cli/runs_commands.h"
#include "app/cli/workspace_commands.h"

namespace fs = std::filesystem;

namespace {

constexpr int kExitError = 1;

struct Globals {
  std::string workspace;
  bool json = false;
};

// LibTorch commands live in wb-ml, so that every other command starts in milliseconds instead
// of paying for loading LibTorch.
[[noreturn]] void execMl(char** argv) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path ml = self.parent_path() / "wb-ml";
  ::execv(ml.c_str(), argv);
  wb::cli::fail("cannot run " + ml.string() + ": " + std::strerror(errno));
}

// demo, train, sweep (and models types|register|import|export): declared here for --help and
// argument errors, run by wb-ml.
struct MlArgs {
  wb::cli::DemoArgs demo;
  wb::cli::TrainArgs train;
  wb::cli::SweepArgs sweep;
  wb::cli::ModelsMlArgs models;
};

void addMlCommands(CLI::App& app, MlArgs& args, char** argv, std::function<void()>& action) {
  const auto exec = [argv] { execMl(argv); };
  wb::cli::setAction(wb::cli::addDemoOptions(app, args.demo), action, exec);
  wb::cli::setAction(wb::cli::addTrainOptions(app, args.train), action, exec);
  wb::cli::setAction(wb::cli::addSweepOptions(app, args.sweep), action, exec);
}

// Every command family, in the order `wb --help` lists them. A new family adds one line here.
void registerCommands(CLI::App& app, const Globals& g, MlArgs& ml, char** argv,
                      std::function<void()>& action) {
  const wb::cli::OpenWorkspace open = [&g] { return wb::cli::openWorkspaceAt(g.workspace); };
  wb::cli::addWorkspaceCommands(app, open, g.json, action);  // init, version
  addMlCommands(app, ml, argv, action);                      // demo, train, sweep
  wb::cli::addModelsCommands(app, open, g.json, action, ml.models, [argv] { execMl(argv); });
  wb::cli::addDataCommands(app, open, g.json, action);
  wb::cli::addQueueCommand(app, open, g.json, action);
  wb::cli::addRunsCommands(app, open, g.json, action);
  wb::cli::addMetricsCommands(app, open, g.json, action);
  wb::cli::addLogCommands(app, open, g.json, action);
  wb::cli::addGcCommand(app, open, g.json, action);
}

// CLI11 reports an unknown command as "a subcommand is required": name it instead. Walks the
// words down the command tree while the current command has subcommands; false after
// printing the error.
bool checkCommandWords(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (level == &app && (arg == "-w" || arg == "--workspace")) {
      ++i;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    const auto subs = level->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) break;
    CLI::App* next = nullptr;
    for (auto* sub : subs)
      if (sub->get_name() == arg) next = sub;
    if (!next) {
      const std::string where = level == &app ? "wb" : "wb " + level->get_name();
      std::cerr << "wb: unknown command '" << arg << "' for " << where << " (see `" << where << " --help`)\n";
      return false;
    }
    level = next;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wb — the Workbench command line: workspaces, datasets, runs and metrics.", "wb"};
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message([](const CLI::App* cmd, const CLI::Error& e) {
    return "wb: " + std::string(e.what()) + " (see `" + cmd->get_display_name(true) + " --help`)\n";
  });
  Globals g;
  app.add_option("-w,--workspace", g.workspace,
                 "Workspace folder (default: the current folder or its nearest parent workspace)")
      ->envname("WB_WORKSPACE");
  app.add_flag("--json", g.json, "Machine-readable JSON output");
  std::function<void()> action;
  MlArgs ml;
  registerCommands(app, g, ml, argv, action);
  if (!checkCommandWords(app, argc, argv)) return kExitError;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (action) action();
  } catch (const wb::cli::CliError& e) {
    std::cerr << "wb: " << e.message << '\n';
    return e.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "wb: " << e.what() << '\n';
    return kExitError;
  }
  return 0;
}
