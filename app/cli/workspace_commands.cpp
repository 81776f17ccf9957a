// `wb init` and `wb version`.
#include "app/cli/workspace_commands.h"

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/cli_errors.h"
#include "core/store/schema.h"

namespace wb::cli {

using nlohmann::json;

namespace {

void initWorkspace(bool json_mode, const std::string& dir, const std::string& name) {
  const auto ws = unwrap(Workspace::create(dir, name));
  if (json_mode) {
    std::cout << json{{"workspace", ws.root().string()}, {"name", ws.name()},
                      {"schema_version", store::latestSchemaVersion()}}.dump() << '\n';
  } else {
    std::cout << "Created workspace " << ws.name() << " in " << ws.root().string() << '\n';
  }
}

void printVersion(bool json_mode) {
  if (json_mode)
    std::cout << json{{"version", WB_VERSION}, {"schema_version", store::latestSchemaVersion()}}.dump() << '\n';
  else
    std::cout << "wb " << WB_VERSION << " (workspace schema " << store::latestSchemaVersion() << ")\n";
}

}  // namespace

void addWorkspaceCommands(CLI::App& app, const OpenWorkspace&, const bool& json_mode,
                          std::function<void()>& action) {
  auto* init = app.add_subcommand("init", "Create a new workspace in DIR");
  struct InitArgs {
    std::string dir, name;
  };
  auto a = std::make_shared<InitArgs>();
  init->add_option("DIR", a->dir, "Folder for the workspace (created if missing)")->required();
  init->add_option("--name", a->name, "Workspace name (default: the folder's name)");
  setAction(init, action, [&json_mode, a] { initWorkspace(json_mode, a->dir, a->name); });

  auto* version = app.add_subcommand("version", "Print the version");
  setAction(version, action, [&json_mode] { printVersion(json_mode); });
}

}  // namespace wb::cli
