#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "core/workspace/workspace.h"

namespace wb::cli {

/// Registers `wb log start|param|metric|stream|artifact|end`. The chosen command stores its work in
/// `action`; main runs it.
void addLogCommands(CLI::App& app, const std::function<Workspace()>& open_workspace,
                     const bool& json_mode, std::function<void()>& action);

}  // namespace wb::cli
