#include "app/cli/ml_options.h"

namespace wb::cli {

CLI::App* addDemoOptions(CLI::App& app, DemoArgs& a) {
  auto* cmd = app.add_subcommand("demo", "Create the demo workspace in DIR: an Iris sweep and a digits CNN trained with LibTorch, registered as models");
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

namespace {

CLI::App* addRegister(CLI::App& models, ModelsRegisterArgs& a) {
  auto* cmd = models.add_subcommand("register", "Register a run's checkpoint as a new version of a named model");
  cmd->add_option("RUN", a.run, "Run id, id prefix or name")->required();
  cmd->add_option("--name", a.name, "Model name (created on first use)")->required();
  cmd->add_option("--alias", a.alias, "Point this alias at the new version (production, staging, …)");
  cmd->add_option("-d,--description", a.description, "What this version is");
  cmd->add_option("--tag", a.tags, "KEY=VALUE (repeatable)");
  cmd->add_option("--checkpoint", a.checkpoint, "best (default), last, or an artifact path of the run");
  cmd->add_option("--examples", a.examples, "Test-split examples stored in the bundle (default 8)")
      ->check(CLI::Range(1, 1000));
  return cmd;
}

CLI::App* addExport(CLI::App& models, ModelsExportArgs& a) {
  auto* cmd = models.add_subcommand("export", "Write a version to a file: bundle (zip), onnx or safetensors");
  cmd->add_option("REF", a.ref, "NAME, NAME@ALIAS, NAME@latest or NAME/VERSION")->required();
  cmd->add_option("--format", a.format, "bundle (default), onnx or safetensors")
      ->check(CLI::IsMember({"bundle", "onnx", "safetensors"}));
  cmd->add_option("-o,--output", a.output, "The file to write")->required();
  return cmd;
}

CLI::App* addImport(CLI::App& models, ModelsImportArgs& a) {
  auto* cmd = models.add_subcommand(
      "import", "Register a model made elsewhere: a Workbench bundle (.zip) or a TorchScript file (.pt)");
  cmd->add_option("FILE", a.file, "The bundle or TorchScript file")->required();
  cmd->add_option("--name", a.name, "Model name (created on first use)")->required();
  cmd->add_option("--alias", a.alias, "Point this alias at the new version");
  cmd->add_option("-d,--description", a.description, "What this version is");
  cmd->add_option("--tag", a.tags, "KEY=VALUE (repeatable)");
  cmd->add_option("--format", a.format, "bundle or torchscript (default: from the file)")
      ->check(CLI::IsMember({"bundle", "torchscript"}));
  auto* ts = "TorchScript signature";
  cmd->add_option("--signature", a.signature, "JSON file: kind, input_shape, classes or target, …")->group(ts);
  cmd->add_option("--kind", a.kind, "table, image or text")->group(ts)->check(CLI::IsMember({"table", "image", "text"}));
  cmd->add_option("--input-shape", a.input_shape, "One sample's shape: 4, or 1,28,28")->delimiter(',')->group(ts);
  cmd->add_option("--classes", a.classes, "Class names in output order: a,b,c (classification)")
      ->delimiter(',')->group(ts);
  cmd->add_option("--target", a.target, "The regressed column (regression)")->group(ts);
  cmd->add_option("--features", a.features, "Input column names (tables): a,b,c")->delimiter(',')->group(ts);
  return cmd;
}

}  // namespace

ModelsMlCommands addModelsOptions(CLI::App& app, ModelsMlArgs& a) {
  ModelsMlCommands c;
  c.models = app.add_subcommand("models", "The model registry: register, list, alias, promote, export, import");
  c.models->require_subcommand(1);
  c.types = c.models->add_subcommand("types", "List the model types and their hyperparameters");
  c.reg = addRegister(*c.models, a.reg);
  c.exp = addExport(*c.models, a.exp);
  c.imp = addImport(*c.models, a.imp);
  return c;
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
