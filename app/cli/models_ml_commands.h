#pragma once

#include "app/cli/ml_options.h"

namespace wb::cli {

/// Runs the `wb models` subcommand of C that was given (types, register, import, export
/// --format onnx|safetensors) in wb-ml; false when `models` was not the command.
bool runModelsMlCommand(const GlobalArgs& g, const ModelsMlCommands& c, const ModelsMlArgs& a);

}  // namespace wb::cli
