#include "core/registry/onnx_graph.h"

#include <ATen/core/Tensor.h>

#include <cstring>

namespace wb::registry::onnx_detail {

namespace {

void setAttribute(onnx::NodeProto& node, const Attr& attr) {
  auto* a = node.add_attribute();
  a->set_name(attr.name);
  if (const auto* i = std::get_if<std::int64_t>(&attr.value)) {
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(*i);
  } else if (const auto* f = std::get_if<float>(&attr.value)) {
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(*f);
  } else {
    a->set_type(onnx::AttributeProto::INTS);
    for (const auto v : std::get<std::vector<std::int64_t>>(attr.value)) a->add_ints(v);
  }
}

}  // namespace

std::string GraphWriter::unique(const std::string& name) {
  std::string candidate = name;
  for (int n = 1; m_names.count(candidate) > 0; ++n) candidate = name + "_" + std::to_string(n);
  m_names.insert(candidate);
  return candidate;
}

std::string GraphWriter::node(const std::string& op, const std::vector<std::string>& inputs,
                              const std::string& output, const std::vector<Attr>& attrs) {
  auto* n = m_graph.add_node();
  const std::string out = unique(output);
  n->set_op_type(op);
  n->set_name(out);
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(out);
  for (const auto& attr : attrs) setAttribute(*n, attr);
  return out;
}

std::string GraphWriter::floats(const std::string& name, const std::vector<std::int64_t>& dims,
                                const std::vector<float>& values) {
  auto* t = m_graph.add_initializer();
  const std::string unique_name = unique(name);
  t->set_name(unique_name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (const auto d : dims) t->add_dims(d);
  // raw_data is little-endian float32, the host layout here (x86-64, arm64).
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()),
                              values.size() * sizeof(float)));
  return unique_name;
}

std::string GraphWriter::tensor(const std::string& name, const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().cpu().to(at::kFloat).contiguous();
  std::vector<float> values(static_cast<std::size_t>(t.numel()));
  if (!values.empty()) std::memcpy(values.data(), t.data_ptr<float>(), values.size() * sizeof(float));
  return floats(name, std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()), values);
}

std::string GraphWriter::scalar(const std::string& name, float value) {
  return floats(name, {}, {value});
}

std::string GraphWriter::int64s(const std::string& name, const std::vector<std::int64_t>& values) {
  auto* t = m_graph.add_initializer();
  const std::string unique_name = unique(name);
  t->set_name(unique_name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<std::int64_t>(values.size()));
  for (const auto v : values) t->add_int64_data(v);
  return unique_name;
}

const at::Tensor& TensorSource::at(const std::string& name) {
  const auto it = m_tensors.find(name);
  if (it == m_tensors.end()) throw ExportError("the model has no tensor '" + name + "'");
  m_used.insert(name);
  return it->second;
}

std::vector<std::pair<std::int64_t, std::int64_t>> adaptiveWindows(std::int64_t in,
                                                                   std::int64_t out) {
  // LibTorch's adaptive_avg_pool2d: start = floor(i·in/out), end = ceil((i+1)·in/out).
  std::vector<std::pair<std::int64_t, std::int64_t>> windows;
  for (std::int64_t i = 0; i < out; ++i)
    windows.emplace_back(i * in / out, ((i + 1) * in + out - 1) / out);
  return windows;
}

}  // namespace wb::registry::onnx_detail
