#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

// The options of the commands that run in wb-ml (demo, train, models, sweep). `wb` declares
// them too, for its --help and its errors, then execs wb-ml; both declare them from here.
namespace wb::cli {

/// The options every command takes before its name.
struct GlobalArgs {
  std::string workspace;
  bool json = false;
};

struct DemoArgs {
  std::string dir;
  int epochs = 0;  // 0: the demo's default
};

struct TrainArgs {
  std::string config, name, resume, parent;
  std::vector<std::string> overrides;
  bool dry_run = false, stdin_text = false;
};

struct SweepArgs {
  std::string config;
  std::vector<std::string> overrides;
  int parallel = 1;
  bool dry_run = false;
};

CLI::App* addDemoOptions(CLI::App& app, DemoArgs& a);
CLI::App* addTrainOptions(CLI::App& app, TrainArgs& a);
CLI::App* addModelsOptions(CLI::App& app);
CLI::App* addSweepOptions(CLI::App& app, SweepArgs& a);

}  // namespace wb::cli
