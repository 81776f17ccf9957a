// wb: the Workbench command line. Argument parsing and printing only; the work is in core/.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "app/cli/cli_workspace.h"
#include "app/cli/compare_command.h"
#include "app/cli/data_commands.h"
#include "app/cli/queue_command.h"
#include "core/common/clock.h"
#include "core/data/dataset_repository.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/store/schema.h"
#include "core/workspace/workspace.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kExitError = 1;

using wb::cli::check;
using wb::cli::CliError;
using wb::cli::fail;
using wb::cli::unwrap;

struct Globals {
  std::string workspace;
  bool json = false;
};

wb::Workspace openWorkspace(const Globals& g) { return wb::cli::openWorkspaceAt(g.workspace); }

std::pair<std::string, std::string> splitPair(const std::string& text, bool value_required) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    if (value_required) fail("expected KEY=VALUE, got '" + text + "'");
    return {text, ""};
  }
  if (eq == 0) fail("empty key in '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

wb::store::ParamMap toMap(const std::vector<std::string>& pairs, bool value_required) {
  wb::store::ParamMap out;
  for (const auto& p : pairs) out.insert(splitPair(p, value_required));
  return out;
}

double parseNumber(const std::string& text, const std::string& what) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    // stod rejects "nan"/"inf" spelled by some loggers: accept them explicitly.
    if (text == "nan" || text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    fail(what + ": not a number: '" + text + "'");
  }
}

std::map<std::string, std::vector<wb::store::MetricSummary>> summariesByRun(
    wb::store::Database& db, const std::vector<std::string>& run_ids) {
  wb::store::MetricsReader reader(db);
  std::map<std::string, std::vector<wb::store::MetricSummary>> out;
  for (auto& s : unwrap(reader.summaries(run_ids))) out[s.run_id].push_back(std::move(s));
  return out;
}

// ---------------------------------------------------------------------------------------------
// wb runs …

void runsList(const Globals& g, const std::string& experiment, const std::string& status,
              int limit) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  (void)repo.reapDeadRuns();
  wb::store::RunFilter filter;
  filter.experiment = experiment;
  filter.limit = limit;
  if (!status.empty()) {
    filter.status = wb::store::runStatusFromString(status);
    if (filter.status == wb::store::RunStatus::Unknown)
      fail("unknown status '" + status + "' (queued, running, finished, failed, killed)");
  }
  const auto runs = unwrap(repo.list(filter));
  std::vector<std::string> ids;
  for (const auto& r : runs) ids.push_back(r.id);
  auto metrics = summariesByRun(*db, ids);
  auto params = unwrap(repo.allParams());
  auto tags = unwrap(repo.allTags());
  const double now = wb::unixNow();
  if (g.json) {
    json arr = json::array();
    for (const auto& r : runs) arr.push_back(wb::cli::runToJson(r, params[r.id], tags[r.id], metrics[r.id], now));
    std::cout << arr.dump(2) << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "DURATION", "METRICS"}};
  for (const auto& r : runs) {
    std::string m;
    int shown = 0;
    // Validation metrics say most about a run: list them first.
    auto& ms = metrics[r.id];
    std::stable_sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) {
      auto rank = [](const std::string& k) { return k.rfind("val", 0) == 0 ? 0 : k.rfind("train", 0) == 0 ? 1 : 2; };
      return rank(a.key) < rank(b.key);
    });
    for (const auto& s : ms) {
      if (shown++ == 3) {
        m += " …";
        break;
      }
      if (!m.empty()) m += "  ";
      m += s.key + "=" + (s.last_value ? wb::cli::formatShort(*s.last_value) : "nan");
    }
    const auto d = r.durationSeconds(now);
    rows.push_back({r.id.substr(0, 8), r.name, r.experiment, std::string(wb::store::toString(r.status)),
                    r.started_at ? wb::cli::formatTime(*r.started_at) : "-",
                    d ? wb::cli::formatDuration(*d) : "-", m});
  }
  wb::cli::printTable(std::cout, rows);
  if (runs.empty()) std::cout << "(no runs)\n";
}

void runsShow(const Globals& g, const std::string& id) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  (void)repo.reapDeadRuns();
  const auto run = unwrap(repo.find(id));
  const auto params = unwrap(repo.params(run.id));
  const auto tags = unwrap(repo.tags(run.id));
  auto metrics = summariesByRun(*db, {run.id})[run.id];
  const auto artifacts = unwrap(repo.artifacts(run.id));
  const auto inputs = unwrap(wb::data::DatasetRepository(*db).runInputs(run.id));
  const double now = wb::unixNow();
  if (g.json) {
    auto j = wb::cli::runToJson(run, params, tags, metrics, now);
    j["config"] = run.config_text;
    json data = json::array();
    for (const auto& [v, role] : inputs)
      data.push_back({{"ref", v.ref()}, {"role", role}, {"manifest", v.manifest_id}});
    j["datasets"] = data;
    json arts = json::array();
    for (const auto& a : artifacts)
      arts.push_back({{"path", a.path}, {"object_id", a.object_id}, {"size_bytes", a.size_bytes}});
    j["artifacts"] = arts;
    std::cout << j.dump(2) << '\n';
    return;
  }
  const auto d = run.durationSeconds(now);
  std::cout << "Run        " << run.name << "  (" << run.id << ")\n"
            << "Experiment " << run.experiment << "\n"
            << "Status     " << wb::store::toString(run.status)
            << (run.status_message.empty() ? "" : "  — " + run.status_message) << "\n"
            << "Started    " << (run.started_at ? wb::cli::formatTime(*run.started_at) : "-") << "\n"
            << "Duration   " << (d ? wb::cli::formatDuration(*d) : "-") << "\n"
            << "Host       " << run.host << (run.pid ? "  pid " + std::to_string(run.pid) : "") << "\n";
  if (!run.parent_run_id.empty()) std::cout << "Parent     " << run.parent_run_id << "\n";
  for (const auto& [v, role] : inputs)
    std::cout << "Data       " << v.ref() << " (" << role << ", manifest " << v.manifest_id.substr(0, 12)
              << ")\n";
  if (!params.empty()) {
    std::cout << "\nParams\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : params) rows.push_back({"  " + k, v});
    wb::cli::printTable(std::cout, rows);
  }
  if (!metrics.empty()) {
    std::cout << "\nMetrics\n";
    std::vector<std::vector<std::string>> rows = {{"  KEY", "LAST", "BEST", "MIN", "MAX", "STEPS"}};
    auto num = [](const std::optional<double>& v) { return v ? wb::cli::formatShort(*v) : "-"; };
    for (const auto& s : metrics)
      rows.push_back({"  " + s.key, num(s.last_value), num(s.best()), num(s.min_value),
                      num(s.max_value), std::to_string(s.count)});
    wb::cli::printTable(std::cout, rows);
  }
  if (!tags.empty()) {
    std::cout << "\nTags\n ";
    for (const auto& [k, v] : tags) std::cout << ' ' << k << (v.empty() ? "" : "=" + v);
    std::cout << '\n';
  }
  if (!artifacts.empty()) {
    std::cout << "\nArtifacts\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : artifacts)
      rows.push_back({"  " + a.path, std::to_string(a.size_bytes) + " B", a.object_id.substr(0, 12)});
    wb::cli::printTable(std::cout, rows);
  }
  if (!run.notes.empty()) std::cout << "\nNotes\n  " << run.notes << '\n';
}

void runsRemove(const Globals& g, const std::vector<std::string>& ids, bool force) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  (void)repo.reapDeadRuns();
  std::vector<std::string> full;
  json removed = json::array();
  for (const auto& id : ids) {
    const auto run = unwrap(repo.find(id));
    // The same run may be named twice (by name and by id): delete it once.
    if (std::find(full.begin(), full.end(), run.id) != full.end()) continue;
    if (run.status == wb::store::RunStatus::Running && !force)
      fail("run " + run.name + " is still running (stop it first, or pass --force)");
    full.push_back(run.id);
    removed.push_back({{"id", run.id}, {"name", run.name}});
  }
  check(repo.remove(full));
  if (g.json) {
    std::cout << json{{"removed", removed}}.dump(2) << '\n';
  } else {
    for (const auto& r : removed) std::cout << "removed " << r["name"].get<std::string>() << " (" << r["id"].get<std::string>() << ")\n";
  }
}

void runsTag(const Globals& g, const std::string& id, const std::vector<std::string>& tags,
             const std::vector<std::string>& remove) {
  if (tags.empty() && remove.empty()) fail("nothing to do: give KEY[=VALUE] tags or --remove KEY");
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  if (!tags.empty()) check(repo.setTags(run.id, toMap(tags, false)));
  if (!remove.empty()) check(repo.removeTags(run.id, remove));
  const auto now_tags = unwrap(repo.tags(run.id));
  if (g.json) {
    std::cout << json{{"id", run.id}, {"tags", now_tags}}.dump(2) << '\n';
  } else {
    std::cout << run.name << ":";
    for (const auto& [k, v] : now_tags) std::cout << ' ' << k << (v.empty() ? "" : "=" + v);
    std::cout << '\n';
  }
}

void runsNote(const Globals& g, const std::string& id, const std::string& text, bool append) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  const std::string notes = append && !run.notes.empty() ? run.notes + "\n" + text : text;
  check(repo.setNotes(run.id, notes));
  if (g.json) std::cout << json{{"id", run.id}, {"notes", notes}}.dump(2) << '\n';
}

// ---------------------------------------------------------------------------------------------
// wb metrics export

void metricsExport(const Globals& g, const std::string& id, std::vector<std::string> keys,
                   bool csv, const std::string& output) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  wb::store::MetricsReader reader(*db);
  const auto available = unwrap(reader.keys(run.id));
  if (keys.empty()) keys = available;
  std::map<std::string, std::vector<wb::store::MetricPoint>> series;
  for (const auto& k : keys) {
    if (std::find(available.begin(), available.end(), k) == available.end())
      fail("run " + run.name + " has no metric '" + k + "'");
    series[k] = unwrap(reader.series(run.id, k));
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  fs::path tmp;
  if (!output.empty() && output != "-") {
    tmp = output + ".tmp";
    file.open(tmp);
    if (!file) fail("cannot write " + output);
    out = &file;
  }
  if (csv) {
    wb::cli::writeSeriesCsv(*out, series);
  } else {
    *out << json{{"run_id", run.id}, {"name", run.name}, {"metrics", wb::cli::seriesToJson(series)}}.dump()
         << '\n';
  }
  if (file.is_open()) {
    file.close();
    if (!file) fail("cannot write " + output);
    std::error_code ec;
    fs::rename(tmp, output, ec);
    if (ec) fail("cannot write " + output + ": " + ec.message());
  }
}

// ---------------------------------------------------------------------------------------------
// wb log …

struct LogStartOptions {
  std::string experiment = "Default";
  std::string name;
  std::vector<std::string> params;
  std::vector<std::string> tags;
  std::string config_file;
  std::string notes;
  long pid = -1;  // -1: the calling shell (parent process)
};

wb::store::Run startRun(wb::store::RunRepository& repo, const LogStartOptions& o, long pid) {
  wb::store::NewRun spec;
  spec.experiment = o.experiment;
  spec.name = o.name;
  spec.pid = pid;
  spec.params = toMap(o.params, true);
  spec.tags = toMap(o.tags, false);
  spec.notes = o.notes;
  if (!o.config_file.empty()) {
    std::ifstream in(o.config_file);
    if (!in) fail("cannot read config " + o.config_file);
    std::ostringstream text;
    text << in.rdbuf();
    spec.config_text = text.str();
  }
  return unwrap(repo.create(spec));
}

void logStart(const Globals& g, const LogStartOptions& o) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  // The run lives as long as the script that started it: when that process is gone and the
  // run was never ended, readers mark it killed.
  const long pid = o.pid >= 0 ? o.pid : static_cast<long>(::getppid());
  const auto run = startRun(repo, o, pid);
  if (g.json) {
    std::cout << json{{"id", run.id}, {"name", run.name}, {"experiment", run.experiment}}.dump() << '\n';
  } else {
    std::cout << run.id << '\n';
  }
}

void logParams(const Globals& g, const std::string& id, const std::vector<std::string>& pairs) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  check(repo.setParams(run.id, toMap(pairs, true)));
}

void logMetrics(const Globals& g, const std::string& id, const std::vector<std::string>& pairs,
                long long step, const std::string& epoch_text) {
  std::vector<std::pair<std::string, double>> values;
  for (const auto& p : pairs) {
    auto [k, v] = splitPair(p, true);
    values.emplace_back(k, parseNumber(v, k));
  }
  const double epoch = epoch_text.empty() ? wb::store::MetricsWriter::kNoEpoch
                                          : parseNumber(epoch_text, "--epoch");
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  std::map<std::string, std::int64_t> next_step;
  if (step < 0) {
    wb::store::MetricsReader reader(*db);
    for (const auto& s : unwrap(reader.summaries({run.id}))) next_step[s.key] = s.last_step + 1;
  }
  // Logging is a sign of life: keep the run's heartbeat fresh for viewers on other hosts.
  wb::store::MetricsWriterOptions wopts;
  wopts.heartbeat_run = run.id;
  auto writer = unwrap(wb::store::MetricsWriter::open(ws.dbPath(), wopts));
  for (const auto& [k, v] : values)
    writer->log(run.id, k, step >= 0 ? step : next_step[k], v, epoch);
  check(writer->close());
}

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void onStopSignal(int sig) { g_stop_signal = sig; }

void logStream(const Globals& g, const std::string& existing_run, const LogStartOptions& o) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  wb::store::Run run;
  const bool owns_run = existing_run.empty();
  if (owns_run) {
    run = startRun(repo, o, static_cast<long>(::getpid()));
  } else {
    run = unwrap(repo.find(existing_run));
  }
  if (g.json) std::cout << json{{"event", "run"}, {"id", run.id}, {"name", run.name}}.dump() << std::endl;
  else std::cerr << "logging to run " << run.name << " (" << run.id << ")\n";

  // No SA_RESTART: a signal interrupts the blocking read so the run can be closed properly.
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  wb::store::MetricsWriterOptions wopts;
  wopts.heartbeat_run = run.id;
  auto writer = unwrap(wb::store::MetricsWriter::open(ws.dbPath(), wopts));
  std::map<std::string, std::int64_t> next_step;
  {
    wb::store::MetricsReader reader(*db);
    for (const auto& s : unwrap(reader.summaries({run.id}))) next_step[s.key] = s.last_step + 1;
  }
  std::string line;
  std::size_t line_no = 0, logged = 0, bad_lines = 0;
  while (!g_stop_signal && std::getline(std::cin, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::pair<std::string, double>> values;
    std::int64_t step = -1;
    double epoch = wb::store::MetricsWriter::kNoEpoch;
    try {
      if (line[0] == '{') {
        const auto j = json::parse(line);
        for (const auto& [k, v] : j.items()) {
          if (!v.is_number()) continue;
          if (k == "step") {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
              fail("step must be a whole number >= 0, got " + v.dump());
            step = v.get<std::int64_t>();
          }
          else if (k == "epoch") epoch = v.get<double>();
          else values.emplace_back(k, v.get<double>());
        }
      } else {
        std::istringstream tokens(line);
        std::string tok;
        while (tokens >> tok) {
          if (tok.back() == ',') tok.pop_back();
          auto [k, v] = splitPair(tok, true);
          const double x = parseNumber(v, k);
          if (k == "step" && !(x >= 0 && x <= 9.0e15 && x == std::floor(x)))
            fail("step must be a whole number >= 0, got '" + v + "'");
          if (k == "step") step = static_cast<std::int64_t>(x);
          else if (k == "epoch") epoch = x;
          else values.emplace_back(k, x);
        }
      }
    } catch (const CliError& e) {
      ++bad_lines;
      std::cerr << "stdin:" << line_no << ": skipped: " << e.message << '\n';
      continue;
    } catch (const json::exception& e) {
      ++bad_lines;
      std::cerr << "stdin:" << line_no << ": skipped: invalid JSON (" << e.what() << ")\n";
      continue;
    }
    for (const auto& [k, v] : values) {
      auto& next = next_step[k];
      const std::int64_t s = step >= 0 ? step : next;
      next = s + 1;
      writer->log(run.id, k, s, v, epoch);
      ++logged;
    }
  }
  const auto closed = writer->close();
  if (owns_run) {
    const auto status = g_stop_signal ? wb::store::RunStatus::Killed : wb::store::RunStatus::Finished;
    check(repo.setStatus(run.id, status, g_stop_signal ? "stopped by signal" : ""));
  }
  check(closed);
  if (g.json) {
    std::cout << json{{"event", "end"}, {"id", run.id}, {"points", logged}, {"skipped_lines", bad_lines}}.dump()
              << std::endl;
  } else {
    std::cerr << "logged " << logged << " points" << (bad_lines ? ", skipped " + std::to_string(bad_lines) + " bad lines" : "") << '\n';
  }
  if (g_stop_signal) std::exit(128 + g_stop_signal);
}

void logArtifact(const Globals& g, const std::string& id, const std::string& file,
                 std::string logical) {
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) fail("no such file: " + file);
  wb::objects::ObjectStore objects(ws.objectsDir());
  const auto object_id = unwrap(objects.putFile(file));
  if (logical.empty()) logical = fs::path(file).filename().string();
  const auto size = static_cast<std::int64_t>(fs::file_size(file, ec));
  check(repo.addArtifact({run.id, logical, object_id, size, 0}));
  if (g.json) std::cout << json{{"path", logical}, {"object_id", object_id}, {"size_bytes", size}}.dump() << '\n';
  else std::cout << object_id << '\n';
}

void logEnd(const Globals& g, const std::string& id, const std::string& status_text,
            const std::string& message) {
  const auto status = wb::store::runStatusFromString(status_text);
  if (!wb::store::isTerminal(status)) fail("--status must be finished, failed or killed");
  auto ws = openWorkspace(g);
  auto db = unwrap(ws.connect());
  wb::store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  check(repo.setStatus(run.id, status, message));
}

// ---------------------------------------------------------------------------------------------

void initWorkspace(const Globals& g, const std::string& dir, const std::string& name) {
  const auto ws = unwrap(wb::Workspace::create(dir, name));
  if (g.json) {
    std::cout << json{{"workspace", ws.root().string()}, {"name", ws.name()},
                      {"schema_version", wb::store::latestSchemaVersion()}}.dump() << '\n';
  } else {
    std::cout << "Created workspace " << ws.name() << " in " << ws.root().string() << '\n';
  }
}

// LibTorch commands live in wb-ml, so that every other command starts in milliseconds instead
// of paying for loading LibTorch.
[[noreturn]] void execMl(char** argv) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path ml = self.parent_path() / "wb-ml";
  ::execv(ml.c_str(), argv);
  fail("cannot run " + ml.string() + ": " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wb — the Workbench command line: workspaces, datasets, runs and metrics.", "wb"};
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message([](const CLI::App* cmd, const CLI::Error& e) {
    return "wb: " + std::string(e.what()) + " (see `" + cmd->get_display_name(true) + " --help`)\n";
  });
  Globals g;
  app.add_option("-w,--workspace", g.workspace,
                 "Workspace folder (default: the current folder or its nearest parent workspace)")
      ->envname("WB_WORKSPACE");
  app.add_flag("--json", g.json, "Machine-readable JSON output");

  std::function<void()> action;

  // init
  auto* init = app.add_subcommand("init", "Create a new workspace in DIR");
  std::string init_dir, init_name;
  init->add_option("DIR", init_dir, "Folder for the workspace (created if missing)")->required();
  init->add_option("--name", init_name, "Workspace name (default: the folder's name)");
  init->callback([&] { action = [&] { initWorkspace(g, init_dir, init_name); }; });

  // version
  auto* version = app.add_subcommand("version", "Print the version");
  version->callback([&] {
    action = [&] {
      if (g.json) {
        std::cout << json{{"version", WB_VERSION}, {"schema_version", wb::store::latestSchemaVersion()}}.dump()
                  << '\n';
      } else {
        std::cout << "wb " << WB_VERSION << " (workspace schema " << wb::store::latestSchemaVersion() << ")\n";
      }
    };
  });

  // demo
  auto* demo = app.add_subcommand("demo", "Create the demo workspace in DIR: real LibTorch runs on Iris");
  std::string demo_dir;
  int demo_epochs = 0;
  demo->add_option("DIR", demo_dir, "Folder for the demo workspace")->required();
  demo->add_option("--epochs", demo_epochs, "Epochs per run (default 60)")->check(CLI::Range(1, 100000));
  demo->callback([&] { action = [&] { execMl(argv); }; });

  // train (runs in wb-ml, which links LibTorch)
  auto* train = app.add_subcommand("train", "Train one run from an experiment config");
  std::string train_config, train_name;
  std::vector<std::string> train_overrides;
  std::string train_resume;
  train->add_option("CONFIG", train_config, "Config file (or a name under configs/)");
  train->add_option("--resume", train_resume, "Continue a failed or killed run from its last checkpoint");
  train->add_option("OVERRIDES", train_overrides, "key=value, +new.key=value, ~key");
  train->add_option("--name", train_name, "Run name (default: generated)");
  std::string train_parent;
  train->add_option("--parent", train_parent, "Parent run (a sweep)")->group("");
  bool train_dry = false, train_stdin = false;
  train->add_flag("--dry-run", train_dry, "Check the config and show the dataset and model size; train nothing");
  train->add_flag("--stdin-text", train_stdin, "Read the config's text from stdin (CONFIG names it)");
  train->callback([&] { action = [&] { execMl(argv); }; });

  auto* models = app.add_subcommand("models", "List the model types and their hyperparameters");
  models->callback([&] { action = [&] { execMl(argv); }; });

  auto* sweep = app.add_subcommand("sweep", "Run a sweep: the config's sweep: block and/or a=1,2 overrides");
  std::string sweep_config;
  std::vector<std::string> sweep_overrides;
  int sweep_parallel = 1;
  bool sweep_dry = false;
  sweep->add_option("CONFIG", sweep_config, "Config file (or a name under configs/)")->required();
  sweep->add_option("OVERRIDES", sweep_overrides, "key=value; key=a,b,c adds a grid dimension");
  sweep->add_option("--parallel", sweep_parallel, "Runs at a time (default 1)")->check(CLI::Range(1, 64));
  sweep->add_flag("--dry-run", sweep_dry, "Only list the runs");
  sweep->callback([&] { action = [&] { execMl(argv); }; });

  wb::cli::addDataCommands(app, [&g] { return openWorkspace(g); }, g.json, action);
  wb::cli::addQueueCommand(app, [&g] { return openWorkspace(g); }, g.json, action);

  // runs
  auto* runs = app.add_subcommand("runs", "List, inspect, tag, annotate and delete runs");
  runs->require_subcommand(1);
  wb::cli::addCompareCommand(*runs, [&g] { return openWorkspace(g); }, g.json, action);
  auto* runs_list = runs->add_subcommand("list", "List runs, newest first");
  std::string list_exp, list_status;
  int list_limit = -1;
  runs_list->add_option("-e,--experiment", list_exp, "Only runs of this experiment");
  runs_list->add_option("-s,--status", list_status, "Only runs with this status");
  runs_list->add_option("-n,--limit", list_limit, "At most this many runs");
  runs_list->callback([&] { action = [&] { runsList(g, list_exp, list_status, list_limit); }; });

  auto* runs_show = runs->add_subcommand("show", "Show a run: params, metrics, tags, artifacts, notes");
  std::string show_id;
  runs_show->add_option("RUN", show_id, "Run id, id prefix or name")->required();
  runs_show->callback([&] { action = [&] { runsShow(g, show_id); }; });

  auto* runs_rm = runs->add_subcommand("rm", "Delete runs with their params, metrics and tags");
  std::vector<std::string> rm_ids;
  bool rm_force = false;
  runs_rm->add_option("RUN", rm_ids, "Run ids, id prefixes or names")->required();
  runs_rm->add_flag("-f,--force", rm_force, "Delete even if still running");
  runs_rm->callback([&] { action = [&] { runsRemove(g, rm_ids, rm_force); }; });

  auto* runs_tag = runs->add_subcommand("tag", "Add or remove tags");
  std::string tag_id;
  std::vector<std::string> tag_pairs, tag_remove;
  runs_tag->add_option("RUN", tag_id, "Run id, id prefix or name")->required();
  runs_tag->add_option("TAGS", tag_pairs, "KEY or KEY=VALUE");
  runs_tag->add_option("-r,--remove", tag_remove, "Remove these tag keys");
  runs_tag->callback([&] { action = [&] { runsTag(g, tag_id, tag_pairs, tag_remove); }; });

  auto* runs_note = runs->add_subcommand("note", "Set (or append to) a run's notes");
  std::string note_id, note_text;
  bool note_append = false;
  runs_note->add_option("RUN", note_id, "Run id, id prefix or name")->required();
  runs_note->add_option("TEXT", note_text, "The note")->required();
  runs_note->add_flag("-a,--append", note_append, "Append instead of replacing");
  runs_note->callback([&] { action = [&] { runsNote(g, note_id, note_text, note_append); }; });

  // metrics
  auto* metrics = app.add_subcommand("metrics", "Read logged metrics");
  metrics->require_subcommand(1);
  auto* mexport = metrics->add_subcommand("export", "Export a run's metric series as CSV or JSON");
  std::string export_id, export_out;
  std::vector<std::string> export_keys;
  bool export_csv = false, export_json = false;
  mexport->add_option("RUN", export_id, "Run id, id prefix or name")->required();
  mexport->add_option("-k,--key", export_keys, "Only these metric keys (default: all)");
  auto* csv_flag = mexport->add_flag("--csv", export_csv, "CSV: key,step,epoch,wall_time,value (default)");
  mexport->add_flag("--json-series", export_json, "JSON: per key, arrays of step, epoch, wall_time, value")
      ->excludes(csv_flag);
  mexport->add_option("-o,--output", export_out, "Write to this file instead of standard output");
  mexport->callback([&] {
    action = [&] { metricsExport(g, export_id, export_keys, !(export_json || (g.json && !export_csv)), export_out); };
  });

  // log
  auto* log = app.add_subcommand(
      "log", "Record runs from scripts and other trainers: start, param, metric, stream, artifact, end");
  log->require_subcommand(1);
  LogStartOptions start_opts;
  auto addStartOptions = [&](CLI::App* cmd) {
    cmd->add_option("-e,--experiment", start_opts.experiment, "Experiment (created if new)")
        ->capture_default_str();
    cmd->add_option("-n,--name", start_opts.name, "Run name (default: a generated one)");
    cmd->add_option("-p,--param", start_opts.params, "KEY=VALUE parameter (repeatable)");
    cmd->add_option("-t,--tag", start_opts.tags, "KEY or KEY=VALUE tag (repeatable)");
    cmd->add_option("-c,--config", start_opts.config_file, "A config file stored with the run");
    cmd->add_option("--notes", start_opts.notes, "Notes");
  };
  auto* log_start = log->add_subcommand("start", "Start a run; prints its id");
  addStartOptions(log_start);
  log_start->add_option("--pid", start_opts.pid,
                        "Process that owns the run (default: the calling shell); the run is "
                        "marked killed when it exits without `wb log end`");
  log_start->callback([&] { action = [&] { logStart(g, start_opts); }; });

  auto* log_param = log->add_subcommand("param", "Set parameters of a run");
  std::string param_id;
  std::vector<std::string> param_pairs;
  log_param->add_option("RUN", param_id, "Run id, id prefix or name")->required();
  log_param->add_option("PARAMS", param_pairs, "KEY=VALUE")->required();
  log_param->callback([&] { action = [&] { logParams(g, param_id, param_pairs); }; });

  auto* log_metric = log->add_subcommand("metric", "Log metric values at one step");
  std::string metric_id, metric_epoch;
  std::vector<std::string> metric_pairs;
  long long metric_step = -1;
  log_metric->add_option("RUN", metric_id, "Run id, id prefix or name")->required();
  log_metric->add_option("VALUES", metric_pairs, "KEY=NUMBER")->required();
  log_metric->add_option("--step", metric_step, "Step (default: one past the key's last step)")
      ->check(CLI::NonNegativeNumber);
  log_metric->add_option("--epoch", metric_epoch, "Epoch");
  log_metric->callback([&] { action = [&] { logMetrics(g, metric_id, metric_pairs, metric_step, metric_epoch); }; });

  auto* log_stream = log->add_subcommand(
      "stream",
      "Log metrics read from standard input, one line per step: `loss=0.3 acc=0.9 step=12` or a "
      "JSON object. Without --run, starts a run that ends (finished) at end of input");
  std::string stream_run;
  log_stream->add_option("-r,--run", stream_run, "Log into this existing run instead");
  addStartOptions(log_stream);
  log_stream->callback([&] { action = [&] { logStream(g, stream_run, start_opts); }; });

  auto* log_artifact = log->add_subcommand("artifact", "Store a file in the object store as a run artifact");
  std::string art_id, art_file, art_path;
  log_artifact->add_option("RUN", art_id, "Run id, id prefix or name")->required();
  log_artifact->add_option("FILE", art_file, "The file")->required();
  log_artifact->add_option("--path", art_path, "Logical path in the run (default: the file name)");
  log_artifact->callback([&] { action = [&] { logArtifact(g, art_id, art_file, art_path); }; });

  auto* log_end = log->add_subcommand("end", "End a run");
  std::string end_id, end_status = "finished", end_message;
  log_end->add_option("RUN", end_id, "Run id, id prefix or name")->required();
  log_end->add_option("-s,--status", end_status, "finished, failed or killed")->capture_default_str();
  log_end->add_option("-m,--message", end_message, "Why (shown with the status)");
  log_end->callback([&] { action = [&] { logEnd(g, end_id, end_status, end_message); }; });

  // CLI11 reports an unknown command as "a subcommand is required": name it instead. Walk the
  // words down the command tree while the current command has subcommands.
  {
    CLI::App* level = &app;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (level == &app && (arg == "-w" || arg == "--workspace")) {
        ++i;
        continue;
      }
      if (!arg.empty() && arg[0] == '-') continue;
      const auto subs = level->get_subcommands([](CLI::App*) { return true; });
      if (subs.empty()) break;
      CLI::App* next = nullptr;
      for (auto* sub : subs)
        if (sub->get_name() == arg) next = sub;
      if (!next) {
        const std::string where = level == &app ? "wb" : "wb " + level->get_name();
        std::cerr << "wb: unknown command '" << arg << "' for " << where << " (see `" << where
                  << " --help`)\n";
        return kExitError;
      }
      level = next;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (action) action();
  } catch (const CliError& e) {
    std::cerr << "wb: " << e.message << '\n';
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "wb: " << e.what() << '\n';
    return kExitError;
  }
  return 0;
}
