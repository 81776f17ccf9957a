#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

// The options of the commands that run in wb-ml (demo, train, sweep, models types|register|
// export|import). `wb` declares
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

// `wb models register RUN --name NAME …`
struct ModelsRegisterArgs {
  std::string run, name, alias, description, checkpoint = "best";
  std::vector<std::string> tags;  // KEY=VALUE
  int examples = 8;
};

// `wb models export REF --format F -o FILE` (bundle runs in wb, onnx and safetensors in wb-ml)
struct ModelsExportArgs {
  std::string ref, format = "bundle", output;
};

// `wb models import FILE --name NAME …`: a bundle, or a TorchScript file with its signature
struct ModelsImportArgs {
  std::string file, name, alias, description, format, signature, kind, target;
  std::vector<std::int64_t> input_shape;
  std::vector<std::string> classes, features, tags;
};

struct ModelsMlArgs {
  ModelsRegisterArgs reg;
  ModelsExportArgs exp;
  ModelsImportArgs imp;
};

// The `models` command and its subcommands that run in wb-ml (wb adds the others to `models`).
struct ModelsMlCommands {
  CLI::App* models = nullptr;
  CLI::App* types = nullptr;
  CLI::App* reg = nullptr;
  CLI::App* exp = nullptr;
  CLI::App* imp = nullptr;
};

CLI::App* addDemoOptions(CLI::App& app, DemoArgs& a);
CLI::App* addTrainOptions(CLI::App& app, TrainArgs& a);
ModelsMlCommands addModelsOptions(CLI::App& app, ModelsMlArgs& a);
CLI::App* addSweepOptions(CLI::App& app, SweepArgs& a);

}  // namespace wb::cli
