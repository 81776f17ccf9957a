#include "core/config/experiment_config.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include "core/data/dataset_repository.h"

namespace wb::config {

namespace {

template <class E>
using Choices = std::vector<std::pair<std::string_view, E>>;

const Choices<ModelType> kModelTypes = {{"mlp", ModelType::Mlp},
                                        {"lenet", ModelType::LeNet},
                                        {"resnet_small", ModelType::ResNetSmall},
                                        {"resnet18", ModelType::ResNet18},
                                        {"text_bag", ModelType::TextBag},
                                        {"text_transformer", ModelType::TextTransformer}};
const Choices<OptimizerKind> kOptimizers = {
    {"sgd", OptimizerKind::Sgd}, {"adam", OptimizerKind::Adam}, {"adamw", OptimizerKind::AdamW}};
const Choices<SchedulerKind> kSchedulers = {{"none", SchedulerKind::None},
                                            {"step", SchedulerKind::Step},
                                            {"cosine", SchedulerKind::Cosine},
                                            {"one_cycle", SchedulerKind::OneCycle},
                                            {"reduce_on_plateau", SchedulerKind::ReduceOnPlateau}};
const Choices<MonitorMode> kModes = {{"min", MonitorMode::Min}, {"max", MonitorMode::Max}};

template <class E>
std::string_view spell(const Choices<E>& table, E value) {
  for (const auto& [name, v] : table)
    if (v == value) return name;
  return "unknown";
}

// One table of valid keys per section; Reader::finish and schemaKeys() both use it.
const std::map<std::string, std::vector<std::string>, std::less<>>& schemaTable() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> kTable = {
      {"",
       {"experiment", "data", "model", "optim", "scheduler", "trainer", "tags", "notes", "defaults",
        "sweep"}},
      {"data",
       {"dataset", "train_split", "val_split", "test_split", "transforms", "batch_size",
        "workers"}},
      {"model", {"type"}},
      {"optim", {"name", "lr", "momentum", "weight_decay", "betas"}},
      {"scheduler",
       {"name", "step_size", "gamma", "patience", "factor", "min_lr", "warmup_epochs"}},
      {"trainer",
       {"epochs", "early_stopping", "checkpoint", "grad_clip", "device", "seed", "deterministic",
        "mixed_precision", "log_every_n_steps"}},
      {"trainer.early_stopping", {"enabled", "monitor", "mode", "patience", "min_delta"}},
      {"trainer.checkpoint", {"save_best", "save_last", "monitor", "mode"}},
  };
  return kTable;
}

std::string joinPath(const std::string& section, std::string_view key) {
  return section.empty() ? std::string(key) : section + "." + std::string(key);
}

// A numeric bound: "> 0", ">= 1", "<= 1"…
struct Bound {
  double value;
  bool strict;
};

// Reads one map section of the schema, collecting errors instead of stopping at the first.
class Reader {
 public:
  Reader(const ConfigNode* node, std::string section, std::vector<ConfigError>& errors,
         const Origin& fallback)
      : m_section(std::move(section)), m_errors(errors), m_fallback(fallback) {
    if (node == nullptr || node->kind == ConfigNode::Kind::Null) return;
    if (!node->isMap()) {
      m_errors.push_back({m_section, "expected a map, got " + node->describe(), node->origin});
      return;
    }
    m_node = node;
  }

  const ConfigNode* node() const { return m_node; }
  const Origin& origin() const { return m_node != nullptr ? m_node->origin : m_fallback; }
  const ConfigNode* get(std::string_view key) const {
    return m_node != nullptr ? m_node->find(key) : nullptr;
  }

  void error(std::string_view key, std::string message, const Origin& where) {
    m_errors.push_back({joinPath(m_section, key), std::move(message), where});
  }

  void real(std::string_view key, double& out, std::optional<Bound> lo = {},
            std::optional<Bound> hi = {}) {
    const ConfigNode* v = get(key);
    if (v == nullptr) return;
    auto d = v->asDouble();
    if (!d || std::isnan(*d))
      return error(key, "expected a number, got " + v->describe(), v->origin);
    if (!inRange(key, *d, formatDouble(*d), lo, hi, v->origin)) return;
    out = *d;
  }

  template <class Int>
  void integer(std::string_view key, Int& out, std::optional<Bound> lo = {}) {
    const ConfigNode* v = get(key);
    if (v == nullptr) return;
    auto i = v->asInt();
    if (!i || *i < static_cast<std::int64_t>(std::numeric_limits<Int>::min()) ||
        *i > static_cast<std::int64_t>(std::numeric_limits<Int>::max()))
      return error(key, "expected an integer, got " + v->describe(), v->origin);
    if (!inRange(key, static_cast<double>(*i), std::to_string(*i), lo, {}, v->origin)) return;
    out = static_cast<Int>(*i);
  }

  void boolean(std::string_view key, bool& out) {
    const ConfigNode* v = get(key);
    if (v == nullptr) return;
    auto b = v->asBool();
    if (!b) return error(key, "expected true or false, got " + v->describe(), v->origin);
    out = *b;
  }

  // Any scalar reads as its text; REQUIRED reports a missing or empty value.
  bool string(std::string_view key, std::string& out, const char* required_hint = nullptr) {
    const ConfigNode* v = get(key);
    if (v == nullptr || v->isNull()) {
      if (v != nullptr && required_hint == nullptr)
        error(key, "expected a string, got null", v->origin);
      if (required_hint != nullptr)
        error(key, std::string("required (") + required_hint + ")", v ? v->origin : origin());
      return false;
    }
    if (!v->isScalar()) {
      error(key, "expected a string, got " + v->describe(), v->origin);
      return false;
    }
    out = v->scalar;
    return true;
  }

  template <class E>
  void choice(std::string_view key, E& out, const Choices<E>& table, bool required = false) {
    const ConfigNode* v = get(key);
    std::string names;
    std::vector<std::string> candidates;
    for (const auto& [name, value] : table) {
      names += (names.empty() ? "" : ", ") + std::string(name);
      candidates.emplace_back(name);
    }
    if (v == nullptr || v->isNull()) {
      if (required) error(key, "required (one of " + names + ")", v ? v->origin : origin());
      return;
    }
    if (!v->isScalar())
      return error(key, "expected one of " + names + ", got " + v->describe(), v->origin);
    for (const auto& [name, value] : table) {
      if (v->scalar == name) {
        out = value;
        return;
      }
    }
    std::string message = "'" + v->scalar + "' is not one of " + names;
    const std::string hint = closestMatch(v->scalar, candidates);
    if (!hint.empty()) message += "; did you mean '" + hint + "'?";
    error(key, std::move(message), v->origin);
  }

  // Unknown keys, each with the nearest valid key at this level.
  void finish() {
    if (m_node == nullptr) return;
    const auto valid = schemaKeys(m_section);
    for (const auto& child : m_node->children) {
      if (std::find(valid.begin(), valid.end(), child.key) != valid.end()) continue;
      std::string message = "unknown key";
      const std::string hint = closestMatch(child.key, valid);
      if (!hint.empty()) {
        message += "; did you mean '" + hint + "'?";
      } else {
        std::string list;
        for (const auto& k : valid)
          if (k != "defaults" && k != "sweep") list += (list.empty() ? "" : ", ") + k;
        message += " (valid keys: " + list + ")";
      }
      m_errors.push_back({joinPath(m_section, child.key), std::move(message), child.key_origin});
    }
  }

 private:
  bool inRange(std::string_view key, double value, const std::string& shown,
               std::optional<Bound> lo, std::optional<Bound> hi, const Origin& where) {
    auto fmt = [](double b) {
      return b == std::floor(b) && std::abs(b) < 1e15 ? std::to_string(static_cast<long long>(b))
                                                      : formatDouble(b);
    };
    if (lo && (lo->strict ? !(value > lo->value) : !(value >= lo->value))) {
      error(
          key,
          std::string("must be ") + (lo->strict ? "> " : ">= ") + fmt(lo->value) + ", got " + shown,
          where);
      return false;
    }
    if (hi && (hi->strict ? !(value < hi->value) : !(value <= hi->value))) {
      error(
          key,
          std::string("must be ") + (hi->strict ? "< " : "<= ") + fmt(hi->value) + ", got " + shown,
          where);
      return false;
    }
    return true;
  }

  const ConfigNode* m_node = nullptr;
  std::string m_section;
  std::vector<ConfigError>& m_errors;
  Origin m_fallback;
};

void readData(Reader& r, DataConfig& data) {
  if (r.string("dataset", data.dataset, "a dataset version, e.g. 'digits@1'")) {
    auto ref = data::DatasetRef::parse(data.dataset);
    if (!ref)
      r.error("dataset", ref.error().message + ", got '" + data.dataset + "'",
              r.get("dataset")->origin);
  }
  for (auto [key, field] :
       {std::pair{"train_split", &data.train_split}, std::pair{"val_split", &data.val_split},
        std::pair{"test_split", &data.test_split}})
    r.string(key, *field);
  if (const ConfigNode* t = r.get("transforms"); t != nullptr && !t->isNull()) {
    if (t->isSequence() || t->isMap())
      data.transforms = t->toJson();
    else
      r.error("transforms", "expected a list of transform steps, got " + t->describe(), t->origin);
  }
  r.integer("batch_size", data.batch_size, Bound{1, false});
  r.integer("workers", data.workers, Bound{0, false});
  r.finish();
}

void readModel(Reader& r, ModelConfig& model) {
  r.choice("type", model.type, kModelTypes, true);
  model.params = nlohmann::json::object();
  if (r.node() == nullptr) return;
  // Free-form: the model factory checks its own hyperparameters.
  for (const auto& child : r.node()->children)
    if (child.key != "type") model.params[child.key] = child.toJson();
}

void readOptim(Reader& r, OptimConfig& optim) {
  r.choice("name", optim.name, kOptimizers);
  r.real("lr", optim.lr, Bound{0, true});
  r.real("momentum", optim.momentum, Bound{0, false}, Bound{1, false});
  r.real("weight_decay", optim.weight_decay, Bound{0, false});
  if (const ConfigNode* b = r.get("betas")) {
    bool ok = b->isSequence() && b->children.size() == 2;
    std::array<double, 2> betas{};
    for (std::size_t i = 0; ok && i < 2; ++i) {
      auto d = b->children[i].asDouble();
      ok = d && *d >= 0 && *d < 1;
      if (ok) betas[i] = *d;
    }
    if (ok)
      optim.betas = betas;
    else
      r.error("betas",
              "expected two numbers in [0, 1), e.g. [0.9, 0.999], got " + b->describe() +
                  (b->isSequence() ? " of " + std::to_string(b->children.size()) : ""),
              b->origin);
  }
  r.finish();
}

void readScheduler(Reader& r, SchedulerConfig& s) {
  r.choice("name", s.name, kSchedulers);
  r.integer("step_size", s.step_size, Bound{1, false});
  r.real("gamma", s.gamma, Bound{0, true});
  r.integer("patience", s.patience, Bound{0, false});
  r.real("factor", s.factor, Bound{0, true}, Bound{1, true});
  r.real("min_lr", s.min_lr, Bound{0, false});
  r.integer("warmup_epochs", s.warmup_epochs, Bound{0, false});
  r.finish();
}

void readEarlyStopping(const ConfigNode* node, EarlyStoppingConfig& es,
                       std::vector<ConfigError>& errors, const Origin& fallback) {
  if (node != nullptr && node->isScalar()) {
    // `early_stopping: true` turns it on with the defaults.
    if (auto b = node->asBool()) {
      es.enabled = *b;
      return;
    }
  }
  Reader r(node, "trainer.early_stopping", errors, fallback);
  if (r.node() != nullptr) es.enabled = true;
  r.boolean("enabled", es.enabled);
  r.string("monitor", es.monitor);
  r.choice("mode", es.mode, kModes);
  r.integer("patience", es.patience, Bound{1, false});
  r.real("min_delta", es.min_delta, Bound{0, false});
  r.finish();
}

void readCheckpoint(Reader& r, CheckpointConfig& c) {
  r.boolean("save_best", c.save_best);
  r.boolean("save_last", c.save_last);
  r.string("monitor", c.monitor);
  r.choice("mode", c.mode, kModes);
  r.finish();
}

void readTrainer(Reader& r, TrainerConfig& t, std::vector<ConfigError>& errors) {
  r.integer("epochs", t.epochs, Bound{1, false});
  readEarlyStopping(r.get("early_stopping"), t.early_stopping, errors, r.origin());
  Reader checkpoint(r.get("checkpoint"), "trainer.checkpoint", errors, r.origin());
  readCheckpoint(checkpoint, t.checkpoint);
  r.real("grad_clip", t.grad_clip, Bound{0, false});
  if (r.string("device", t.device)) {
    // auto | cpu | cuda(:[0-9]+)? -- scanned, as std::regex overflows on long text.
    const std::string_view d = t.device;
    const bool cuda_n = d.size() > 5 && d.substr(0, 5) == "cuda:" &&
                        std::all_of(d.begin() + 5, d.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (d != "auto" && d != "cpu" && d != "cuda" && !cuda_n)
      r.error("device", "expected auto, cpu, cuda or cuda:N, got '" + t.device + "'",
              r.get("device")->origin);
  }
  r.integer("seed", t.seed, Bound{0, false});
  r.boolean("deterministic", t.deterministic);
  r.boolean("mixed_precision", t.mixed_precision);
  r.integer("log_every_n_steps", t.log_every_n_steps, Bound{1, false});
  r.finish();
}

void readTags(const ConfigNode* node, std::map<std::string, std::string>& tags,
              std::vector<ConfigError>& errors) {
  if (node == nullptr || node->isNull()) return;
  if (node->isMap()) {
    for (const auto& child : node->children) {
      if (child.isScalar() || child.isNull())
        tags[child.key] = child.isNull() ? std::string() : child.scalar;
      else
        errors.push_back(
            {"tags." + child.key, "expected a string, got " + child.describe(), child.origin});
    }
  } else if (node->isSequence()) {
    for (const auto& item : node->children) {
      if (item.isScalar())
        tags[item.scalar] = "";
      else
        errors.push_back(
            {"tags", "expected a list of strings, got " + item.describe(), item.origin});
    }
  } else {
    tags[node->scalar] = "";  // `tags: baseline`
  }
}

void flatten(const ConfigNode& node, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  if (node.isMap() && !node.children.empty()) {
    for (const auto& child : node.children) flatten(child, joinPath(prefix, child.key), out);
  } else if (node.isMap() || node.isSequence()) {
    out[prefix] = node.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    out[prefix] = node.isNull() ? "null" : node.scalar;
  }
}

}  // namespace

std::string_view toString(ModelType value) { return spell(kModelTypes, value); }
std::string_view toString(OptimizerKind value) { return spell(kOptimizers, value); }
std::string_view toString(SchedulerKind value) { return spell(kSchedulers, value); }
std::string_view toString(MonitorMode value) { return spell(kModes, value); }

std::vector<std::string> schemaKeys(std::string_view section, bool* free_form) {
  if (free_form != nullptr)
    *free_form = section == "model" || section == "tags" || section == "data.transforms" ||
                 section.substr(0, 6) == "model." || section.substr(0, 16) == "data.transforms.";
  const auto& table = schemaTable();
  auto it = table.find(section);
  return it != table.end() ? it->second : std::vector<std::string>{};
}

Result<ExperimentConfig> fromNode(const ConfigNode& root, std::vector<ConfigError>* errors) {
  std::vector<ConfigError> errs;
  ExperimentConfig config;
  Reader top(&root, "", errs, root.origin);
  if (top.node() == nullptr && !root.isMap()) {
    if (root.kind == ConfigNode::Kind::Null) errs.push_back({"", "empty config", root.origin});
  }
  top.string("experiment", config.experiment);
  {
    Reader r(top.get("data"), "data", errs, top.origin());
    readData(r, config.data);
  }
  {
    Reader r(top.get("model"), "model", errs, top.origin());
    readModel(r, config.model);
  }
  {
    Reader r(top.get("optim"), "optim", errs, top.origin());
    readOptim(r, config.optim);
  }
  {
    Reader r(top.get("scheduler"), "scheduler", errs, top.origin());
    readScheduler(r, config.scheduler);
  }
  {
    Reader r(top.get("trainer"), "trainer", errs, top.origin());
    readTrainer(r, config.trainer, errs);
  }
  if (config.scheduler.warmup_epochs >= config.trainer.epochs &&
      config.scheduler.warmup_epochs > 0) {
    const ConfigNode* w = root.findPath("scheduler.warmup_epochs");
    errs.push_back({"scheduler.warmup_epochs",
                    "must be less than trainer.epochs (" + std::to_string(config.trainer.epochs) +
                        "), got " + std::to_string(config.scheduler.warmup_epochs),
                    w != nullptr ? w->origin : root.origin});
  }
  readTags(top.get("tags"), config.tags, errs);
  if (const ConfigNode* notes = top.get("notes"); notes != nullptr && !notes->isNull())
    top.string("notes", config.notes);
  top.finish();

  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!errs.empty()) return toError(errs);
  return config;
}

Result<ExperimentConfig> parseExperimentYaml(std::string_view text, const std::string& file,
                                             std::vector<ConfigError>* errors) {
  auto tree = parseYaml(text, file, errors);
  if (!tree) return tree.error();
  return fromNode(*tree, errors);
}

ConfigNode toNode(const ExperimentConfig& c) {
  auto str = [](std::string_view v) { return ConfigNode::makeString(std::string(v)); };
  auto real = [](double v) { return ConfigNode::makePlain(formatDouble(v)); };
  auto integer = [](std::int64_t v) { return ConfigNode::makePlain(std::to_string(v)); };
  auto boolean = [](bool v) { return ConfigNode::makePlain(v ? "true" : "false"); };
  auto put = [](ConfigNode& map, std::string_view key, ConfigNode value) {
    value.key = std::string(key);
    map.children.push_back(std::move(value));
  };

  ConfigNode root = ConfigNode::makeMap();
  if (!c.experiment.empty()) put(root, "experiment", str(c.experiment));

  ConfigNode data = ConfigNode::makeMap();
  put(data, "dataset", str(c.data.dataset));
  put(data, "train_split", str(c.data.train_split));
  put(data, "val_split", str(c.data.val_split));
  put(data, "test_split", str(c.data.test_split));
  put(data, "transforms", ConfigNode::fromJson(c.data.transforms));
  put(data, "batch_size", integer(c.data.batch_size));
  put(data, "workers", integer(c.data.workers));
  put(root, "data", std::move(data));

  ConfigNode model = ConfigNode::makeMap();
  put(model, "type", str(toString(c.model.type)));
  // nlohmann objects iterate in sorted key order: canonical.
  if (c.model.params.is_object())
    for (const auto& [k, v] : c.model.params.items()) put(model, k, ConfigNode::fromJson(v));
  put(root, "model", std::move(model));

  ConfigNode optim = ConfigNode::makeMap();
  put(optim, "name", str(toString(c.optim.name)));
  put(optim, "lr", real(c.optim.lr));
  put(optim, "momentum", real(c.optim.momentum));
  put(optim, "weight_decay", real(c.optim.weight_decay));
  ConfigNode betas = ConfigNode::makeSequence();
  for (double b : c.optim.betas) betas.children.push_back(real(b));
  put(optim, "betas", std::move(betas));
  put(root, "optim", std::move(optim));

  ConfigNode sched = ConfigNode::makeMap();
  put(sched, "name", str(toString(c.scheduler.name)));
  put(sched, "step_size", integer(c.scheduler.step_size));
  put(sched, "gamma", real(c.scheduler.gamma));
  put(sched, "patience", integer(c.scheduler.patience));
  put(sched, "factor", real(c.scheduler.factor));
  put(sched, "min_lr", real(c.scheduler.min_lr));
  put(sched, "warmup_epochs", integer(c.scheduler.warmup_epochs));
  put(root, "scheduler", std::move(sched));

  const TrainerConfig& t = c.trainer;
  ConfigNode trainer = ConfigNode::makeMap();
  put(trainer, "epochs", integer(t.epochs));
  ConfigNode es = ConfigNode::makeMap();
  put(es, "enabled", boolean(t.early_stopping.enabled));
  put(es, "monitor", str(t.early_stopping.monitor));
  put(es, "mode", str(toString(t.early_stopping.mode)));
  put(es, "patience", integer(t.early_stopping.patience));
  put(es, "min_delta", real(t.early_stopping.min_delta));
  put(trainer, "early_stopping", std::move(es));
  ConfigNode ckpt = ConfigNode::makeMap();
  put(ckpt, "save_best", boolean(t.checkpoint.save_best));
  put(ckpt, "save_last", boolean(t.checkpoint.save_last));
  put(ckpt, "monitor", str(t.checkpoint.monitor));
  put(ckpt, "mode", str(toString(t.checkpoint.mode)));
  put(trainer, "checkpoint", std::move(ckpt));
  put(trainer, "grad_clip", real(t.grad_clip));
  put(trainer, "device", str(t.device));
  put(trainer, "seed", integer(t.seed));
  put(trainer, "deterministic", boolean(t.deterministic));
  put(trainer, "mixed_precision", boolean(t.mixed_precision));
  put(trainer, "log_every_n_steps", integer(t.log_every_n_steps));
  put(root, "trainer", std::move(trainer));

  ConfigNode tags = ConfigNode::makeMap();
  for (const auto& [k, v] : c.tags) put(tags, k, str(v));
  put(root, "tags", std::move(tags));
  put(root, "notes", str(c.notes));
  return root;
}

std::string toYaml(const ExperimentConfig& config) { return toYaml(toNode(config)); }

std::map<std::string, std::string> toParams(const ExperimentConfig& config) {
  ConfigNode root = toNode(config);
  root.remove("tags");
  root.remove("notes");
  root.remove("experiment");
  std::map<std::string, std::string> out;
  for (const auto& section : root.children) {
    // Lists and transforms stay one JSON value each: "data.transforms" -> "[{...}]".
    if (section.key == "data") {
      for (const auto& child : section.children) {
        if (child.key == "transforms")
          out["data.transforms"] =
              config.data.transforms.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        else
          flatten(child, "data." + child.key, out);
      }
    } else {
      flatten(section, section.key, out);
    }
  }
  return out;
}

}  // namespace wb::config
