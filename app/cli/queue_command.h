#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "core/workspace/workspace.h"

namespace wb::cli {

/// Registers `wb queue`: the workspace's run queue (running and waiting runs, the limit).
void addQueueCommand(CLI::App& app, const std::function<Workspace()>& open_workspace,
                     const bool& json_mode, std::function<void()>& action);

}  // namespace wb::cli
