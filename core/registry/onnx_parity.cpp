// Parity of an exported graph: OpenCV's dnn module (an ONNX runtime independent of LibTorch)
// runs it on the bundle's examples, and the outputs are compared with LibTorch's.
#include <ATen/core/Tensor.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/registry/onnx_export.h"

namespace wb::registry {

namespace {

/// Largest |a − b| over the values; +∞ when either side has a NaN.
double maxAbsDiff(const float* a, const float* b, std::size_t n) {
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace

Result<OnnxParity> checkOnnxParity(const std::string& onnx_bytes, const ExampleBatch& examples) {
  const std::string context = "onnx parity";
  if (!examples.inputs.defined() || !examples.expected.defined() || examples.inputs.dim() < 2)
    return makeError("the bundle has no examples to run", context);
  if (!examples.inputs.is_floating_point())
    return makeError("the examples are not float tensors (text models have no ONNX graph)", context);
  OnnxParity parity;
  parity.runtime = "OpenCV dnn " + cv::getVersionString();
  parity.examples = static_cast<int>(examples.inputs.size(0));
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx_bytes.data(), onnx_bytes.size());
    at::Tensor inputs = examples.inputs.detach().cpu().to(at::kFloat).contiguous();
    const std::vector<int> sizes(inputs.sizes().begin(), inputs.sizes().end());
    const cv::Mat blob(static_cast<int>(sizes.size()), sizes.data(), CV_32F, inputs.data_ptr<float>());
    net.setInput(blob, "input");
    const cv::Mat out = net.forward();
    const at::Tensor expected = examples.expected.detach().cpu().to(at::kFloat).contiguous();
    if (out.type() != CV_32F || !out.isContinuous() ||
        static_cast<std::int64_t>(out.total()) != expected.numel())
      return makeError("the ONNX graph gives " + std::to_string(out.total()) + " values for " +
                           std::to_string(parity.examples) + " examples, expected " +
                           std::to_string(expected.numel()),
                       context);
    parity.max_abs_diff = maxAbsDiff(out.ptr<float>(), expected.data_ptr<float>(), out.total());
  } catch (const cv::Exception& e) {
    return makeError(parity.runtime + " cannot run the graph: " + e.msg, context);
  } catch (const std::exception& e) {
    return makeError(parity.runtime + " cannot run the graph: " + e.what(), context);
  }
  return parity;
}

}  // namespace wb::registry
