#pragma once

// ONNX export of a loaded bundle's model, written through Debian's ONNX library (protobuf
// API), checked by the ONNX checker, and run by an independent runtime (OpenCV's dnn module)
// on the bundle's examples to prove it computes the same numbers. Target wb_onnx (links
// libonnx, OpenCV dnn and LibTorch); light headers only.

#include <string>

#include "core/common/result.h"
#include "core/registry/packaging.h"

namespace wb::registry {

inline constexpr int kOnnxOpset = 13;

/// Writes MODEL's graph: input "input" [N, …] FP32, output "probabilities" [N, classes]
/// (softmax included) or "value" [N] (regression, in target units), so its outputs equal
/// LoadedModel::predict. model.json's signature and preprocessing go into metadata_props
/// ("workbench.signature", "workbench.preprocessing", "workbench.model"). Types: mlp, lenet,
/// resnet_small, resnet18; text models are refused with a message saying why.
Result<std::string> exportOnnx(const LoadedModel& model, int opset = kOnnxOpset);

struct OnnxParity {
  int examples = 0;
  double max_abs_diff = 0;  // against the bundle's expected outputs (LibTorch)
  std::string runtime;      // "OpenCV dnn 4.6.0"
};
/// Runs ONNX_BYTES in OpenCV's dnn module on the examples and compares.
Result<OnnxParity> checkOnnxParity(const std::string& onnx_bytes, const ExampleBatch& examples);

}  // namespace wb::registry
