#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "core/workspace/workspace.h"

namespace wb::cli {

/// Registers `wb runs compare A B [C…] [--metric M] [--goal min|max] [--all]` under `runs`:
/// a params diff, each metric's last/best per run, and which run is best on M by how much.
/// The chosen command stores its work in `action`; main runs it.
void addCompareCommand(CLI::App& runs, const std::function<Workspace()>& open_workspace,
                       const bool& json_mode, std::function<void()>& action);

}  // namespace wb::cli
