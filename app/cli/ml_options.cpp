#include "app/cli/ml_options.h"

namespace wb::cli {

CLI::App* addDemoOptions(CLI::App& app, DemoArgs& a) {
  auto* cmd = app.add_subcommand("demo", "Create the demo workspace in DIR: real LibTorch runs on Iris");
  cmd->add_option("DIR", a.dir, "Folder for the demo workspace")->required();
  cmd->add_option("--epochs", a.epochs, "Epochs per run (default: the demo sweep config's)")->check(CLI::Range(1, 100000));
  return cmd;
}

CLI::App* addTrainOptions(CLI::App& app, TrainArgs& a) {
  auto* cmd = app.add_subcommand("train", "Train one run from an experiment config");
  cmd->add_option("CONFIG", a.config, "Config file (or a name under configs/)");
  cmd->add_option("--resume", a.resume, "Continue a failed or killed run from its last checkpoint");
  cmd->add_option("OVERRIDES", a.overrides, "key=value, +new.key=value, ~key");
  cmd->add_option("--name", a.name, "Run name (default: generated)");
  cmd->add_option("--parent", a.parent, "Parent run (a sweep)")->group("");
  cmd->add_flag("--dry-run", a.dry_run, "Check the config and show the dataset and model size; train nothing");
  cmd->add_flag("--stdin-text", a.stdin_text, "Read the config's text from stdin (CONFIG names it)");
  return cmd;
}

CLI::App* addModelsOptions(CLI::App& app) {
  return app.add_subcommand("models", "List the model types and their hyperparameters");
}

CLI::App* addSweepOptions(CLI::App& app, SweepArgs& a) {
  auto* cmd = app.add_subcommand("sweep", "Run a sweep: the config's sweep: block and/or a=1,2 overrides");
  cmd->add_option("CONFIG", a.config, "Config file (or a name under configs/)")->required();
  cmd->add_option("OVERRIDES", a.overrides, "key=value; key=a,b,c adds a grid dimension");
  cmd->add_option("--parallel", a.parallel, "Runs at a time (default 1; the workspace queue may allow fewer)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--dry-run", a.dry_run, "Only list the runs");
  return cmd;
}

}  // namespace wb::cli
