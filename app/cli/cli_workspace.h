#pragma once

#include <filesystem>
#include <string>

#include "app/cli/cli_errors.h"
#include "core/workspace/workspace.h"

namespace wb::cli {

/// The workspace at DIR, or (DIR empty) the one holding the current folder; a CliError
/// otherwise. Shared by wb and wb-ml so both find and report workspaces alike.
inline Workspace openWorkspaceAt(const std::string& dir) {
  std::filesystem::path root = dir;
  if (root.empty()) {
    auto found = Workspace::findRoot(std::filesystem::current_path());
    if (!found)
      fail("not inside a Workbench workspace (use --workspace DIR, or create one with `wb init DIR`)");
    root = *found;
  }
  return unwrap(Workspace::open(root));
}

}  // namespace wb::cli
