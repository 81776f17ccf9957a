#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "core/workspace/workspace.h"

namespace wb::cli {

/// Registers `wb gc [--dry-run] [--grace SECONDS]`: removes objects nothing refers to any
/// more and gives free database space back (core/objects/gc.h).
void addGcCommand(CLI::App& app, const std::function<Workspace()>& open_workspace,
                  const bool& json_mode, std::function<void()>& action);

}  // namespace wb::cli
