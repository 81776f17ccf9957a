#include "core/models/model.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <sstream>

namespace wb::models {

namespace {

// Key of the JSON description (type, params, input) inside a saved state.
constexpr const char* kStateMetaKey = "workbench_model";
constexpr int kStateFormat = 1;

std::string shapeText(c10::IntArrayRef sizes) {
  std::string text = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

std::string withSeparators(std::int64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string torchMessage(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

std::int64_t countOf(const std::vector<at::Tensor>& tensors) {
  std::int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

}  // namespace

std::string ModelInput::text() const {
  std::string out;
  if (shape.empty()) {
    out = "text (" + std::to_string(vocabulary) + " ids)";
  } else if (shape.size() == 1) {
    out = std::to_string(shape[0]) + " features";
  } else {
    for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "×" : "") + std::to_string(shape[i]);
  }
  return out + (classes > 0 ? ", " + std::to_string(classes) + " classes" : ", regression");
}

nlohmann::json ModelInput::toJson() const {
  return {{"shape", shape}, {"classes", classes}, {"vocabulary", vocabulary}};
}

Result<ModelInput> ModelInput::fromJson(const nlohmann::json& json) {
  if (!json.is_object()) return makeError("expected an object", "input");
  ModelInput input;
  const auto integer = [&](const char* key, std::int64_t& out) -> Status {
    if (!json.contains(key)) return {};
    if (!json[key].is_number_integer() || json[key].get<std::int64_t>() < 0)
      return makeError("expected a non-negative integer", std::string("input.") + key);
    out = json[key].get<std::int64_t>();
    return {};
  };
  if (auto s = integer("classes", input.classes); !s) return s.error();
  if (auto s = integer("vocabulary", input.vocabulary); !s) return s.error();
  if (json.contains("shape")) {
    if (!json["shape"].is_array()) return makeError("expected a list of sizes", "input.shape");
    for (const auto& d : json["shape"]) {
      if (!d.is_number_integer() || d.get<std::int64_t>() <= 0)
        return makeError("expected a list of positive sizes", "input.shape");
      input.shape.push_back(d.get<std::int64_t>());
    }
  }
  return input;
}

Model::Model(std::string type, nlohmann::json params, ModelInput input,
             std::shared_ptr<torch::nn::Module> module)
    : m_type(std::move(type)),
      m_params(std::move(params)),
      m_input(std::move(input)),
      m_module(std::move(module)) {}

Model::~Model() = default;

std::vector<at::Tensor> Model::parameters() const { return m_module->parameters(); }

std::vector<std::pair<std::string, at::Tensor>> Model::namedParameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : m_module->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> Model::namedBuffers() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : m_module->named_buffers()) out.emplace_back(item.key(), item.value());
  return out;
}

std::int64_t Model::parameterCount() const { return countOf(m_module->parameters()); }

void Model::train(bool on) { m_module->train(on); }

bool Model::isTraining() const { return m_module->is_training(); }

Status Model::to(const c10::Device& device) {
  if (device.is_cuda() && !torch::cuda::is_available())
    return makeError("CUDA is not available (CPU-only LibTorch or no GPU)",
                     "device " + device.str());
  try {
    m_module->to(device);
    m_device = device;
    return {};
  } catch (const std::exception& e) {
    return makeError(torchMessage(e), "device " + device.str());
  }
}

Status Model::checkInput(const at::Tensor& inputs, const at::Tensor& offsets) const {
  try {
    if (!inputs.defined()) return makeError("no tensor", "inputs");
    if (inputs.device() != m_device)
      return makeError("on " + inputs.device().str() + ", the model is on " + m_device.str(),
                       "inputs");
    if (!m_input.shape.empty()) {
      if (offsets.defined()) return makeError("offsets are for text models only", "offsets");
      if (!inputs.is_floating_point())
        return makeError(std::string("expected floating point values, got ") +
                             c10::toString(inputs.scalar_type()),
                         "inputs");
      std::vector<std::int64_t> expected{inputs.dim() > 0 ? inputs.size(0) : 0};
      expected.insert(expected.end(), m_input.shape.begin(), m_input.shape.end());
      if (inputs.sizes() != c10::IntArrayRef(expected)) {
        std::string want = "[B";
        for (const auto d : m_input.shape) want += ", " + std::to_string(d);
        return makeError("expected shape " + want + "], got " + shapeText(inputs.sizes()),
                         "inputs");
      }
      return {};
    }
    if (inputs.scalar_type() != at::kLong)
      return makeError(
          std::string("expected int64 token ids, got ") + c10::toString(inputs.scalar_type()),
          "inputs");
    if (offsets.defined()) {
      if (inputs.dim() != 1)
        return makeError("with offsets, expected 1-D ids, got " + shapeText(inputs.sizes()),
                         "inputs");
      if (offsets.scalar_type() != at::kLong || offsets.dim() != 1)
        return makeError("expected 1-D int64 offsets", "offsets");
      const auto host = offsets.to(at::kCPU).contiguous();
      const auto* o = host.data_ptr<std::int64_t>();
      for (std::int64_t i = 0; i < host.numel(); ++i) {
        const bool bad =
            (i == 0 && o[0] != 0) || (i > 0 && o[i] < o[i - 1]) || o[i] > inputs.numel();
        if (bad)
          return makeError(
              "expected offsets starting at 0, non-decreasing, at most the number "
              "of ids (" +
                  std::to_string(inputs.numel()) + "); offsets[" + std::to_string(i) +
                  "] = " + std::to_string(o[i]),
              "offsets");
      }
    } else if (inputs.dim() != 2) {
      return makeError(
          "expected 1-D ids with offsets, or [B, L] ids without, got " + shapeText(inputs.sizes()),
          "inputs");
    }
    if (inputs.numel() > 0) {
      const auto lowest = inputs.min().item<std::int64_t>();
      const auto highest = inputs.max().item<std::int64_t>();
      if (lowest < 0 || highest >= m_input.vocabulary)
        return makeError("token ids must be in [0, " + std::to_string(m_input.vocabulary) +
                             "), got " + std::to_string(lowest < 0 ? lowest : highest),
                         "inputs");
    }
    return {};
  } catch (const std::exception& e) {
    return makeError(torchMessage(e), "inputs");
  }
}

std::string Model::summary() const {
  std::vector<std::array<std::string, 3>> rows;
  std::size_t name_width = 0;
  std::size_t layer_width = 0;
  std::size_t count_width = 0;
  constexpr std::string_view kTorchPrefix = "torch::nn::";
  for (const auto& item : m_module->named_modules("", /*include_self=*/false)) {
    const auto& module = *item.value();
    if (!module.children().empty()) continue;  // leaves only: containers add nothing
    std::ostringstream layer;
    module.pretty_print(layer);
    std::string description = layer.str();
    if (description.rfind(kTorchPrefix, 0) == 0) description.erase(0, kTorchPrefix.size());
    rows.push_back({item.key(), description, withSeparators(countOf(module.parameters(false)))});
    name_width = std::max(name_width, rows.back()[0].size());
    layer_width = std::max(layer_width, rows.back()[1].size());
    count_width = std::max(count_width, rows.back()[2].size());
  }
  std::ostringstream out;
  out << m_type << " — " << m_input.text() << "\n";
  for (const auto& [name, layer, count] : rows) {
    out << "  " << name << std::string(name_width - name.size() + 2, ' ') << layer
        << std::string(layer_width - layer.size() + 2 + count_width - count.size(), ' ') << count
        << "\n";
  }
  out << withSeparators(parameterCount()) << " trainable parameters\n";
  return out.str();
}

Result<std::string> Model::saveState() const {
  try {
    torch::serialize::OutputArchive archive;
    m_module->save(archive);
    const nlohmann::json meta = {{"format", kStateFormat},
                                 {"type", m_type},
                                 {"params", m_params},
                                 {"input", m_input.toJson()}};
    archive.write(kStateMetaKey, c10::IValue(meta.dump()));
    std::string bytes;
    archive.save_to([&bytes](const void* data, std::size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    return bytes;
  } catch (const std::exception& e) {
    return makeError(torchMessage(e), "model state");
  }
}

Status Model::loadState(std::string_view bytes) {
  // set_() swaps storage in place, so these handles see every change load() makes.
  std::vector<std::pair<std::string, at::Tensor>> tensors = namedParameters();
  for (auto& buffer : namedBuffers()) tensors.push_back(std::move(buffer));
  std::vector<at::Tensor> backup;
  torch::NoGradGuard no_grad;
  const auto restore = [&] {
    for (std::size_t i = 0; i < backup.size(); ++i) tensors[i].second.set_(backup[i]);
  };
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size(), m_device);
    c10::IValue meta;
    if (archive.try_read(kStateMetaKey, meta) && meta.isString()) {
      const auto json = nlohmann::json::parse(meta.toStringRef(), nullptr, false);
      if (json.is_object() && json.value("type", m_type) != m_type)
        return makeError("a state of a " + json.value("type", std::string()) +
                             " model cannot load into a " + m_type,
                         "model state");
    }
    for (const auto& [name, tensor] : tensors) backup.push_back(tensor.clone());
    m_module->load(archive);
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const auto& now = tensors[i].second;
      if (now.sizes() != backup[i].sizes() || now.scalar_type() != backup[i].scalar_type()) {
        const std::string message = "has shape " + shapeText(now.sizes()) +
                                    " in the state, the model needs " +
                                    shapeText(backup[i].sizes());
        restore();
        return makeError(message, "model state: " + tensors[i].first);
      }
    }
    return {};
  } catch (const std::exception& e) {
    restore();
    return makeError(torchMessage(e), "model state");
  }
}

}  // namespace wb::models
