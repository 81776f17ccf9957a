#pragma once

#include <memory>
#include <string_view>

#include "core/common/result.h"
#include "core/models/model.h"

namespace wb::models {

/// A model trained elsewhere, loaded from a TorchScript archive (torch.jit.save, PyTorch ≤
/// 1.13) and wrapped as a Model of type "torchscript": forward() calls the scripted forward
/// with the inputs (and offsets when given); parameters come from the scripted module.
/// saveState() returns the archive bytes. Errors: not a TorchScript archive, saved by a newer
/// PyTorch than LibTorch 1.13 reads, no forward method.
Result<std::unique_ptr<Model>> loadTorchScript(std::string_view archive, const ModelInput& input);

}  // namespace wb::models
