#pragma once

// Internal to wb_onnx: appends nodes and initializers to an ONNX graph (protobuf API) under
// unique names. Includes Debian's ONNX headers (ONNX_NAMESPACE=onnx, ONNX_ML=1 come with the
// onnx target).

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <onnx/onnx_pb.h>

namespace wb::registry::onnx_detail {

/// A graph that cannot be written (a tensor missing from the model, a layout the opset cannot
/// express). Thrown inside the exporter only; exportOnnx() turns it into an Error.
struct ExportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Attr {
  std::string name;
  std::variant<std::int64_t, float, std::vector<std::int64_t>> value;
};

class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto& graph) : m_graph(graph) {}

  /// Adds node OP (named after OUTPUT, made unique) and returns its output's name.
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   const std::string& output, const std::vector<Attr>& attrs = {});

  /// Float32 initializer NAME of shape DIMS (row-major VALUES).
  std::string floats(const std::string& name, const std::vector<std::int64_t>& dims,
                     const std::vector<float>& values);
  /// A LibTorch tensor as a float32 initializer of the same shape.
  std::string tensor(const std::string& name, const at::Tensor& tensor);
  std::string scalar(const std::string& name, float value);
  std::string int64s(const std::string& name, const std::vector<std::int64_t>& values);

 private:
  std::string unique(const std::string& name);

  onnx::GraphProto& m_graph;
  std::set<std::string> m_names;
};

/// A model's parameters and buffers by dotted name; a missing one is an ExportError. Remembers
/// which were read, so the exporter can tell a parameter it left out.
class TensorSource {
 public:
  explicit TensorSource(std::map<std::string, at::Tensor> tensors)
      : m_tensors(std::move(tensors)) {}
  bool has(const std::string& name) const { return m_tensors.count(name) > 0; }
  const at::Tensor& at(const std::string& name);
  bool used(const std::string& name) const { return m_used.count(name) > 0; }

 private:
  std::map<std::string, at::Tensor> m_tensors;
  std::set<std::string> m_used;
};

/// The input windows adaptive average pooling uses along one axis: [start, end) per output.
std::vector<std::pair<std::int64_t, std::int64_t>> adaptiveWindows(std::int64_t in,
                                                                   std::int64_t out);

}  // namespace wb::registry::onnx_detail
