#include "core/config/sweep.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace wb::config {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSweepKeys = {"method", "metric", "parameters", "run_cap",
                                             "seed",   "name",   "description"};
const std::vector<std::string> kMetricKeys = {"name", "goal"};
const std::vector<std::string> kParamKeys = {"values", "value", "distribution", "min", "max"};

void unknownKeys(const ConfigNode& map, const std::vector<std::string>& valid,
                 const std::string& section, std::vector<ConfigError>& errors) {
  for (const auto& child : map.children) {
    if (std::find(valid.begin(), valid.end(), child.key) != valid.end()) continue;
    std::string message = "unknown key";
    const std::string hint = closestMatch(child.key, valid);
    if (!hint.empty()) message += "; did you mean '" + hint + "'?";
    errors.push_back({section + "." + child.key, std::move(message), child.key_origin});
  }
}

std::string_view distributionName(Distribution d) {
  switch (d) {
    case Distribution::Categorical:
      return "categorical";
    case Distribution::Uniform:
      return "uniform";
    case Distribution::LogUniform:
      return "log_uniform";
    case Distribution::IntUniform:
      return "int_uniform";
    default:
      return "unknown";
  }
}

void parseParameter(const ConfigNode& node, SweepParameter& p, std::vector<ConfigError>& errors) {
  const std::string path = "sweep.parameters." + p.key;
  auto fail = [&](const std::string& sub, std::string message, const Origin& where) {
    errors.push_back({sub.empty() ? path : path + "." + sub, std::move(message), where});
  };
  if (node.isSequence()) {  // shorthand: `optim.lr: [0.1, 0.01]`
    p.values = node.children;
    if (p.values.empty()) fail("", "needs at least one value", node.origin);
    return;
  }
  if (!node.isMap())
    return fail(
        "",
        "expected {values: [...]}, {value: x} or {distribution, min, max}, got " + node.describe(),
        node.origin);
  unknownKeys(node, kParamKeys, path, errors);
  const ConfigNode* values = node.find("values");
  const ConfigNode* value = node.find("value");
  const ConfigNode* dist = node.find("distribution");
  const ConfigNode* min = node.find("min");
  const ConfigNode* max = node.find("max");
  if (values != nullptr && value != nullptr)
    return fail("", "give either 'values' or 'value', not both", node.origin);

  p.distribution = Distribution::Unknown;
  if (dist != nullptr) {
    const std::string name = dist->isScalar() ? dist->scalar : std::string();
    if (name == "categorical") p.distribution = Distribution::Categorical;
    if (name == "uniform") p.distribution = Distribution::Uniform;
    if (name == "log_uniform" || name == "log_uniform_values")
      p.distribution = Distribution::LogUniform;
    if (name == "int_uniform") p.distribution = Distribution::IntUniform;
    if (p.distribution == Distribution::Unknown) {
      const std::vector<std::string> names = {"categorical", "uniform", "log_uniform",
                                              "int_uniform"};
      std::string message =
          dist->describe() + " is not one of categorical, uniform, log_uniform, int_uniform";
      if (name == "q_uniform" || name == "normal" || name == "q_log_uniform")
        message += " (not supported)";
      const std::string hint = closestMatch(name, names);
      if (!hint.empty()) message += "; did you mean '" + hint + "'?";
      return fail("distribution", std::move(message), dist->origin);
    }
  } else if (values != nullptr || value != nullptr) {
    p.distribution = Distribution::Categorical;
  } else if (min != nullptr || max != nullptr) {
    // W&B infers the distribution from the bounds' types.
    const bool ints = min != nullptr && max != nullptr && min->asInt() && max->asInt();
    p.distribution = ints ? Distribution::IntUniform : Distribution::Uniform;
  } else {
    return fail("", "needs 'values', 'value' or a distribution with 'min' and 'max'", node.origin);
  }

  if (p.distribution == Distribution::Categorical) {
    if (value != nullptr) {
      p.values = {*value};
    } else if (values != nullptr && values->isSequence() && !values->children.empty()) {
      p.values = values->children;
    } else {
      fail("values", "expected a non-empty list", values != nullptr ? values->origin : node.origin);
    }
    return;
  }
  if (values != nullptr || value != nullptr)
    return fail("",
                std::string("a ") + std::string(distributionName(p.distribution)) +
                    " distribution takes 'min' and 'max', not values",
                node.origin);
  bool ok = true;
  auto bound = [&](const ConfigNode* b, const char* name, double& out) {
    if (b == nullptr) {
      fail("", std::string("needs '") + name + "'", node.origin);
      ok = false;
      return;
    }
    const bool integral = p.distribution == Distribution::IntUniform;
    auto d = integral ? (b->asInt() ? std::optional<double>(static_cast<double>(*b->asInt()))
                                    : std::nullopt)
                      : b->asDouble();
    if (!d || !std::isfinite(*d)) {
      fail(name,
           std::string("expected ") + (integral ? "an integer" : "a number") + ", got " +
               b->describe(),
           b->origin);
      ok = false;
      return;
    }
    out = *d;
  };
  bound(min, "min", p.min);
  bound(max, "max", p.max);
  if (!ok) return;
  if (!(p.min < p.max))
    return fail(
        "max", "must be greater than min (" + formatDouble(p.min) + "), got " + formatDouble(p.max),
        max->origin);
  if (p.distribution == Distribution::LogUniform && !(p.min > 0))
    return fail("min", "log_uniform needs min > 0, got " + formatDouble(p.min), min->origin);
}

// The text a value takes in params and override strings.
std::string valueText(const ConfigNode& node) {
  if (node.isMap() || node.isSequence())
    return node.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (node.isNull()) return "null";
  if (node.quoted && plainScalarType(node.scalar) != ConfigNode::ScalarType::String)
    return "'" + node.scalar + "'";
  return node.scalar;
}

// One dimension of the sweep: a key and how it varies.
struct Dimension {
  Override::Kind kind = Override::Kind::ForceSet;
  SweepParameter param;
};

struct Plan {
  std::vector<Override> base;  // single-valued overrides from the command line
  std::vector<Dimension> dims;
  SweepMethod method = SweepMethod::Grid;
  std::size_t count = 1;
  std::uint64_t seed = 0;
};

Result<Plan> makePlan(const fs::path& primary, const std::vector<std::string>& overrides,
                      const ComposeOptions& options, std::vector<ConfigError>& errs) {
  Plan plan;
  std::vector<Override> parsed;
  for (const auto& text : overrides) {
    auto ov = parseOverride(text);
    if (!ov) {
      errs.push_back({"", ov.error().message, {}});
      continue;
    }
    parsed.push_back(std::move(ov).value());
  }
  if (!errs.empty()) return toError(errs);
  auto composed = composeConfig(primary, parsed, options, &errs);
  if (!composed) return composed.error();
  for (auto& ov : parsed)
    if (!ov.isMultirun()) plan.base.push_back(ov);

  std::optional<SweepSpec> spec;
  if (const ConfigNode* block = composed->tree.find("sweep");
      block != nullptr && !block->isNull()) {
    auto parsed_spec = parseSweep(*block, &errs);
    if (!parsed_spec) return parsed_spec.error();
    spec = std::move(parsed_spec).value();
    plan.method = spec->method;
    for (const auto& p : spec->parameters) plan.dims.push_back({Override::Kind::ForceSet, p});
  }
  for (const auto& ov : composed->multirun) {
    Dimension d;
    d.kind = ov.kind;
    d.param.key = ov.key;
    d.param.values = ov.values;
    d.param.origin.override_text = ov.text;
    plan.dims.push_back(std::move(d));
  }

  // Seed: sweep.seed, else the base config's trainer.seed, else its default.
  plan.seed = static_cast<std::uint64_t>(TrainerConfig{}.seed);
  if (const ConfigNode* s = composed->tree.findPath("trainer.seed"); s && s->asInt())
    plan.seed = static_cast<std::uint64_t>(*s->asInt());
  if (spec && spec->seed) plan.seed = *spec->seed;

  if (plan.method == SweepMethod::Random) {
    plan.count = static_cast<std::size_t>(spec->run_cap);
  } else {
    plan.count = 1;
    for (const auto& d : plan.dims) plan.count *= d.param.values.size();
    if (spec && spec->run_cap > 0)
      plan.count = std::min(plan.count, static_cast<std::size_t>(spec->run_cap));
  }
  return plan;
}

}  // namespace

std::uint64_t SweepRng::next() {
  std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SweepRng::uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::int64_t SweepRng::uniformInt(std::int64_t lo, std::int64_t hi) {
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(next());
  const std::uint64_t n = span + 1;
  // Reject the top partial bucket so every value is equally likely.
  const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
  std::uint64_t x = next();
  while (x > limit) x = next();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % n);
}

Result<SweepSpec> parseSweep(const ConfigNode& block, std::vector<ConfigError>* errors) {
  std::vector<ConfigError> errs;
  SweepSpec spec;
  if (!block.isMap()) {
    errs.push_back({"sweep", "expected a map, got " + block.describe(), block.origin});
  } else {
    unknownKeys(block, kSweepKeys, "sweep", errs);
    const ConfigNode* method = block.find("method");
    const std::string m = method != nullptr && method->isScalar() ? method->scalar : "";
    if (m == "grid") {
      spec.method = SweepMethod::Grid;
    } else if (m == "random") {
      spec.method = SweepMethod::Random;
    } else if (method == nullptr) {
      errs.push_back({"sweep.method", "required (grid or random)", block.origin});
    } else {
      std::string message = method->describe() + " is not one of grid, random";
      if (m == "bayes") message += " (bayes is not supported yet)";
      const std::string hint = closestMatch(m, {"grid", "random"});
      if (!hint.empty()) message += "; did you mean '" + hint + "'?";
      errs.push_back({"sweep.method", std::move(message), method->origin});
    }

    if (const ConfigNode* metric = block.find("metric"); metric != nullptr && !metric->isNull()) {
      if (!metric->isMap()) {
        errs.push_back(
            {"sweep.metric", "expected {name, goal}, got " + metric->describe(), metric->origin});
      } else {
        unknownKeys(*metric, kMetricKeys, "sweep.metric", errs);
        if (const ConfigNode* name = metric->find("name"); name && name->isScalar())
          spec.metric_name = name->scalar;
        else
          errs.push_back({"sweep.metric.name", "required (e.g. val_loss)", metric->origin});
        if (const ConfigNode* goal = metric->find("goal")) {
          const std::string g = goal->isScalar() ? goal->scalar : "";
          if (g == "minimize") {
            spec.goal = MetricGoal::Minimize;
          } else if (g == "maximize") {
            spec.goal = MetricGoal::Maximize;
          } else {
            std::string message = goal->describe() + " is not one of minimize, maximize";
            const std::string hint = closestMatch(g, {"minimize", "maximize"});
            if (!hint.empty()) message += "; did you mean '" + hint + "'?";
            errs.push_back({"sweep.metric.goal", std::move(message), goal->origin});
          }
        }
      }
    }

    if (const ConfigNode* cap = block.find("run_cap"); cap != nullptr) {
      auto n = cap->asInt();
      if (!n || *n < 1 || *n > 1000000)
        errs.push_back(
            {"sweep.run_cap", "expected an integer >= 1, got " + cap->describe(), cap->origin});
      else
        spec.run_cap = static_cast<int>(*n);
    }
    if (const ConfigNode* seed = block.find("seed"); seed != nullptr) {
      auto n = seed->asInt();
      if (!n || *n < 0)
        errs.push_back(
            {"sweep.seed", "expected an integer >= 0, got " + seed->describe(), seed->origin});
      else
        spec.seed = static_cast<std::uint64_t>(*n);
    }

    const ConfigNode* params = block.find("parameters");
    if (params == nullptr || params->isNull()) {
      errs.push_back(
          {"sweep.parameters", "required: a map from config key to values", block.origin});
    } else if (!params->isMap()) {
      errs.push_back(
          {"sweep.parameters", "expected a map, got " + params->describe(), params->origin});
    } else {
      for (const auto& child : params->children) {
        SweepParameter p;
        p.key = child.key;
        p.origin = child.key_origin;
        parseParameter(child, p, errs);
        if (spec.method == SweepMethod::Grid && p.distribution != Distribution::Categorical &&
            p.distribution != Distribution::Unknown)
          errs.push_back({"sweep.parameters." + p.key,
                          "grid search needs a list of values, not a " +
                              std::string(distributionName(p.distribution)) +
                              " distribution (use method: random, or give 'values')",
                          child.key_origin});
        spec.parameters.push_back(std::move(p));
      }
    }
    if (spec.method == SweepMethod::Random && spec.run_cap == 0 && block.find("run_cap") == nullptr)
      errs.push_back(
          {"sweep.run_cap", "required for method: random (how many runs to sample)", block.origin});
  }
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!errs.empty()) return toError(errs);
  return spec;
}

Result<std::size_t> countSweep(const fs::path& primary, const std::vector<std::string>& overrides,
                               const ComposeOptions& options, std::vector<ConfigError>* errors) {
  std::vector<ConfigError> errs;
  auto plan = makePlan(primary, overrides, options, errs);
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!plan) return plan.error();
  return plan->count;
}

Result<std::vector<SweepChild>> expandSweep(const fs::path& primary,
                                            const std::vector<std::string>& overrides,
                                            const ComposeOptions& options,
                                            std::vector<ConfigError>* errors) {
  std::vector<ConfigError> errs;
  auto plan_result = makePlan(primary, overrides, options, errs);
  if (!plan_result) {
    if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
    return plan_result.error();
  }
  const Plan& plan = *plan_result;

  std::vector<SweepChild> children;
  std::set<std::string> seen_errors;  // every child repeats the base config's own errors
  SweepRng rng(plan.seed);
  for (std::size_t i = 0; i < plan.count; ++i) {
    // Pick this child's value for each dimension.
    std::vector<ConfigNode> picks;
    if (plan.method == SweepMethod::Random) {
      for (const auto& d : plan.dims) {
        const SweepParameter& p = d.param;
        switch (p.distribution) {
          case Distribution::Uniform:
            picks.push_back(ConfigNode::makePlain(
                formatDouble(p.min + (p.max - p.min) * rng.uniform01()), p.origin));
            break;
          case Distribution::LogUniform: {
            const double lo = std::log(p.min), hi = std::log(p.max);
            const double v = std::clamp(std::exp(lo + (hi - lo) * rng.uniform01()), p.min, p.max);
            picks.push_back(ConfigNode::makePlain(formatDouble(v), p.origin));
            break;
          }
          case Distribution::IntUniform:
            picks.push_back(ConfigNode::makePlain(
                std::to_string(rng.uniformInt(static_cast<std::int64_t>(p.min),
                                              static_cast<std::int64_t>(p.max))),
                p.origin));
            break;
          default:
            picks.push_back(p.values[static_cast<std::size_t>(
                rng.uniformInt(0, static_cast<std::int64_t>(p.values.size()) - 1))]);
            break;
        }
      }
    } else {
      // Mixed-radix counter: the last dimension varies fastest, the first slowest.
      std::size_t rest = i;
      picks.resize(plan.dims.size());
      for (std::size_t k = plan.dims.size(); k-- > 0;) {
        const auto& values = plan.dims[k].param.values;
        picks[k] = values[rest % values.size()];
        rest /= values.size();
      }
    }

    SweepChild child;
    child.index = static_cast<int>(i);
    std::vector<Override> child_overrides;
    for (std::size_t k = 0; k < plan.dims.size(); ++k) {
      const Dimension& d = plan.dims[k];
      Override ov;
      ov.kind = d.kind;
      ov.key = d.param.key;
      ov.values = {picks[k]};
      const std::string text = valueText(picks[k]);
      ov.text = d.param.key + "=" + text;
      if (d.param.origin.override_text.empty()) ov.origin = d.param.origin;
      child.params[d.param.key] = picks[k].isScalar() ? picks[k].scalar : text;
      child.overrides.push_back((d.kind == Override::Kind::Add ? "+" : "") + ov.text);
      child_overrides.push_back(std::move(ov));
    }
    // Sweep values first, then the command line's single overrides: the command line wins.
    std::vector<Override> all = child_overrides;
    all.insert(all.end(), plan.base.begin(), plan.base.end());

    std::vector<ConfigError> child_errors;
    auto composed = composeConfig(primary, all, options, &child_errors);
    if (composed) {
      composed->tree.remove("sweep");
      auto config = fromNode(composed->tree, &child_errors);
      if (config) child.config = std::move(config).value();
    }
    for (auto& e : child_errors) {
      if (!seen_errors.insert(e.text()).second) continue;
      errs.push_back(std::move(e));
    }
    children.push_back(std::move(child));
  }
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!errs.empty()) return toError(errs);
  return children;
}

}  // namespace wb::config
