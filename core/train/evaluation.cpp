#include "core/train/evaluation.h"

#include <torch/torch.h>

#include <algorithm>

namespace wb::train {

namespace {

std::string describe(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

// Adds one batch's outputs OUT against targets Y to RESULT.
void accumulate(EvalResult& result, const at::Tensor& out, const at::Tensor& y, const EvalTask& task) {
  const auto n = y.size(0);
  if (task.classification) {
    result.loss += torch::nn::functional::cross_entropy(out, y).item<double>() * n;
    const int k = static_cast<int>(std::min<std::int64_t>(5, out.size(1)));
    auto ranked = std::get<1>(out.topk(k, 1)).to(torch::kCPU).to(torch::kInt).contiguous();
    auto probs = task.classes == 2
                     ? torch::softmax(out, 1).select(1, 1).to(torch::kCPU).to(torch::kDouble).contiguous()
                     : at::Tensor();
    auto yc = y.to(torch::kCPU).to(torch::kLong).contiguous();
    const int* r = ranked.data_ptr<int>();
    const std::int64_t* t = yc.data_ptr<std::int64_t>();
    const double* pr = probs.defined() ? probs.data_ptr<double>() : nullptr;
    for (std::int64_t i = 0; i < n; ++i)  // raw pointers: a per-sample item() costs µs each
      result.classification->add(static_cast<int>(t[i]), r + i * k, k, pr ? pr[i] : -1.0);
  } else {
    auto pred = out.squeeze(1);
    const double unit2 = task.target_scale * task.target_scale;  // MSE in target units
    result.loss += torch::nn::functional::mse_loss(pred, y).item<double>() * unit2 * n;
    at::Tensor pc = pred.to(torch::kCPU).to(torch::kDouble).contiguous();
    at::Tensor yc = y.to(torch::kCPU).to(torch::kDouble).contiguous();
    const double* pp = pc.data_ptr<double>();
    const double* yp = yc.data_ptr<double>();
    for (std::int64_t i = 0; i < n; ++i)
      result.regression.add(task.toTargetUnits(yp[i]), task.toTargetUnits(pp[i]));
  }
  result.samples += n;
}

}  // namespace

EvalTask EvalTask::of(const data::DataLoader& loader) {
  EvalTask task;
  task.classification = loader.task() != data::Task::Regression;
  task.classes = task.classification ? static_cast<int>(loader.classCount()) : 0;
  task.target_mean = loader.inverseTarget(0.0);
  task.target_scale = loader.inverseTarget(1.0) - task.target_mean;
  return task;
}

EvalTask EvalTask::of(const nlohmann::json& preprocessing, const models::ModelInput& input) {
  EvalTask task;
  task.classification = input.classes > 0;
  task.classes = static_cast<int>(input.classes);
  if (!task.classification && preprocessing.is_object()) {
    task.target_mean = preprocessing.value("target_mean", 0.0);
    task.target_scale = preprocessing.value("target_scale", 1.0);
  }
  return task;
}

void EvalResult::addMetrics(std::map<std::string, double>& out, const std::string& prefix) const {
  out[prefix + "/loss"] = loss;
  if (classification) {
    out[prefix + "/accuracy"] = classification->accuracy();
    out[prefix + "/precision_macro"] = classification->macroPrecision();
    out[prefix + "/recall_macro"] = classification->macroRecall();
    out[prefix + "/f1_macro"] = classification->macroF1();
    if (classification->classes() > 5) out[prefix + "/top5_accuracy"] = classification->topK();
    if (auto auc = classification->rocAuc(); auc) out[prefix + "/roc_auc"] = *auc;
  } else {
    out[prefix + "/mae"] = regression.mae();
    out[prefix + "/rmse"] = regression.rmse();
    out[prefix + "/r2"] = regression.r2();
  }
}

Result<EvalResult> evaluate(models::Model& model, data::DataLoader& loader, const EvalTask& task,
                            const c10::Device& device, const std::atomic<bool>* stop) {
  EvalResult result;
  if (task.classification) result.classification.emplace(task.classes, 5);
  try {
    model.eval();
    torch::NoGradGuard no_grad;
    loader.startEpoch(0);
    for (;;) {
      if (stop != nullptr && *stop) return result;
      auto next = loader.next();
      if (!next) return next.error();
      if (!*next) break;
      auto& b = **next;
      auto off = b.offsets.defined() ? b.offsets.to(device) : at::Tensor();
      accumulate(result, model.forward(b.inputs.to(device), off), b.targets.to(device), task);
    }
  } catch (const std::exception& e) {
    return makeError("evaluation failed: " + describe(e));
  }
  if (result.samples > 0) result.loss /= static_cast<double>(result.samples);
  return result;
}

Result<at::Tensor> predict(models::Model& model, const at::Tensor& inputs, const at::Tensor& offsets,
                           const EvalTask& task) {
  if (auto st = model.checkInput(inputs, offsets); !st) return st.error();
  try {
    model.eval();
    torch::NoGradGuard no_grad;
    at::Tensor out = model.forward(inputs, offsets).to(torch::kCPU).to(torch::kFloat);
    if (task.classification) return torch::softmax(out, 1);
    return out.squeeze(1).mul(task.target_scale).add(task.target_mean);
  } catch (const std::exception& e) {
    return makeError("prediction failed: " + describe(e));
  }
}

Result<Predictions> predict(models::Model& model, data::DataLoader& loader, const EvalTask& task,
                            const c10::Device& device, const std::atomic<bool>* stop) {
  Predictions result;
  std::vector<at::Tensor> parts;
  loader.startEpoch(0);
  for (;;) {
    if (stop != nullptr && *stop) break;
    auto next = loader.next();
    if (!next) return next.error();
    if (!*next) break;
    auto& b = **next;
    auto off = b.offsets.defined() ? b.offsets.to(device) : at::Tensor();
    auto out = predict(model, b.inputs.to(device), off, task);
    if (!out) return out.error();
    parts.push_back(*out);
    result.indices.insert(result.indices.end(), b.indices.begin(), b.indices.end());
  }
  try {
    result.outputs = parts.empty() ? at::Tensor() : torch::cat(parts, 0);
  } catch (const std::exception& e) {
    return makeError("prediction failed: " + describe(e));
  }
  return result;
}

}  // namespace wb::train
