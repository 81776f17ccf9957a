// ModelRegistry::promote: quality gates in the Runs filter grammar, evaluated on a version.
#include <cmath>

#include "core/common/numbers.h"
#include "core/query/run_filter.h"
#include "core/registry/registry.h"
#include "core/registry/registry_rows.h"
#include "core/store/database.h"

namespace wb::registry {

using detail::VersionRow;

namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

std::string jsonText(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number()) return formatDouble(j.get<double>());
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"model": {"hidden": 64}} → model.hidden = 64.
void flattenParams(const nlohmann::json& j, const std::string& prefix, query::TextMap& out) {
  if (!j.is_object()) {
    if (!prefix.empty() && !j.is_null()) out[prefix] = jsonText(j);
    return;
  }
  for (const auto& [key, value] : j.items())
    flattenParams(value, prefix.empty() ? key : prefix + "." + key, out);
}

std::optional<double> finiteNumber(const nlohmann::json& j) {
  if (!j.is_number()) return std::nullopt;
  const double v = j.get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

/// What the filter grammar sees of a version (see PromoteRequest::require).
query::RunValues versionValues(const ModelVersion& v) {
  query::RunValues r;
  if (v.lineage.is_object() && v.lineage.contains("params"))
    flattenParams(v.lineage["params"], "", r.params);
  const query::TextMap fields = {{"version", std::to_string(v.version)},
                                 {"model", v.model},
                                 {"name", v.model},
                                 {"type", v.model_type},
                                 {"dataset", v.dataset},
                                 {"run", v.run_id},
                                 {"created", formatDouble(v.created_at)}};
  for (const auto& [key, value] : fields) {
    r.run[key] = value;
    r.params[key] = value;  // bare `version >= 3` resolves as a param
  }
  r.tags.insert(v.tags.begin(), v.tags.end());
  if (!v.metrics.is_object()) return r;
  for (const auto& [key, value] : v.metrics.items()) {
    query::MetricValues m;
    if (value.is_object()) {
      if (value.contains("last")) m.last = finiteNumber(value["last"]);
      if (value.contains("min")) m.min = finiteNumber(value["min"]);
      if (value.contains("max")) m.max = finiteNumber(value["max"]);
    } else {
      m.last = finiteNumber(value);
    }
    r.metrics[key] = m;
  }
  return r;
}

std::string valueText(const query::FieldValue& value) {
  if (value.isMissing()) return "missing";
  if (value.isNumber()) return formatGeneral(value.number());
  return std::string(value.text());
}

Result<GateCheck> checkCondition(const std::string& condition, const ModelVersion& v,
                                 const query::RunValues& values) {
  auto filter = query::parseFilter(condition);
  if (!filter)
    return makeError("--require " + quoted(condition) + ": " + filter.error().text());
  GateCheck c;
  c.condition = condition;
  c.passed = filter->matches(values);
  std::string shown;
  const std::string canonical = filter->toString();
  for (const auto& field : filter->fields()) {
    const auto value = query::lookupField(values, field);
    shown += (shown.empty() ? "" : ", ") + field.name +
             (value.isMissing() ? " is missing (v" + std::to_string(v.version) + " has none)"
                                : " = " + valueText(value));
  }
  std::string needs = canonical;
  if (filter->fields().size() == 1) {
    const std::string prefix = filter->fields().front().name + " ";
    if (needs.rfind(prefix, 0) == 0) needs = needs.substr(prefix.size());
  }
  c.detail = shown.empty() ? "(needs " + needs + ")" : shown + " (needs " + needs + ")";
  return c;
}

// The version SPEC names: "" or "latest" the latest, "3" or "/3" a number, else an alias
// ("staging" or "@staging").
Result<std::optional<VersionRow>> versionFor(store::Database& db, std::int64_t model_id,
                                             const std::string& name, const std::string& spec) {
  if (spec.empty() || spec == "latest") {
    auto row = detail::latestRow(db, model_id, name);
    if (!row) return row.error();
    return std::optional<VersionRow>(*row);
  }
  const std::string digits = spec.front() == '/' ? spec.substr(1) : spec;
  if (auto number = parseInt(digits); number && !digits.empty() && digits.front() != '-' &&
                                      digits.front() != '+') {
    auto row = detail::versionRow(db, model_id, name, static_cast<int>(*number));
    if (!row) return row.error();
    return std::optional<VersionRow>(*row);
  }
  const std::string alias = spec.front() == '@' ? spec.substr(1) : spec;
  return detail::aliasTarget(db, model_id, alias);
}

Result<GateCheck> betterThan(const PromoteRequest& req, const ModelVersion& candidate,
                             const std::optional<ModelVersion>& other) {
  GateCheck c;
  const std::string other_name = req.better_than;
  c.condition = req.metric + " better than " + other_name;
  if (!other) {
    c.passed = true;
    c.detail = req.name + " has no " + other_name + " yet: nothing to beat";
    return c;
  }
  c.condition += " (v" + std::to_string(other->version) + ")";
  const query::FieldRef field = query::resolveField(req.metric);
  if (field.kind != query::FieldKind::Metric && field.kind != query::FieldKind::ParamOrMetric)
    return makeError("--metric " + quoted(req.metric) + " is not a metric name");
  query::FieldRef metric = field;
  metric.kind = query::FieldKind::Metric;
  if (metric.metric_key.empty()) metric.metric_key = metric.key;
  const auto mine = query::lookupField(versionValues(candidate), metric);
  const auto theirs = query::lookupField(versionValues(*other), metric);
  const bool lower = lowerIsBetter(metric.metric_key);
  const std::string goal = lower ? "lower is better" : "higher is better";
  const std::string cand = "v" + std::to_string(candidate.version);
  const std::string prev = other_name + " v" + std::to_string(other->version);
  if (!mine.isNumber()) {
    c.detail = cand + " has no " + req.metric;
    return c;
  }
  if (!theirs.isNumber()) {
    c.passed = true;
    c.detail = cand + ": " + valueText(mine) + "; " + prev + " has no " + req.metric +
               ": nothing to beat";
    return c;
  }
  c.passed = lower ? mine.number() < theirs.number() : mine.number() > theirs.number();
  c.detail = cand + ": " + valueText(mine) + ", " + prev + ": " + valueText(theirs) + " (" +
             goal + ")";
  return c;
}

struct Evaluation {
  GateResult result;
  std::int64_t model_id = 0;
  VersionRow candidate;
  std::optional<VersionRow> previous;
};

Result<Evaluation> evaluate(store::Database& db, const PromoteRequest& req) {
  Evaluation e;
  auto id = detail::modelId(db, req.name);
  if (!id) return id.error();
  e.model_id = *id;
  auto from = versionFor(db, *id, req.name, req.from);
  if (!from) return from.error();
  if (!*from) {
    auto list = detail::aliasList(db, *id);
    if (!list) return list.error();
    return makeError(req.name + " has no alias " + quoted(req.from) + " (" + *list + ")");
  }
  e.candidate = **from;
  auto previous = detail::aliasTarget(db, *id, req.to);
  if (!previous) return previous.error();
  e.previous = *previous;
  auto candidate = detail::loadVersion(db, req.name, e.candidate.version);
  if (!candidate) return candidate.error();
  e.result.candidate = e.candidate.version;
  if (e.previous) e.result.previous = e.previous->version;
  const query::RunValues values = versionValues(*candidate);
  for (const auto& condition : req.require) {
    auto check = checkCondition(condition, *candidate, values);
    if (!check) return check.error();
    e.result.checks.push_back(std::move(*check));
  }
  if (!req.better_than.empty()) {
    auto other_row = versionFor(db, *id, req.name, req.better_than);
    if (!other_row) return other_row.error();
    std::optional<ModelVersion> other;
    if (*other_row) {
      auto v = detail::loadVersion(db, req.name, (*other_row)->version);
      if (!v) return v.error();
      other = std::move(*v);
    }
    auto check = betterThan(req, *candidate, other);
    if (!check) return check.error();
    e.result.checks.push_back(std::move(*check));
  }
  e.result.passed = true;
  for (const auto& c : e.result.checks) e.result.passed = e.result.passed && c.passed;
  return e;
}

Status checkRequest(const PromoteRequest& req) {
  if (req.to.empty()) return makeError("promote: no target alias (--to)");
  if (req.to == "latest" || !isValidAlias(req.to))
    return makeError("invalid alias " + quoted(req.to) +
                     " (a lower-case letter, then lower-case letters, digits, '_' or '-'; not "
                     "'latest')");
  if (!req.better_than.empty() && req.metric.empty())
    return makeError("--better-than " + req.better_than + " needs --metric KEY");
  for (const auto& condition : req.require) {
    if (condition.find_first_not_of(" \t") == std::string::npos)
      return makeError("--require: empty condition (write e.g. \"test/accuracy >= 0.95\")");
    if (auto f = query::parseFilter(condition); !f)
      return makeError("--require " + quoted(condition) + ": " + f.error().text());
  }
  return {};
}

}  // namespace

Result<GateResult> ModelRegistry::promote(const PromoteRequest& req) {
  if (auto st = checkRequest(req); !st) return st.error();
  std::optional<Evaluation> eval;
  Status st = detail::readSnapshot(m_db, [&]() -> Status {
    auto e = evaluate(m_db, req);
    if (!e) return e.error();
    eval = std::move(*e);
    return {};
  });
  if (!st) return st.error();
  if (!eval->result.passed || req.dry_run) return std::move(eval->result);
  const std::string reason = req.reason.empty() ? "promote: gate passed" : req.reason;
  bool moved = false;
  st = m_db.writeTransaction([&]() -> Status {
    // The gate judged against where `to` pointed then: a move meanwhile voids the verdict.
    auto now = detail::aliasTarget(m_db, eval->model_id, req.to);
    if (!now) return now.error();
    const bool same = (!*now && !eval->previous) ||
                      (*now && eval->previous && (*now)->id == eval->previous->id);
    if (!same) return makeError(req.to + " moved meanwhile; run again");
    auto row = detail::versionRow(m_db, eval->model_id, req.name, eval->candidate.version);
    if (!row) return row.error();
    auto changed = detail::moveAlias(m_db, eval->model_id, req.to, *row, reason, req.actor);
    if (!changed) return changed.error();
    moved = *changed;
    return {};
  });
  if (!st) return st.error();
  eval->result.moved = moved;
  return std::move(eval->result);
}

}  // namespace wb::registry
