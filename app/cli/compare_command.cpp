// `wb runs compare`: the Compare section's params diff and summary, on the command line.
// Parsing and printing only; runs and summaries come from core/store.
#include "app/cli/compare_command.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "core/common/numbers.h"
#include "core/metrics/run_comparison.h"
#include "core/metrics/series_ops.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"

namespace wb::cli {

using nlohmann::json;

namespace {

struct CompareArgs {
  std::vector<std::string> runs;
  std::string metric;
  std::string goal;
  bool all = false;
};

struct ComparedRun {
  store::Run run;
  std::string label;  // column header: the name, with the id when names repeat
  store::ParamMap params;
  std::map<std::string, store::MetricSummary> metrics;
};

// Validation metrics say most about a run: list them first, as `wb runs list` does.
int keyRank(const std::string& key) {
  if (key.rfind("val", 0) == 0) return 0;
  if (key.rfind("train", 0) == 0) return 1;
  return 2;
}

std::string num(const std::optional<double>& v) { return v ? formatGeneral(*v) : "-"; }

json optionalJson(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::string signedShort(double v) { return (v >= 0 ? "+" : "") + formatGeneral(v); }

std::vector<ComparedRun> loadRuns(store::Database& db, const std::vector<std::string>& refs) {
  store::RunRepository repo(db);
  (void)repo.reapDeadRuns();
  std::vector<ComparedRun> runs;
  for (const auto& ref : refs) {
    auto run = unwrap(repo.find(ref));
    // The same run named twice (by name and by id) is compared once.
    if (std::any_of(runs.begin(), runs.end(), [&](const auto& r) { return r.run.id == run.id; }))
      continue;
    ComparedRun c;
    c.params = unwrap(repo.params(run.id));
    c.run = std::move(run);
    runs.push_back(std::move(c));
  }
  if (runs.size() < 2) fail("compare needs at least two different runs");
  std::vector<std::string> ids;
  for (const auto& r : runs) ids.push_back(r.run.id);
  for (auto& s : unwrap(store::MetricsReader(db).summaries(ids))) {
    for (auto& r : runs)
      if (r.run.id == s.run_id) r.metrics[s.key] = s;
  }
  for (auto& r : runs) {
    const auto same_name = std::count_if(runs.begin(), runs.end(),
                                         [&](const auto& o) { return o.run.name == r.run.name; });
    r.label = same_name > 1 || r.run.name.empty() ? r.run.name + "(" + r.run.id.substr(0, 8) + ")"
                                                  : r.run.name;
  }
  return runs;
}

// The metric to rank by: the user's, else the first key every run logged (val/ first).
std::string chooseMetric(const std::vector<ComparedRun>& runs, const std::string& wanted,
                         const std::vector<std::string>& keys) {
  if (!wanted.empty()) {
    if (std::find(keys.begin(), keys.end(), wanted) == keys.end())
      fail("none of the runs logged metric '" + wanted + "'");
    return wanted;
  }
  for (const auto& k : keys) {
    if (std::all_of(runs.begin(), runs.end(), [&](const auto& r) { return r.metrics.count(k); }))
      return k;
  }
  return keys.empty() ? std::string() : keys.front();
}

// Everything `runs compare` shows, computed once for the text and the JSON output.
struct Comparison {
  std::vector<ComparedRun> runs;
  std::vector<metrics::ParamDiffRow> param_rows;
  std::size_t equal_params = 0, differing_params = 0;
  std::vector<std::string> keys;  // the ranking metric first, then val/, train/, the rest
  std::string metric;
  metrics::Goal forced = metrics::Goal::Unknown;
  std::vector<metrics::RankedRun> ranked;  // on `metric`
  metrics::Goal goal = metrics::Goal::Unknown;

  metrics::Goal goalOf(const std::string& key) const {
    return key == metric && forced != metrics::Goal::Unknown ? forced : metrics::goalForMetric(key);
  }
  // Runs with a value of `key`, best first: by best value, ties by last value.
  std::vector<metrics::RankedRun> ranking(const std::string& key) const {
    std::vector<const store::MetricSummary*> summaries;
    for (const auto& r : runs) {
      const auto it = r.metrics.find(key);
      summaries.push_back(it == r.metrics.end() ? nullptr : &it->second);
    }
    return metrics::rankRuns(summaries, goalOf(key));
  }
};

Comparison compare(const Workspace& ws, const CompareArgs& args) {
  Comparison c;
  if (!args.goal.empty()) {
    c.forced = metrics::goalFromString(args.goal);
    if (c.forced == metrics::Goal::Unknown) fail("unknown goal '" + args.goal + "' (min, max)");
  }
  auto db = unwrap(ws.connect());
  c.runs = loadRuns(*db, args.runs);
  // Params: every key any run has; a row differs when any two runs disagree or one lacks it.
  std::vector<const store::ParamMap*> param_maps;
  for (const auto& r : c.runs) param_maps.push_back(&r.params);
  c.param_rows = metrics::diffParams(param_maps);
  c.equal_params = static_cast<std::size_t>(std::count_if(
      c.param_rows.begin(), c.param_rows.end(), [](const auto& row) { return !row.differs; }));
  c.differing_params = c.param_rows.size() - c.equal_params;
  std::set<std::string> all;
  for (const auto& r : c.runs)
    for (const auto& [k, s] : r.metrics) all.insert(k);
  c.keys.assign(all.begin(), all.end());
  std::stable_sort(c.keys.begin(), c.keys.end(), [](const auto& a, const auto& b) { return keyRank(a) < keyRank(b); });
  c.metric = chooseMetric(c.runs, args.metric, c.keys);
  if (!c.metric.empty())
    std::stable_partition(c.keys.begin(), c.keys.end(), [&](const auto& k) { return k == c.metric; });
  c.ranked = c.metric.empty() ? std::vector<metrics::RankedRun>{} : c.ranking(c.metric);
  c.goal = c.metric.empty() ? metrics::Goal::Unknown : c.goalOf(c.metric);
  return c;
}

void printJson(const Comparison& c, const CompareArgs& args) {
  const auto& [runs, param_rows, equal_params, differing_params, keys, metric, forced, ranked, goal] = c;
  auto goalOf = [&](const std::string& key) { return c.goalOf(key); };
  auto ranking = [&](const std::string& key) { return c.ranking(key); };
  json j;
  json jruns = json::array();
  for (const auto& r : runs)
    jruns.push_back({{"id", r.run.id},
                     {"name", r.run.name},
                     {"experiment", r.run.experiment},
                     {"status", std::string(store::toString(r.run.status))}});
  j["runs"] = jruns;
  json jparams = json::array();
  for (const auto& row : param_rows) {
    if (!row.differs && !args.all) continue;
    json values = json::array();
    for (const auto& v : row.values) values.push_back(v ? json(*v) : json(nullptr));
    jparams.push_back({{"key", row.key}, {"values", values}, {"differs", row.differs}});
  }
  j["params"] = jparams;
  j["params_differing"] = differing_params;
  j["params_equal"] = equal_params;
  json jmetrics = json::array();
  for (const auto& key : keys) {
    const auto key_goal = goalOf(key);
    json values = json::array();
    for (const auto& r : runs) {
      const auto it = r.metrics.find(key);
      if (it == r.metrics.end()) {
        values.push_back(nullptr);
        continue;
      }
      const auto& s = it->second;
      values.push_back({{"last", optionalJson(s.last_value)},
                        {"best", optionalJson(metrics::bestValue(s, key_goal))},
                        {"min", optionalJson(s.min_value)},
                        {"max", optionalJson(s.max_value)},
                        {"steps", s.count}});
    }
    const auto r = ranking(key);
    jmetrics.push_back({{"key", key},
                        {"goal", std::string(metrics::toString(key_goal))},
                        {"values", values},
                        {"best_run", r.empty() ? json(nullptr) : json(runs[r[0].index].run.id)}});
  }
  j["metrics"] = jmetrics;
  if (ranked.empty()) {
    j["summary"] = nullptr;
  } else {
    auto entry = [&](const metrics::RankedRun& e) {
      return json{{"id", runs[e.index].run.id},
                  {"name", runs[e.index].run.name},
                  {"value", e.best},
                  {"last", optionalJson(e.last)}};
    };
    json s = {{"metric", metric},
              {"goal", std::string(metrics::toString(goal))},
              {"best", entry(ranked[0])}};
    s["runner_up"] = ranked.size() > 1 ? entry(ranked[1]) : json(nullptr);
    s["delta"] = ranked.size() > 1 ? json(ranked[0].best - ranked[1].best) : json(nullptr);
    json order = json::array();
    for (const auto& e : ranked) order.push_back(runs[e.index].run.id);
    s["ranking"] = order;
    j["summary"] = s;
  }
  std::cout << j.dump(2) << '\n';
}

void printParamsAndRuns(const Comparison& c, const CompareArgs& args) {
  const auto& [runs, param_rows, equal_params, differing_params, keys, metric, forced, ranked, goal] = c;
  std::cout << "Comparing " << runs.size() << " runs\n";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : runs)
      rows.push_back({"  " + r.label, r.run.id.substr(0, 8),
                      std::string(store::toString(r.run.status)), r.run.experiment});
    printTable(std::cout, rows);
  }

  if (param_rows.empty())
    std::cout << "\nParams: none logged\n";
  else
    std::cout << "\nParams: " << differing_params << " differ, " << equal_params << " equal"
              << (equal_params > 0 && !args.all ? " (--all shows them)" : "") << '\n';
  if (differing_params > 0 || (args.all && !param_rows.empty())) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header = {"  PARAM"};
    for (const auto& r : runs) header.push_back(r.label);
    rows.push_back(header);
    for (const auto& row : param_rows) {
      if (!row.differs && !args.all) continue;
      std::vector<std::string> cells = {(row.differs ? "* " : "  ") + row.key};
      for (const auto& v : row.values) cells.push_back(v ? *v : "-");
      rows.push_back(std::move(cells));
    }
    printTable(std::cout, rows);
  }

}

void printMetricsTable(const Comparison& c) {
  const auto& runs = c.runs;
  std::cout << "\nMetrics: last / best (* best run)\n";
  {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header = {"  METRIC", "GOAL"};
    for (const auto& r : runs) header.push_back(r.label);
    rows.push_back(header);
    for (const auto& key : c.keys) {
      const auto key_goal = c.goalOf(key);
      const auto r = c.ranking(key);
      std::vector<std::string> cells = {"  " + key, std::string(metrics::toString(key_goal))};
      for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto it = runs[i].metrics.find(key);
        if (it == runs[i].metrics.end()) {
          cells.push_back("-");
          continue;
        }
        std::string cell = num(it->second.last_value) + " / " + num(metrics::bestValue(it->second, key_goal));
        // Mark every run tied for best.
        const auto v = metrics::bestValue(it->second, key_goal);
        if (r.size() > 1 && v && *v == r[0].best) cell += " *";
        cells.push_back(std::move(cell));
      }
      rows.push_back(std::move(cells));
    }
    printTable(std::cout, rows);
  }

}

void printSummary(const Comparison& c, const CompareArgs& args) {
  const auto& [runs, param_rows, equal_params, differing_params, keys, metric, forced, ranked, goal] = c;
  if (ranked.empty()) {
    std::cout << "No run has a finite value of " << metric << ".\n";
    return;
  }
  const metrics::RankedRun& first = ranked[0];
  std::cout << "Best on " << metric << " (" << metrics::toString(goal)
            << (args.metric.empty() ? "; --metric picks another" : "")
            << "): " << runs[first.index].label << " (" << formatGeneral(first.best) << ")";
  if (ranked.size() < 2) {
    std::cout << "; no other run logged it\n";
    return;
  }
  const metrics::RankedRun& second = ranked[1];
  const std::string& second_label = runs[second.index].label;
  const double delta = first.best - second.best;
  if (delta == 0) {
    std::cout << ", tied with " << second_label;
    if (first.last && second.last && *first.last != *second.last)
      std::cout << "; ahead on the last value (" << formatGeneral(*first.last) << " vs "
                << formatGeneral(*second.last) << ")";
    std::cout << '\n';
    return;
  }
  std::cout << ", " << signedShort(delta) << (goal == metrics::Goal::Min ? " under " : " over ")
            << second_label << " (" << formatGeneral(second.best) << ")";
  if (second.best != 0) {
    const double percent = 100 * delta / std::abs(second.best);
    std::cout << ", " << (percent >= 0 ? "+" : "") << formatFixed(percent, 1) << '%';
  }
  std::cout << '\n';
}

void compareRuns(const Workspace& ws, const CompareArgs& args, bool json_mode) {
  const Comparison c = compare(ws, args);
  if (json_mode) return printJson(c, args);
  printParamsAndRuns(c, args);
  if (c.keys.empty()) {
    std::cout << "\nNo metrics logged.\n";
    return;
  }
  printMetricsTable(c);
  std::cout << '\n';
  printSummary(c, args);
}


}  // namespace

void addCompareCommand(CLI::App& runs, const std::function<Workspace()>& open_workspace,
                       const bool& json_mode, std::function<void()>& action) {
  auto args = std::make_shared<CompareArgs>();
  auto* cmd = runs.add_subcommand(
      "compare",
      "Compare runs: params that differ, metrics side by side, the best run on a metric");
  cmd->add_option("RUNS", args->runs, "Two or more run ids, id prefixes or names")
      ->required()
      ->expected(2, -1);
  cmd->add_option("-m,--metric", args->metric,
                  "Rank by this metric's best value (default: the first metric all runs logged, "
                  "val/ first)");
  cmd->add_option("--goal", args->goal,
                  "min or max for --metric (default: min for loss/error-like names, else max)");
  cmd->add_flag("-a,--all", args->all, "Also list params that are equal in every run");
  // open_workspace is copied: main passes a temporary.
  cmd->callback([&action, args, open_workspace, &json_mode] {
    action = [args, open_workspace, &json_mode] {
      compareRuns(open_workspace(), *args, json_mode);
    };
  });
}

}  // namespace wb::cli
