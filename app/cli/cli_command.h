#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "core/workspace/workspace.h"

namespace wb::cli {

/// Opens the workspace given by --workspace (or found from the current folder).
using OpenWorkspace = std::function<Workspace()>;

/// Makes FN the work main runs after parsing when CMD is the command given. FN reads its
/// options from what it captured (bound to CMD's options, so filled in by then).
template <class Fn>
void setAction(CLI::App* cmd, std::function<void()>& action, Fn fn) {
  cmd->callback([&action, fn] { action = fn; });
}

}  // namespace wb::cli
