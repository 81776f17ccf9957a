#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "app/cli/ml_options.h"
#include "core/workspace/workspace.h"

namespace wb::cli {

/// Registers `wb models …`: list, show, versions, history, alias, promote, archive, unarchive,
/// rm, tag, describe and export --format bundle run here (no LibTorch); types, register,
/// import and export --format onnx|safetensors are declared from ml_options.h and run by
/// EXEC_ML (wb-ml).
void addModelsCommands(CLI::App& app, const std::function<Workspace()>& open_workspace,
                       const bool& json_mode, std::function<void()>& action, ModelsMlArgs& ml,
                       const std::function<void()>& exec_ml);

/// `wb models export REF --format bundle -o FILE`: the registry's bytes after readBundle
/// checked them (models_manage_commands.cpp).
void exportBundle(const Workspace& ws, bool json_mode, const ModelsExportArgs& a);

/// `wb models promote|rm` (models_manage_commands.cpp).
void addModelsManageCommands(CLI::App& models, const std::function<Workspace()>& open_workspace,
                             const bool& json_mode, std::function<void()>& action);

}  // namespace wb::cli
