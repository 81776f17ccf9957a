// `wb log …`: record runs from scripts and other trainers. Parsing and printing only; the work
// is in core/store.
#include "app/cli/log_commands.h"

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/cli_args.h"
#include "app/cli/cli_command.h"
#include "app/cli/cli_errors.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"

namespace wb::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct LogStartOptions {
  std::string experiment = "Default";
  std::string name;
  std::vector<std::string> params;
  std::vector<std::string> tags;
  std::string config_file;
  std::string notes;
  long pid = -1;  // -1: the calling shell (parent process)
};

store::Run startRun(store::RunRepository& repo, const LogStartOptions& o, long pid) {
  store::NewRun spec;
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

void logStart(const Workspace& ws, bool json_mode, const LogStartOptions& o) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  // The run lives as long as the script that started it: when that process is gone and the
  // run was never ended, readers mark it killed.
  const long pid = o.pid >= 0 ? o.pid : static_cast<long>(::getppid());
  const auto run = startRun(repo, o, pid);
  if (json_mode) {
    std::cout << json{{"id", run.id}, {"name", run.name}, {"experiment", run.experiment}}.dump() << '\n';
  } else {
    std::cout << run.id << '\n';
  }
}

void logParams(const Workspace& ws, const std::string& id, const std::vector<std::string>& pairs) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  check(repo.setParams(run.id, toMap(pairs, true)));
}

// Each key's next step: one past the last it logged.
std::map<std::string, std::int64_t> nextSteps(store::Database& db, const std::string& run_id) {
  std::map<std::string, std::int64_t> next;
  for (const auto& s : unwrap(store::MetricsReader(db).summaries({run_id}))) next[s.key] = s.last_step + 1;
  return next;
}

std::unique_ptr<store::MetricsWriter> openWriter(const Workspace& ws, const std::string& run_id) {
  // Logging is a sign of life: keep the run's heartbeat fresh for viewers on other hosts.
  store::MetricsWriterOptions wopts;
  wopts.heartbeat_run = run_id;
  return unwrap(store::MetricsWriter::open(ws.dbPath(), wopts));
}

void logMetrics(const Workspace& ws, const std::string& id, const std::vector<std::string>& pairs,
                long long step, const std::string& epoch_text) {
  std::vector<std::pair<std::string, double>> values;
  for (const auto& p : pairs) {
    auto [k, v] = splitPair(p, true);
    values.emplace_back(k, parseNumber(v, k));
  }
  const double epoch = epoch_text.empty() ? store::MetricsWriter::kNoEpoch : parseNumber(epoch_text, "--epoch");
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  auto next_step = step < 0 ? nextSteps(*db, run.id) : std::map<std::string, std::int64_t>{};
  auto writer = openWriter(ws, run.id);
  for (const auto& [k, v] : values) writer->log(run.id, k, step >= 0 ? step : next_step[k], v, epoch);
  check(writer->close());
}

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void onStopSignal(int sig) { g_stop_signal = sig; }

// One line of `wb log stream`: values, and the step and epoch when given.
struct StreamLine {
  std::vector<std::pair<std::string, double>> values;
  std::int64_t step = -1;
  double epoch = store::MetricsWriter::kNoEpoch;
};

StreamLine parseJsonLine(const std::string& line) {
  StreamLine out;
  const json object = json::parse(line);
  for (const auto& [k, v] : object.items()) {
    if (!v.is_number()) continue;
    if (k == "step") {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
        fail("step must be a whole number >= 0, got " + v.dump());
      out.step = v.get<std::int64_t>();
    } else if (k == "epoch") {
      out.epoch = v.get<double>();
    } else {
      out.values.emplace_back(k, v.get<double>());
    }
  }
  return out;
}

StreamLine parsePairsLine(const std::string& line) {
  StreamLine out;
  std::istringstream tokens(line);
  std::string tok;
  while (tokens >> tok) {
    if (tok.back() == ',') tok.pop_back();
    auto [k, v] = splitPair(tok, true);
    const double x = parseNumber(v, k);
    if (k == "step" && !(x >= 0 && x <= 9.0e15 && x == std::floor(x)))
      fail("step must be a whole number >= 0, got '" + v + "'");
    if (k == "step") out.step = static_cast<std::int64_t>(x);
    else if (k == "epoch") out.epoch = x;
    else out.values.emplace_back(k, x);
  }
  return out;
}

struct StreamCounts {
  std::size_t logged = 0, bad_lines = 0;
};

// Reads stdin until its end or a stop signal; a bad line is reported and skipped.
StreamCounts streamLines(store::MetricsWriter& writer, const std::string& run_id,
                         std::map<std::string, std::int64_t> next_step) {
  StreamCounts counts;
  std::string line;
  std::size_t line_no = 0;
  while (!g_stop_signal && std::getline(std::cin, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    StreamLine parsed;
    try {
      parsed = line[0] == '{' ? parseJsonLine(line) : parsePairsLine(line);
    } catch (const CliError& e) {
      ++counts.bad_lines;
      std::cerr << "stdin:" << line_no << ": skipped: " << e.message << '\n';
      continue;
    } catch (const json::exception& e) {
      ++counts.bad_lines;
      std::cerr << "stdin:" << line_no << ": skipped: invalid JSON (" << e.what() << ")\n";
      continue;
    }
    for (const auto& [k, v] : parsed.values) {
      auto& next = next_step[k];
      const std::int64_t s = parsed.step >= 0 ? parsed.step : next;
      next = s + 1;
      writer.log(run_id, k, s, v, parsed.epoch);
      ++counts.logged;
    }
  }
  return counts;
}

void logStream(const Workspace& ws, bool json_mode, const std::string& existing_run, const LogStartOptions& o) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const bool owns_run = existing_run.empty();
  const store::Run run = owns_run ? startRun(repo, o, static_cast<long>(::getpid())) : unwrap(repo.find(existing_run));
  if (json_mode) std::cout << json{{"event", "run"}, {"id", run.id}, {"name", run.name}}.dump() << std::endl;
  else std::cerr << "logging to run " << run.name << " (" << run.id << ")\n";

  // No SA_RESTART: a signal interrupts the blocking read so the run can be closed properly.
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  auto writer = openWriter(ws, run.id);
  const auto counts = streamLines(*writer, run.id, nextSteps(*db, run.id));
  const auto closed = writer->close();
  if (owns_run) {
    const auto status = g_stop_signal ? store::RunStatus::Killed : store::RunStatus::Finished;
    check(repo.setStatus(run.id, status, g_stop_signal ? "stopped by signal" : ""));
  }
  check(closed);
  if (json_mode) {
    std::cout << json{{"event", "end"}, {"id", run.id}, {"points", counts.logged}, {"skipped_lines", counts.bad_lines}}.dump()
              << std::endl;
  } else {
    std::cerr << "logged " << counts.logged << " points"
              << (counts.bad_lines ? ", skipped " + std::to_string(counts.bad_lines) + " bad lines" : "") << '\n';
  }
  if (g_stop_signal) std::exit(128 + g_stop_signal);
}

void logArtifact(const Workspace& ws, bool json_mode, const std::string& id, const std::string& file,
                 std::string logical) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) fail("no such file: " + file);
  objects::ObjectStore objects(ws.objectsDir());
  const auto object_id = unwrap(objects.putFile(file));
  if (logical.empty()) logical = fs::path(file).filename().string();
  const auto size = static_cast<std::int64_t>(fs::file_size(file, ec));
  check(repo.addArtifact({run.id, logical, object_id, size, 0}));
  if (json_mode) std::cout << json{{"path", logical}, {"object_id", object_id}, {"size_bytes", size}}.dump() << '\n';
  else std::cout << object_id << '\n';
}

void logEnd(const Workspace& ws, const std::string& id, const std::string& status_text,
            const std::string& message) {
  const auto status = store::runStatusFromString(status_text);
  if (!store::isTerminal(status)) fail("--status must be finished, failed or killed");
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  check(repo.setStatus(run.id, status, message));
}

// ---------------------------------------------------------------------------------------------
// Registration: one function per subcommand.

using Action = std::function<void()>;

void addStartOptions(CLI::App* cmd, LogStartOptions& o) {
  cmd->add_option("-e,--experiment", o.experiment, "Experiment (created if new)")->capture_default_str();
  cmd->add_option("-n,--name", o.name, "Run name (default: a generated one)");
  cmd->add_option("-p,--param", o.params, "KEY=VALUE parameter (repeatable)");
  cmd->add_option("-t,--tag", o.tags, "KEY or KEY=VALUE tag (repeatable)");
  cmd->add_option("-c,--config", o.config_file, "A config file stored with the run");
  cmd->add_option("--notes", o.notes, "Notes");
}

void addStart(CLI::App& log, const OpenWorkspace& open, const bool& json_mode, Action& action) {
  auto* cmd = log.add_subcommand("start", "Start a run; prints its id");
  auto o = std::make_shared<LogStartOptions>();
  addStartOptions(cmd, *o);
  cmd->add_option("--pid", o->pid,
                  "Process that owns the run (default: the calling shell); the run is "
                  "marked killed when it exits without `wb log end`");
  setAction(cmd, action, [&json_mode, open, o] { logStart(open(), json_mode, *o); });
}

void addParam(CLI::App& log, const OpenWorkspace& open, Action& action) {
  auto* cmd = log.add_subcommand("param", "Set parameters of a run");
  struct Args {
    std::string id;
    std::vector<std::string> pairs;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("RUN", a->id, "Run id, id prefix or name")->required();
  cmd->add_option("PARAMS", a->pairs, "KEY=VALUE")->required();
  setAction(cmd, action, [open, a] { logParams(open(), a->id, a->pairs); });
}

void addMetric(CLI::App& log, const OpenWorkspace& open, Action& action) {
  auto* cmd = log.add_subcommand("metric", "Log metric values at one step");
  struct Args {
    std::string id, epoch;
    std::vector<std::string> pairs;
    long long step = -1;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("RUN", a->id, "Run id, id prefix or name")->required();
  cmd->add_option("VALUES", a->pairs, "KEY=NUMBER")->required();
  cmd->add_option("--step", a->step, "Step (default: one past the key's last step)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--epoch", a->epoch, "Epoch");
  setAction(cmd, action, [open, a] { logMetrics(open(), a->id, a->pairs, a->step, a->epoch); });
}

void addStream(CLI::App& log, const OpenWorkspace& open, const bool& json_mode, Action& action) {
  auto* cmd = log.add_subcommand(
      "stream",
      "Log metrics read from standard input, one line per step: `loss=0.3 acc=0.9 step=12` or a "
      "JSON object. Without --run, starts a run that ends (finished) at end of input");
  struct Args {
    std::string run;
    LogStartOptions start;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("-r,--run", a->run, "Log into this existing run instead");
  addStartOptions(cmd, a->start);
  setAction(cmd, action, [&json_mode, open, a] { logStream(open(), json_mode, a->run, a->start); });
}

void addArtifact(CLI::App& log, const OpenWorkspace& open, const bool& json_mode, Action& action) {
  auto* cmd = log.add_subcommand("artifact", "Store a file in the object store as a run artifact");
  struct Args {
    std::string id, file, path;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("RUN", a->id, "Run id, id prefix or name")->required();
  cmd->add_option("FILE", a->file, "The file")->required();
  cmd->add_option("--path", a->path, "Logical path in the run (default: the file name)");
  setAction(cmd, action, [&json_mode, open, a] { logArtifact(open(), json_mode, a->id, a->file, a->path); });
}

void addEnd(CLI::App& log, const OpenWorkspace& open, Action& action) {
  auto* cmd = log.add_subcommand("end", "End a run");
  struct Args {
    std::string id, status = "finished", message;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("RUN", a->id, "Run id, id prefix or name")->required();
  cmd->add_option("-s,--status", a->status, "finished, failed or killed")->capture_default_str();
  cmd->add_option("-m,--message", a->message, "Why (shown with the status)");
  setAction(cmd, action, [open, a] { logEnd(open(), a->id, a->status, a->message); });
}

}  // namespace

void addLogCommands(CLI::App& app, const OpenWorkspace& open_workspace, const bool& json_mode,
                    std::function<void()>& action) {
  auto* log = app.add_subcommand(
      "log", "Record runs from scripts and other trainers: start, param, metric, stream, artifact, end");
  log->require_subcommand(1);
  addStart(*log, open_workspace, json_mode, action);
  addParam(*log, open_workspace, action);
  addMetric(*log, open_workspace, action);
  addStream(*log, open_workspace, json_mode, action);
  addArtifact(*log, open_workspace, json_mode, action);
  addEnd(*log, open_workspace, action);
}

}  // namespace wb::cli
