// `wb sweep`: plan the children, start them as processes (sweep_children.h), count how they
// ended, and name the best on the sweep's metric with the ranking `wb runs compare` uses.
#include "app/cli/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_workspace.h"
#include "app/cli/sweep_children.h"
#include "app/cli/train_command.h"
#include "core/common/numbers.h"
#include "core/config/compose.h"
#include "core/config/sweep.h"
#include "core/metrics/run_comparison.h"
#include "core/metrics/series_ops.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"
#include "core/train/run_slots.h"

namespace wb::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct SweepPlan {
  fs::path primary;
  std::vector<std::string> overrides;
  config::ComposeOptions co;
  std::vector<config::SweepChild> children;
  std::string metric;  // stored key ("val/loss"); empty without a sweep: block metric
  bool maximize = false;
  bool bayes = false;
  std::size_t startup = 0;  // bayes: runs chosen at random before the search proposes
};

// What happened to the children, by name in launch order.
struct SweepProgress {
  std::vector<std::string> launched;                           // in sweep order
  std::map<std::string, std::map<std::string, std::string>> params;  // name -> swept values
  std::map<std::string, std::string> start_errors;             // name -> why it did not start
  bool warned_no_metric = false;
};

// How the children ended, from their final status in the store.
struct SweepTally {
  std::size_t total = 0, finished = 0, failed = 0, killed = 0, could_not_start = 0, not_started = 0;
  std::string details() const;
};

std::string SweepTally::details() const {
  std::string out;
  auto add = [&](std::size_t n, const char* what) {
    if (n) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(failed, "failed");
  add(killed, "killed");
  add(could_not_start, "could not start");
  add(not_started, "not started");
  return out;
}

SweepPlan planSweep(const Workspace& ws, const SweepArgs& a) {
  SweepPlan p;
  p.co.configs_dir = ws.configsDir();
  p.co.display_root = ws.root();
  p.primary = resolveConfigPath(ws, a.config);
  p.overrides = a.overrides;
  p.children = unwrap(config::expandSweep(p.primary, a.overrides, p.co));
  if (p.children.empty()) fail("the sweep has no runs");
  if (auto composed = config::composeConfig(p.primary, a.overrides, p.co); composed)
    if (const auto* block = composed->tree.find("sweep"))
      if (auto spec = config::parseSweep(*block); spec) {
        p.metric = metrics::storedMetricKey(spec->metric_name);  // val_loss → val/loss
        p.maximize = spec->goal == config::MetricGoal::Maximize;
        p.bayes = spec->method == config::SweepMethod::Bayes;
      }
  p.startup = p.bayes ? config::bayesStartupRuns(p.children.size()) : p.children.size();
  return p;
}

void printDryRun(const SweepPlan& p) {
  for (const auto& c : p.children) {
    if (static_cast<std::size_t>(c.index) == p.startup) {
      std::cout << "runs " << p.startup + 1 << "-" << p.children.size()
                << ": chosen by the bayes search from the results of the runs before\n";
      break;
    }
    std::cout << c.index + 1 << ":";
    for (const auto& o : c.overrides) std::cout << ' ' << o;
    std::cout << '\n';
  }
}

store::Run createParentRun(store::RunRepository& runs, const SweepPlan& p) {
  store::NewRun parent;
  const auto& first = p.children.front().config;
  parent.experiment = first.experiment.empty() ? "Default" : first.experiment;
  parent.name = "sweep-" + p.primary.stem().string();
  parent.pid = ::getpid();
  {
    std::ifstream in(p.primary);
    parent.config_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  parent.tags = {{"sweep", ""}};
  parent.params = {{"sweep.runs", std::to_string(p.children.size())}, {"sweep.metric", p.metric}};
  return unwrap(runs.create(parent));
}

// The first line: how many runs, and how many at a time, which the workspace's queue decides.
void announce(const GlobalArgs& g, const Workspace& ws, const store::Run& parent, std::size_t runs, int parallel) {
  const int limit = train::runLimit(ws);
  const int at_once = std::min(parallel, limit);
  if (g.json) {
    std::cout << json{{"event", "sweep"}, {"run_id", parent.id}, {"runs", runs}, {"parallel", parallel},
                      {"queue_limit", limit}}.dump()
              << std::endl;
    return;
  }
  std::cout << "sweep " << parent.name << " (" << parent.id << "): " << runs << " runs, " << at_once
            << " at a time";
  if (parallel > limit) {
    const bool from_env = std::getenv("WB_MAX_RUNS") != nullptr;
    std::cout << " (--parallel " << parallel << ", but the workspace queue runs " << limit
              << " at a time; raise it with "
              << (from_env ? "WB_MAX_RUNS=" + std::to_string(parallel)
                           : "`wb queue --limit " + std::to_string(parallel) + "`")
              << ")";
  }
  std::cout << std::endl;
}

// Bayes: what the finished children reached on the metric, with the values they tried.
std::vector<config::SweepObservation> observe(store::Database& db, const std::string& parent_id,
                                              const SweepPlan& p, SweepProgress& progress) {
  std::vector<config::SweepObservation> out;
  store::RunFilter f;
  f.parent_run_id = parent_id;
  std::map<std::string, std::string> finished;  // id -> name
  for (const auto& k : unwrap(store::RunRepository(db).list(f)))
    if (k.status == store::RunStatus::Finished && progress.params.count(k.name)) finished[k.id] = k.name;
  std::vector<std::string> ids;
  for (const auto& [id, name] : finished) ids.push_back(id);
  if (ids.empty()) return out;
  for (const auto& s : unwrap(store::MetricsReader(db).summaries(ids, {p.metric})))
    if (s.last_value && std::isfinite(*s.last_value))
      out.push_back({progress.params[finished[s.run_id]], *s.last_value});
  if (out.empty() && ids.size() >= 2 && !progress.warned_no_metric) {
    std::cerr << "wb: warning: none of the " << ids.size() << " finished runs logged '" << p.metric
              << "'; the bayes search proposes at random until one does\n";
    progress.warned_no_metric = true;
  }
  return out;
}

std::vector<std::string> childArgs(const GlobalArgs& g, const char* self, const Workspace& ws,
                                   const SweepPlan& p, const config::SweepChild& c,
                                   const store::Run& parent, const std::string& name) {
  std::vector<std::string> args = {self, "-w", ws.root().string()};
  if (g.json) args.push_back("--json");
  args.insert(args.end(), {"train", p.primary.string()});
  // The child gets the single-valued overrides; its own values replace the multirun ones.
  for (const auto& o : p.overrides)
    if (auto parsed = config::parseOverride(o); parsed && !parsed->isMultirun()) args.push_back(o);
  args.insert(args.end(), c.overrides.begin(), c.overrides.end());
  args.insert(args.end(), {"--parent", parent.id, "--name", name});
  return args;
}

// Starts children while slots are free and no stop came, then waits; until all have ended.
void runChildren(const GlobalArgs& g, const char* self, const Workspace& ws, store::Database& db,
                 const SweepPlan& p, const store::Run& parent, int parallel, SweepChildren& kids,
                 SweepProgress& progress) {
  std::size_t next = 0;
  while (true) {
    while (!kids.stopped() && kids.running() < static_cast<std::size_t>(parallel) && next < p.children.size()) {
      config::SweepChild c = p.children[next];
      if (p.bayes && next >= p.startup)
        c = unwrap(config::proposeSweepChild(p.primary, p.overrides, p.co, next, observe(db, parent.id, p, progress)));
      ++next;
      const std::string name = parent.name + "-" + std::to_string(c.index + 1);
      progress.launched.push_back(name);
      progress.params[name] = c.params;
      std::cout.flush();
      if (const auto why = kids.start(name, childArgs(g, self, ws, p, c, parent, name)); !why.empty()) {
        progress.start_errors[name] = why;
        std::cerr << "wb: could not start " << name << ": " << why << '\n';
      }
    }
    if (kids.running() == 0 && (kids.stopped() || next >= p.children.size())) return;
    if (kids.running() > 0) kids.wait();
  }
}

SweepTally tally(store::RunRepository& runs, const std::string& parent_id, std::size_t total,
                 const SweepProgress& progress) {
  (void)runs.reapDeadRuns();  // a child that died without ending its run counts as killed
  store::RunFilter f;
  f.parent_run_id = parent_id;
  std::map<std::string, store::RunStatus> status;
  for (const auto& k : unwrap(runs.list(f))) status[k.name] = k.status;
  SweepTally t;
  t.total = total;
  t.not_started = total - progress.launched.size();
  for (const auto& name : progress.launched) {
    const auto it = status.find(name);
    if (progress.start_errors.count(name)) ++t.could_not_start;
    else if (it == status.end()) ++t.failed;  // ended before it made its run (a bad config)
    else if (it->second == store::RunStatus::Finished) ++t.finished;
    else if (it->second == store::RunStatus::Killed) ++t.killed;
    else ++t.failed;
  }
  return t;
}

// The best child on the sweep's metric, ranked as `wb runs compare` ranks runs: by best value,
// ties by the last value, then by sweep order.
std::string bestLine(store::Database& db, const std::string& parent_id, const SweepPlan& p,
                     const SweepProgress& progress) {
  if (p.metric.empty()) return {};
  store::RunFilter f;
  f.parent_run_id = parent_id;
  std::map<std::string, std::string> id_of;  // name -> id
  for (const auto& k : unwrap(store::RunRepository(db).list(f))) id_of[k.name] = k.id;
  std::vector<std::string> names, ids;
  for (const auto& name : progress.launched)
    if (id_of.count(name)) {
      names.push_back(name);
      ids.push_back(id_of[name]);
    }
  if (ids.empty()) return {};
  std::map<std::string, store::MetricSummary> by_id;
  for (auto& s : unwrap(store::MetricsReader(db).summaries(ids, {p.metric}))) by_id[s.run_id] = s;
  std::vector<const store::MetricSummary*> summaries;
  for (const auto& id : ids) summaries.push_back(by_id.count(id) ? &by_id[id] : nullptr);
  const auto ranked = metrics::rankRuns(summaries, p.maximize ? metrics::Goal::Max : metrics::Goal::Min);
  if (ranked.empty()) return {};
  return "best " + names[ranked.front().index] + ": " + p.metric + " " + formatGeneral(ranked.front().best);
}

void report(const GlobalArgs& g, const store::Run& parent, store::RunStatus status, const SweepTally& t,
            const std::string& best) {
  if (g.json) {
    std::cout << json{{"event", "sweep_finished"}, {"run_id", parent.id}, {"status", std::string(store::toString(status))},
                      {"runs", t.total}, {"finished", t.finished}, {"failed", t.total - t.finished},
                      {"killed", t.killed}, {"could_not_start", t.could_not_start},
                      {"not_started", t.not_started}, {"best", best}}.dump()
              << std::endl;
    return;
  }
  const std::string details = t.details();
  std::cout << "sweep " << store::toString(status) << ": " << t.finished << " of " << t.total << " runs finished"
            << (details.empty() ? "" : " (" + details + ")") << (best.empty() ? "" : "; " + best) << std::endl;
}

}  // namespace

int runSweepCommand(const GlobalArgs& g, const char* self, const SweepArgs& a) {
  const auto ws = openWorkspaceAt(g.workspace);
  const SweepPlan plan = planSweep(ws, a);
  if (a.dry_run) {
    printDryRun(plan);
    return 0;
  }
  // Stops are watched from before the parent run exists, so none is missed.
  SweepChildren kids(g.json ? SweepChildren::Output::RawStdout : SweepChildren::Output::Prefixed);
  auto db = unwrap(ws.connect());
  store::RunRepository runs(*db);
  const auto parent = createParentRun(runs, plan);
  announce(g, ws, parent, plan.children.size(), a.parallel);
  SweepProgress progress;
  runChildren(g, self, ws, *db, plan, parent, a.parallel, kids, progress);
  const SweepTally t = tally(runs, parent.id, plan.children.size(), progress);
  const std::string best = bestLine(*db, parent.id, plan, progress);
  const auto status = kids.stopped() ? store::RunStatus::Killed
                                     : (t.finished == 0 ? store::RunStatus::Failed : store::RunStatus::Finished);
  const std::string details = t.details();
  (void)runs.setStatus(parent.id, status,
                       details.empty() ? best
                                       : std::to_string(t.finished) + " of " + std::to_string(t.total) +
                                             " runs finished (" + details + ")");
  report(g, parent, status, t, best);
  return t.finished == t.total && !kids.stopped() ? 0 : 1;
}

}  // namespace wb::cli
