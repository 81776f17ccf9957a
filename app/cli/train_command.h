#pragma once

#include <atomic>
#include <filesystem>
#include <string>

#include "app/cli/ml_options.h"
#include "core/workspace/workspace.h"

namespace wb::cli {

/// Set by SIGTERM/SIGINT while `wb train` runs: the trainer checkpoints and ends killed.
extern std::atomic<bool> g_train_stop;

/// CONFIG as given, else configs/CONFIG, else configs/CONFIG.yaml.
std::filesystem::path resolveConfigPath(const Workspace& ws, const std::string& config_path);

/// `wb train`: returns the exit code (0 finished, 1 failed, 143 killed).
int runTrainCommand(const GlobalArgs& g, const TrainArgs& a);

}  // namespace wb::cli
