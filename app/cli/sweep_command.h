#pragma once

#include "app/cli/ml_options.h"

namespace wb::cli {

/// `wb sweep`: a parent run, then one `wb train` process per child, at most --parallel at once
/// (the workspace's run queue may allow fewer). Returns the exit code: 0 when every child
/// finished, 1 otherwise.
int runSweepCommand(const GlobalArgs& g, const char* self, const SweepArgs& a);

}  // namespace wb::cli
