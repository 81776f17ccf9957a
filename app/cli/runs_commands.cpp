// `wb runs …`: list, show, delete, tag and annotate runs (compare is in compare_command.cpp).
// Parsing and printing only; the work is in core/store.
#include "app/cli/runs_commands.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cli_args.h"
#include "app/cli/cli_command.h"
#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "app/cli/compare_command.h"
#include "core/common/clock.h"
#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "core/data/dataset_repository.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"

namespace wb::cli {

using nlohmann::json;

namespace {


std::map<std::string, std::vector<store::MetricSummary>> summariesByRun(
    store::Database& db, const std::vector<std::string>& run_ids) {
  store::MetricsReader reader(db);
  std::map<std::string, std::vector<store::MetricSummary>> out;
  for (auto& s : unwrap(reader.summaries(run_ids))) out[s.run_id].push_back(std::move(s));
  return out;
}

// The first three metrics of a run for `runs list`: validation ones first, as they say most.
std::string metricsCell(std::vector<store::MetricSummary>& ms) {
  std::stable_sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) {
    auto rank = [](const std::string& k) { return k.rfind("val", 0) == 0 ? 0 : k.rfind("train", 0) == 0 ? 1 : 2; };
    return rank(a.key) < rank(b.key);
  });
  std::string m;
  int shown = 0;
  for (const auto& s : ms) {
    if (shown++ == 3) {
      m += " …";
      break;
    }
    if (!m.empty()) m += "  ";
    m += s.key + "=" + (s.last_value ? formatGeneral(*s.last_value) : "nan");
  }
  return m;
}

struct ListArgs {
  std::string experiment, status;
  int limit = -1;
};

void runsList(const Workspace& ws, bool json_mode, const ListArgs& a) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  (void)repo.reapDeadRuns();
  store::RunFilter filter;
  filter.experiment = a.experiment;
  filter.limit = a.limit;
  if (!a.status.empty()) {
    filter.status = store::runStatusFromString(a.status);
    if (filter.status == store::RunStatus::Unknown)
      fail("unknown status '" + a.status + "' (queued, running, finished, failed, killed)");
  }
  const auto runs = unwrap(repo.list(filter));
  std::vector<std::string> ids;
  for (const auto& r : runs) ids.push_back(r.id);
  auto metrics = summariesByRun(*db, ids);
  auto params = unwrap(repo.allParams());
  auto tags = unwrap(repo.allTags());
  const double now = unixNow();
  if (json_mode) {
    json arr = json::array();
    for (const auto& r : runs) arr.push_back(runToJson(r, params[r.id], tags[r.id], metrics[r.id], now));
    std::cout << arr.dump(2) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "DURATION", "METRICS"}};
  for (const auto& r : runs) {
    const auto d = r.durationSeconds(now);
    rows.push_back({r.id.substr(0, 8), r.name, r.experiment, std::string(store::toString(r.status)),
                    r.started_at ? formatLocalTime(*r.started_at) : "-",
                    d ? formatDuration(*d) : "-", metricsCell(metrics[r.id])});
  }
  printTable(std::cout, rows);
  if (runs.empty()) std::cout << "(no runs)\n";
}

struct RunDetails {
  store::Run run;
  store::ParamMap params, tags;
  std::vector<store::MetricSummary> metrics;
  std::vector<store::Artifact> artifacts;
  std::vector<std::pair<data::DatasetVersion, std::string>> inputs;
};

void printRunHeader(const RunDetails& r, double now) {
  const auto& run = r.run;
  const auto d = run.durationSeconds(now);
  std::cout << "Run        " << run.name << "  (" << run.id << ")\n"
            << "Experiment " << run.experiment << "\n"
            << "Status     " << store::toString(run.status)
            << (run.status_message.empty() ? "" : "  — " + run.status_message) << "\n"
            << "Started    " << (run.started_at ? formatLocalTime(*run.started_at) : "-") << "\n"
            << "Duration   " << (d ? formatDuration(*d) : "-") << "\n"
            << "Host       " << run.host << (run.pid ? "  pid " + std::to_string(run.pid) : "") << "\n";
  if (!run.parent_run_id.empty()) std::cout << "Parent     " << run.parent_run_id << "\n";
  for (const auto& [v, role] : r.inputs)
    std::cout << "Data       " << v.ref() << " (" << role << ", manifest " << v.manifest_id.substr(0, 12)
              << ")\n";
}

void printRunDetails(const RunDetails& r, double now) {
  printRunHeader(r, now);
  if (!r.params.empty()) {
    std::cout << "\nParams\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : r.params) rows.push_back({"  " + k, v});
    printTable(std::cout, rows);
  }
  if (!r.metrics.empty()) {
    std::cout << "\nMetrics\n";
    std::vector<std::vector<std::string>> rows = {{"  KEY", "LAST", "BEST", "MIN", "MAX", "STEPS"}};
    auto num = [](const std::optional<double>& v) { return v ? formatGeneral(*v) : "-"; };
    for (const auto& s : r.metrics)
      rows.push_back({"  " + s.key, num(s.last_value), num(s.best()), num(s.min_value),
                      num(s.max_value), std::to_string(s.count)});
    printTable(std::cout, rows);
  }
  if (!r.tags.empty()) {
    std::cout << "\nTags\n ";
    for (const auto& [k, v] : r.tags) std::cout << ' ' << k << (v.empty() ? "" : "=" + v);
    std::cout << '\n';
  }
  if (!r.artifacts.empty()) {
    std::cout << "\nArtifacts\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : r.artifacts)
      rows.push_back({"  " + a.path, std::to_string(a.size_bytes) + " B", a.object_id.substr(0, 12)});
    printTable(std::cout, rows);
  }
  if (!r.run.notes.empty()) std::cout << "\nNotes\n  " << r.run.notes << '\n';
}

void runsShow(const Workspace& ws, bool json_mode, const std::string& id) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  (void)repo.reapDeadRuns();
  RunDetails r;
  r.run = unwrap(repo.find(id));
  r.params = unwrap(repo.params(r.run.id));
  r.tags = unwrap(repo.tags(r.run.id));
  r.metrics = summariesByRun(*db, {r.run.id})[r.run.id];
  r.artifacts = unwrap(repo.artifacts(r.run.id));
  r.inputs = unwrap(data::DatasetRepository(*db).runInputs(r.run.id));
  const double now = unixNow();
  if (!json_mode) return printRunDetails(r, now);
  auto j = runToJson(r.run, r.params, r.tags, r.metrics, now);
  j["config"] = r.run.config_text;
  json data = json::array();
  for (const auto& [v, role] : r.inputs)
    data.push_back({{"ref", v.ref()}, {"role", role}, {"manifest", v.manifest_id}});
  j["datasets"] = data;
  json arts = json::array();
  for (const auto& a : r.artifacts)
    arts.push_back({{"path", a.path}, {"object_id", a.object_id}, {"size_bytes", a.size_bytes}});
  j["artifacts"] = arts;
  std::cout << j.dump(2) << '\n';
}

void runsRemove(const Workspace& ws, bool json_mode, const std::vector<std::string>& ids, bool force) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  (void)repo.reapDeadRuns();
  std::vector<std::string> full;
  json removed = json::array();
  for (const auto& id : ids) {
    const auto run = unwrap(repo.find(id));
    // The same run may be named twice (by name and by id): delete it once.
    if (std::find(full.begin(), full.end(), run.id) != full.end()) continue;
    if (run.status == store::RunStatus::Running && !force)
      fail("run " + run.name + " is still running (stop it first, or pass --force)");
    full.push_back(run.id);
    removed.push_back({{"id", run.id}, {"name", run.name}});
  }
  check(repo.remove(full));
  if (json_mode) {
    std::cout << json{{"removed", removed}}.dump(2) << '\n';
  } else {
    for (const auto& r : removed) std::cout << "removed " << r["name"].get<std::string>() << " (" << r["id"].get<std::string>() << ")\n";
  }
}

void runsTag(const Workspace& ws, bool json_mode, const std::string& id,
             const std::vector<std::string>& tags, const std::vector<std::string>& remove) {
  if (tags.empty() && remove.empty()) fail("nothing to do: give KEY[=VALUE] tags or --remove KEY");
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  if (!tags.empty()) check(repo.setTags(run.id, toMap(tags, false)));
  if (!remove.empty()) check(repo.removeTags(run.id, remove));
  const auto now_tags = unwrap(repo.tags(run.id));
  if (json_mode) {
    std::cout << json{{"id", run.id}, {"tags", now_tags}}.dump(2) << '\n';
  } else {
    std::cout << run.name << ":";
    for (const auto& [k, v] : now_tags) std::cout << ' ' << k << (v.empty() ? "" : "=" + v);
    std::cout << '\n';
  }
}

void runsNote(const Workspace& ws, bool json_mode, const std::string& id, const std::string& text,
              bool append) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  const std::string notes = append && !run.notes.empty() ? run.notes + "\n" + text : text;
  check(repo.setNotes(run.id, notes));
  if (json_mode) std::cout << json{{"id", run.id}, {"notes", notes}}.dump(2) << '\n';
}

// ---------------------------------------------------------------------------------------------
// Registration: one function per subcommand; each binds its options to a shared struct that the
// action reads after parsing.

void addList(CLI::App& runs, const OpenWorkspace& open, const bool& json_mode, std::function<void()>& action) {
  auto* cmd = runs.add_subcommand("list", "List runs, newest first");
  auto a = std::make_shared<ListArgs>();
  cmd->add_option("-e,--experiment", a->experiment, "Only runs of this experiment");
  cmd->add_option("-s,--status", a->status, "Only runs with this status");
  cmd->add_option("-n,--limit", a->limit, "At most this many runs");
  setAction(cmd, action, [&json_mode, open, a] { runsList(open(), json_mode, *a); });
}

void addShow(CLI::App& runs, const OpenWorkspace& open, const bool& json_mode, std::function<void()>& action) {
  auto* cmd = runs.add_subcommand("show", "Show a run: params, metrics, tags, artifacts, notes");
  auto id = std::make_shared<std::string>();
  cmd->add_option("RUN", *id, "Run id, id prefix or name")->required();
  setAction(cmd, action, [&json_mode, open, id] { runsShow(open(), json_mode, *id); });
}

void addRemove(CLI::App& runs, const OpenWorkspace& open, const bool& json_mode, std::function<void()>& action) {
  auto* cmd = runs.add_subcommand("rm", "Delete runs with their params, metrics and tags");
  struct Args {
    std::vector<std::string> ids;
    bool force = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("RUN", a->ids, "Run ids, id prefixes or names")->required();
  cmd->add_flag("-f,--force", a->force, "Delete even if still running");
  setAction(cmd, action, [&json_mode, open, a] { runsRemove(open(), json_mode, a->ids, a->force); });
}

void addTag(CLI::App& runs, const OpenWorkspace& open, const bool& json_mode, std::function<void()>& action) {
  auto* cmd = runs.add_subcommand("tag", "Add or remove tags");
  struct Args {
    std::string id;
    std::vector<std::string> tags, remove;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("RUN", a->id, "Run id, id prefix or name")->required();
  cmd->add_option("TAGS", a->tags, "KEY or KEY=VALUE");
  cmd->add_option("-r,--remove", a->remove, "Remove these tag keys");
  setAction(cmd, action, [&json_mode, open, a] { runsTag(open(), json_mode, a->id, a->tags, a->remove); });
}

void addNote(CLI::App& runs, const OpenWorkspace& open, const bool& json_mode, std::function<void()>& action) {
  auto* cmd = runs.add_subcommand("note", "Set (or append to) a run's notes");
  struct Args {
    std::string id, text;
    bool append = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("RUN", a->id, "Run id, id prefix or name")->required();
  cmd->add_option("TEXT", a->text, "The note")->required();
  cmd->add_flag("-a,--append", a->append, "Append instead of replacing");
  setAction(cmd, action, [&json_mode, open, a] { runsNote(open(), json_mode, a->id, a->text, a->append); });
}

}  // namespace

void addRunsCommands(CLI::App& app, const OpenWorkspace& open_workspace, const bool& json_mode,
                     std::function<void()>& action) {
  auto* runs = app.add_subcommand("runs", "List, inspect, tag, annotate and delete runs");
  runs->require_subcommand(1);
  addCompareCommand(*runs, open_workspace, json_mode, action);
  addList(*runs, open_workspace, json_mode, action);
  addShow(*runs, open_workspace, json_mode, action);
  addRemove(*runs, open_workspace, json_mode, action);
  addTag(*runs, open_workspace, json_mode, action);
  addNote(*runs, open_workspace, json_mode, action);
}

}  // namespace wb::cli
