// "torchscript": a model trained elsewhere, loaded from a torch.jit.save archive.
#include "core/models/torchscript_model.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <sstream>
#include <string>

namespace wb::models {

namespace {

// No context: callers name the file ("model.pt: …", "/path/model.pt: …").
constexpr const char* kNewerHint =
    "a TorchScript archive saved by a newer PyTorch than LibTorch 1.13 reads; re-save it with "
    "torch 1.13 or export "
    "safetensors/ONNX";

// The first line, without c10's "[enforce fail at file.cc:129] . " prefix.
std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.rfind("[enforce fail at ", 0) == 0) {
    if (const auto end = line.find("] "); end != std::string::npos) line.erase(0, end + 2);
    if (line.rfind(". ", 0) == 0) line.erase(0, 2);
  }
  return line;
}

std::string torchMessage(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// Turns what torch::jit::load threw into a message a user can act on.
Error loadError(const std::string& message) {
  if (contains(message, "maximum supported version")) {
    const auto line = firstLine(message);
    return makeError(std::string(kNewerHint) + " (" + line.substr(0, line.find(". ")) + ")");
  }
  // Operators or types that LibTorch 1.13 does not know: code from a newer PyTorch.
  for (const auto* sign : {"Unknown builtin op", "Unknown type name", "unknown builtin",
                           "Unknown type constructor", "not a recognized", "Unknown opcode"}) {
    if (contains(message, sign))
      return makeError(std::string(kNewerHint) + " (" + firstLine(message) + ")");
  }
  if (contains(message, "constants.pkl"))
    return makeError(
        "not a TorchScript archive: a zip without constants.pkl (a torch.save() of a state_dict "
        "or an eager model?); save with torch.jit.script(model).save(path)");
  // The zip reader's own checks (a zip of other files, a damaged archive).
  if (contains(message, "PytorchStreamReader") || contains(message, "inline_container") ||
      contains(message, "file not found"))
    return makeError("not a TorchScript archive: " + firstLine(message));
  return makeError("cannot load the TorchScript archive: " + firstLine(message));
}

/// The last part of a TorchScript class name ("__torch__.torch.nn.modules.linear.Linear").
std::string typeName(const torch::jit::Module& module) {
  const auto type = module.type();
  if (!type || !type->name()) return "Module";
  return type->name()->name();
}

// A torch::nn::Module tree mirroring the scripted module's: the same tensors (shared
// TensorImpls), so Model's parameters, buffers, summary, loadState and the optimiser see and
// change the scripted module's weights.
void mirror(torch::nn::Module& target, const torch::jit::Module& source) {
  for (const auto& p : source.named_parameters(/*recurse=*/false))
    target.register_parameter(p.name, p.value, p.value.requires_grad());
  for (const auto& b : source.named_buffers(/*recurse=*/false))
    target.register_buffer(b.name, b.value);
  for (const auto& child : source.named_children()) {
    auto node = std::make_shared<torch::nn::Module>(typeName(child.value));
    mirror(*node, child.value);
    target.register_module(child.name, node);
  }
}

class ScriptHolder final : public torch::nn::Module {
 public:
  explicit ScriptHolder(torch::jit::Module script)
      : torch::nn::Module(typeName(script)), m_script(std::move(script)) {
    mirror(*this, m_script);
  }

  void train(bool on) override {
    torch::nn::Module::train(on);
    m_script.train(on);  // dropout / BatchNorm inside the script follow the `training` flag
  }

  using torch::nn::Module::to;
  // jit::Module::to moves tensors in place (set_data), which the mirror shares.
  void to(torch::Device device, bool non_blocking) override { m_script.to(device, non_blocking); }
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking) override {
    m_script.to(device, dtype, non_blocking);
  }

  torch::jit::Module& script() { return m_script; }
  const torch::jit::Module& script() const { return m_script; }

 private:
  torch::jit::Module m_script;
};

class TorchScriptModel final : public Model {
 public:
  TorchScriptModel(nlohmann::json params, ModelInput input, std::shared_ptr<ScriptHolder> holder,
                   bool takes_offsets)
      : Model("torchscript", std::move(params), std::move(input), holder),
        m_holder(std::move(holder)),
        m_takes_offsets(takes_offsets) {}

  at::Tensor forward(const at::Tensor& inputs, const at::Tensor& offsets) override {
    std::vector<c10::IValue> args{inputs};
    if (offsets.defined()) {
      TORCH_CHECK(m_takes_offsets, "this TorchScript forward() takes no offsets");
      args.emplace_back(offsets);
    }
    auto out = m_holder->script().forward(std::move(args));
    TORCH_CHECK(out.isTensor(), "TorchScript forward() returned ", out.tagKind(),
                ", expected a tensor");
    auto logits = out.toTensor();
    // Regression scripts often return [B]; Model's contract is [B, 1].
    if (input().classes == 0 && logits.dim() == 1) logits = logits.unsqueeze(1);
    return logits;
  }

  // The archive as torch.jit.save writes it, with the current weights.
  Result<std::string> saveState() const override {
    try {
      std::ostringstream out;
      m_holder->script().save(out);
      return out.str();
    } catch (const std::exception& e) {
      return makeError(firstLine(torchMessage(e)), "model state");
    }
  }

 private:
  std::shared_ptr<ScriptHolder> m_holder;
  bool m_takes_offsets = false;
};

}  // namespace

Result<std::unique_ptr<Model>> loadTorchScript(std::string_view archive, const ModelInput& input) {
  if (archive.size() < 4 || archive.substr(0, 4) != std::string_view("PK\x03\x04", 4))
    return makeError(
        "not a TorchScript archive: not a zip file (torch.jit.save writes a zip archive)");
  torch::jit::Module script;
  try {
    std::istringstream in{std::string(archive)};
    script = torch::jit::load(in, torch::kCPU);
  } catch (const std::exception& e) {
    return loadError(torchMessage(e));
  }
  const auto forward = script.find_method("forward");
  if (!forward)
    return makeError(
        "the TorchScript archive has no forward method (script the module with torch.jit.script)");
  // Arguments after self: the inputs, then (texts) the offsets.
  const auto arguments = forward->function().getSchema().arguments().size();
  if (arguments < 2)
    return makeError("the TorchScript forward() takes no input; expected forward(self, inputs)");
  try {
    auto holder = std::make_shared<ScriptHolder>(std::move(script));
    holder->train(false);  // imported for inference; train() switches back
    std::unique_ptr<Model> model = std::make_unique<TorchScriptModel>(
        nlohmann::json::object(), input, std::move(holder), arguments >= 3);
    return model;
  } catch (const std::exception& e) {
    return makeError("cannot load the TorchScript archive: " + firstLine(torchMessage(e)));
  }
}

}  // namespace wb::models
