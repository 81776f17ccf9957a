#include "core/config/sweep.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "core/common/numbers.h"

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
  MetricGoal goal = MetricGoal::Minimize;
  std::size_t count = 1;
  std::uint64_t seed = 0;
};

Result<Plan> collectPlan(const fs::path& primary, const std::vector<std::string>& overrides,
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
    plan.goal = spec->goal;
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

  if (plan.method == SweepMethod::Random || plan.method == SweepMethod::Bayes) {
    plan.count = static_cast<std::size_t>(spec->run_cap);
  } else {
    plan.count = 1;
    for (const auto& d : plan.dims) plan.count *= d.param.values.size();
    if (spec && spec->run_cap > 0)
      plan.count = std::min(plan.count, static_cast<std::size_t>(spec->run_cap));
  }
  return plan;
}

// One sample from every dimension's distribution.
std::vector<ConfigNode> randomPicks(const Plan& plan, SweepRng& rng) {
  std::vector<ConfigNode> picks;
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
        picks.push_back(
            ConfigNode::makePlain(std::to_string(rng.uniformInt(static_cast<std::int64_t>(p.min),
                                                                static_cast<std::int64_t>(p.max))),
                                  p.origin));
        break;
      default:
        picks.push_back(p.values[static_cast<std::size_t>(
            rng.uniformInt(0, static_cast<std::int64_t>(p.values.size()) - 1))]);
        break;
    }
  }
  return picks;
}

// The child with these values: the base config, the picks applied, validated.
SweepChild buildChild(const fs::path& primary, const ComposeOptions& options, const Plan& plan,
                      std::size_t i, const std::vector<ConfigNode>& picks,
                      std::vector<ConfigError>& errs, std::set<std::string>& seen_errors) {
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
  return child;
}

// --- bayes: a Tree-structured Parzen Estimator (Bergstra et al., 2011) ------------------------
// Finished runs are split into the best quarter ("good") and the rest. Each dimension gets
// two densities, l(x) over the good runs' values and g(x) over the others (Gaussian kernels
// plus the uniform prior; for categories, smoothed counts). Candidates drawn from l are
// scored by l(x) / g(x) and the best is taken, one dimension at a time.

constexpr double kTpeGamma = 0.25;
constexpr int kTpeCandidates = 24;

double normal01(SweepRng& rng) {  // Box-Muller: the same stream everywhere
  const double u1 = std::max(rng.uniform01(), 1e-300), u2 = rng.uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// A numeric dimension in the space the kernels work in (log for log_uniform).
struct NumericSpace {
  double lo = 0, hi = 1;
  bool log = false;
  double to(double v) const { return log ? std::log(v) : v; }
  double from(double t) const { return log ? std::exp(t) : t; }
};

double parzenDensity(double x, const std::vector<double>& centres, double sigma,
                     const NumericSpace& s) {
  double sum = 1.0 / (s.hi - s.lo);  // the prior, one component among the kernels
  for (const double c : centres) {
    const double z = (x - c) / sigma;
    sum += std::exp(-0.5 * z * z) / (sigma * std::sqrt(2.0 * M_PI));
  }
  return sum / static_cast<double>(centres.size() + 1);
}

double kernelWidth(const NumericSpace& s, std::size_t centres) {
  return (s.hi - s.lo) * 0.3 * std::pow(static_cast<double>(centres + 1), -0.2);
}

ConfigNode proposeNumeric(const SweepParameter& p, const std::vector<double>& good,
                          const std::vector<double>& bad, SweepRng& rng) {
  NumericSpace s;
  s.log = p.distribution == Distribution::LogUniform;
  s.lo = s.to(p.min);
  s.hi = s.to(p.max);
  if (p.distribution == Distribution::IntUniform) s.lo -= 0.5, s.hi += 0.5;  // round to ints
  std::vector<double> l, g;
  for (const double v : good) l.push_back(std::clamp(s.to(v), s.lo, s.hi));
  for (const double v : bad) g.push_back(std::clamp(s.to(v), s.lo, s.hi));
  const double sl = kernelWidth(s, l.size()), sg = kernelWidth(s, g.size());
  double best = s.lo, best_score = -INFINITY;
  for (int k = 0; k < kTpeCandidates; ++k) {
    const auto which =
        static_cast<std::size_t>(rng.uniformInt(0, static_cast<std::int64_t>(l.size())));
    double x =
        which == l.size() ? s.lo + (s.hi - s.lo) * rng.uniform01() : l[which] + sl * normal01(rng);
    // Reflect into the range, so kernels at the edges keep their mass inside.
    if (x < s.lo) x = std::min(s.hi, 2 * s.lo - x);
    if (x > s.hi) x = std::max(s.lo, 2 * s.hi - x);
    const double score =
        std::log(parzenDensity(x, l, sl, s)) - std::log(parzenDensity(x, g, sg, s));
    if (score > best_score) best_score = score, best = x;
  }
  if (p.distribution == Distribution::IntUniform) {
    const auto v = std::clamp(static_cast<std::int64_t>(std::llround(best)),
                              static_cast<std::int64_t>(p.min), static_cast<std::int64_t>(p.max));
    return ConfigNode::makePlain(std::to_string(v), p.origin);
  }
  return ConfigNode::makePlain(formatDouble(std::clamp(s.from(best), p.min, p.max)), p.origin);
}

ConfigNode proposeCategory(const SweepParameter& p, const std::vector<std::size_t>& good,
                           const std::vector<std::size_t>& bad, SweepRng& rng) {
  const std::size_t k = p.values.size();
  std::vector<double> l(k, 1.0), g(k, 1.0);  // add-one smoothing: every value stays possible
  for (const auto i : good) l[i] += 1;
  for (const auto i : bad) g[i] += 1;
  const double l_total = static_cast<double>(good.size() + k),
               g_total = static_cast<double>(bad.size() + k);
  std::size_t best = 0;
  double best_score = -INFINITY;
  for (int c = 0; c < kTpeCandidates; ++c) {
    double u = rng.uniform01() * l_total;
    std::size_t pick = 0;
    while (pick + 1 < k && u >= l[pick]) u -= l[pick++];
    const double score = std::log(l[pick] / l_total) - std::log(g[pick] / g_total);
    if (score > best_score) best_score = score, best = pick;
  }
  return p.values[best];
}

std::vector<ConfigNode> tpePicks(const Plan& plan,
                                 const std::vector<SweepObservation>& observations, SweepRng& rng) {
  std::vector<const SweepObservation*> sorted;
  for (const auto& o : observations)
    if (std::isfinite(o.value)) sorted.push_back(&o);
  const bool maximize = plan.goal == MetricGoal::Maximize;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto* a, const auto* b) {
    return maximize ? a->value > b->value : a->value < b->value;
  });
  const auto n_good = static_cast<std::size_t>(
      std::max(1.0, std::ceil(kTpeGamma * static_cast<double>(sorted.size()))));
  std::vector<ConfigNode> picks;
  for (const auto& d : plan.dims) {
    const SweepParameter& p = d.param;
    const bool numeric = p.distribution == Distribution::Uniform ||
                         p.distribution == Distribution::LogUniform ||
                         p.distribution == Distribution::IntUniform;
    std::vector<double> good_x, bad_x;
    std::vector<std::size_t> good_c, bad_c;
    for (std::size_t r = 0; r < sorted.size(); ++r) {
      const auto it = sorted[r]->params.find(p.key);
      if (it == sorted[r]->params.end()) continue;
      if (numeric) {
        if (const auto v = parseDouble(it->second))
          (r < n_good ? good_x : bad_x).push_back(*v);
        continue;
      }
      for (std::size_t i = 0; i < p.values.size(); ++i) {
        const ConfigNode& v = p.values[i];
        if (it->second == valueText(v) || (v.isScalar() && it->second == v.scalar)) {
          (r < n_good ? good_c : bad_c).push_back(i);
          break;
        }
      }
    }
    picks.push_back(numeric ? proposeNumeric(p, good_x, bad_x, rng)
                            : proposeCategory(p, good_c, bad_c, rng));
  }
  return picks;
}

// The plan, or its errors (also appended to *errors when given).
Result<Plan> makePlan(const fs::path& primary, const std::vector<std::string>& overrides,
                      const ComposeOptions& options, std::vector<ConfigError>* errors) {
  std::vector<ConfigError> errs;
  auto plan = collectPlan(primary, overrides, options, errs);
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
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
    } else if (m == "bayes") {
      spec.method = SweepMethod::Bayes;
    } else if (method == nullptr) {
      errs.push_back({"sweep.method", "required (grid, random or bayes)", block.origin});
    } else {
      std::string message = method->describe() + " is not one of grid, random, bayes";
      const std::string hint = closestMatch(m, {"grid", "random", "bayes"});
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
    const bool sampled = spec.method == SweepMethod::Random || spec.method == SweepMethod::Bayes;
    if (sampled && spec.run_cap == 0 && block.find("run_cap") == nullptr)
      errs.push_back({"sweep.run_cap",
                      std::string("required for method: ") +
                          (spec.method == SweepMethod::Bayes ? "bayes" : "random") +
                          " (how many runs to sample)",
                      block.origin});
    if (spec.method == SweepMethod::Bayes && spec.metric_name.empty() &&
        block.find("metric") == nullptr)
      errs.push_back({"sweep.metric",
                      "required for method: bayes (the metric to optimise, e.g. "
                      "{name: val/loss, goal: minimize})",
                      block.origin});
  }
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!errs.empty()) return toError(errs);
  return spec;
}

Result<std::size_t> countSweep(const fs::path& primary, const std::vector<std::string>& overrides,
                               const ComposeOptions& options, std::vector<ConfigError>* errors) {
  auto plan = makePlan(primary, overrides, options, errors);
  if (!plan) return plan.error();
  return plan->count;
}

Result<std::vector<SweepChild>> expandSweep(const fs::path& primary,
                                            const std::vector<std::string>& overrides,
                                            const ComposeOptions& options,
                                            std::vector<ConfigError>* errors) {
  auto plan_result = makePlan(primary, overrides, options, errors);
  if (!plan_result) return plan_result.error();
  const Plan& plan = *plan_result;
  std::vector<ConfigError> errs;

  std::vector<SweepChild> children;
  std::set<std::string> seen_errors;  // every child repeats the base config's own errors
  SweepRng rng(plan.seed);
  for (std::size_t i = 0; i < plan.count; ++i) {
    std::vector<ConfigNode> picks;
    if (plan.method == SweepMethod::Grid) {
      // Mixed-radix counter: the last dimension varies fastest, the first slowest.
      std::size_t rest = i;
      picks.resize(plan.dims.size());
      for (std::size_t k = plan.dims.size(); k-- > 0;) {
        const auto& values = plan.dims[k].param.values;
        picks[k] = values[rest % values.size()];
        rest /= values.size();
      }
    } else {
      picks = randomPicks(plan, rng);  // bayes: its start-up runs, and a preview of the rest
    }
    children.push_back(buildChild(primary, options, plan, i, picks, errs, seen_errors));
  }
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!errs.empty()) return toError(errs);
  return children;
}

std::size_t bayesStartupRuns(std::size_t run_cap) {
  return std::clamp<std::size_t>(run_cap / 3, std::min<std::size_t>(2, run_cap), 10);
}

Result<SweepChild> proposeSweepChild(const fs::path& primary,
                                     const std::vector<std::string>& overrides,
                                     const ComposeOptions& options, std::size_t index,
                                     const std::vector<SweepObservation>& observations,
                                     std::vector<ConfigError>* errors) {
  auto plan_result = makePlan(primary, overrides, options, errors);
  if (!plan_result) return plan_result.error();
  const Plan& plan = *plan_result;
  std::vector<ConfigError> errs;
  if (plan.method != SweepMethod::Bayes || index >= plan.count) {
    auto all = expandSweep(primary, overrides, options, errors);
    if (!all) return all.error();
    if (index >= all->size())
      return makeError("the sweep has only " + std::to_string(all->size()) + " runs");
    return (*all)[index];
  }
  std::size_t finite = 0;
  for (const auto& o : observations) finite += std::isfinite(o.value) ? 1 : 0;
  std::vector<ConfigNode> picks;
  if (index < bayesStartupRuns(plan.count) || finite < 2) {
    // The start-up runs (and any run proposed before two results are in) are the random
    // search's, exactly as expandSweep lists them.
    SweepRng rng(plan.seed);
    for (std::size_t i = 0; i <= index; ++i) picks = randomPicks(plan, rng);
  } else {
    SweepRng rng(plan.seed ^ (0x9e3779b97f4a7c15ULL * (index + 1)));
    picks = tpePicks(plan, observations, rng);
  }
  std::set<std::string> seen_errors;
  SweepChild child = buildChild(primary, options, plan, index, picks, errs, seen_errors);
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!errs.empty()) return toError(errs);
  return child;
}

}  // namespace wb::config
