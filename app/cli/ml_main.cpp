// wb-ml: the `wb` commands that need LibTorch. `wb` execs this binary for them, so the rest of
// the CLI never loads LibTorch.
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <map>

#include <sys/wait.h>
#include <unistd.h>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "app/cli/cli_workspace.h"
#include "core/config/compose.h"
#include "core/config/sweep.h"
#include "core/metrics/series_ops.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"
#include "core/config/experiment_config.h"
#include "core/demo/demo_workspace.h"
#include "core/models/model_factory.h"
#include "core/train/trainer.h"
#include "core/workspace/workspace.h"

using nlohmann::json;
namespace fs = std::filesystem;
using wb::cli::CliError;
using wb::cli::unwrap;

namespace {

struct Globals {
  std::string workspace;
  bool json = false;
};

void createDemo(const Globals& g, const std::string& dir, int epochs) {
  wb::demo::DemoOptions options;
  options.dir = dir;
  if (epochs > 0) options.epochs = epochs;
  auto result = unwrap(wb::demo::createDemoWorkspace(options, [&](const wb::demo::DemoProgress& p) {
    if (g.json) {
      std::cout << json{{"event", "progress"}, {"phase", p.phase}, {"run", p.run_name}, {"run_index", p.run_index},
                        {"run_count", p.run_count}, {"epoch", p.epoch}, {"epochs", p.epochs},
                        {"val_accuracy", p.val_accuracy}}.dump() << std::endl;
    } else if (p.phase == "datasets") {
      std::cout << "  " << p.run_name << '\n' << std::flush;
    } else if (p.epoch == p.epochs) {
      std::cout << "  trained " << p.run_name << ": val/accuracy " << wb::cli::formatNumber(p.val_accuracy)
                << '\n';
    }
    return true;
  }));
  if (g.json) {
    json runs = json::array();
    for (const auto& r : result.runs)
      runs.push_back({{"id", r.run_id}, {"name", r.name}, {"val_accuracy", r.val_accuracy}});
    std::cout << json{{"event", "done"}, {"workspace", result.workspace.string()}, {"runs", runs},
                      {"datasets", result.datasets}}.dump()
              << std::endl;
  } else {
    std::cout << "Demo workspace ready: " << result.workspace.string() << '\n';
    for (const auto& d : result.datasets) std::cout << "  dataset " << d << '\n';
  }
}

std::atomic<bool> g_stop{false};
extern "C" void onTrainSignal(int) { g_stop = true; }

wb::Workspace openWorkspace(const Globals& g) { return wb::cli::openWorkspaceAt(g.workspace); }

fs::path resolveConfigPath(const wb::Workspace& ws, const std::string& config_path) {
  fs::path primary = config_path;
  if (!fs::exists(primary) && fs::exists(ws.configsDir() / config_path)) primary = ws.configsDir() / config_path;
  if (!fs::exists(primary) && fs::exists(ws.configsDir() / (config_path + ".yaml")))
    primary = ws.configsDir() / (config_path + ".yaml");
  return primary;
}

// `wb models`: the model types with their hyperparameters and defaults (the editor's form).
void listModels(const Globals& g) {
  json models = json::array();
  for (const auto& type : wb::models::modelTypes())
    models.push_back({{"type", type},
                      {"description", wb::models::modelDescription(type)},
                      {"params", unwrap(wb::models::defaultParams(type))}});
  if (g.json) {
    std::cout << json{{"models", models}}.dump() << std::endl;
    return;
  }
  for (const auto& m : models) {
    std::cout << m["type"].get<std::string>() << "  " << m["description"].get<std::string>() << '\n';
    for (const auto& [k, v] : m["params"].items()) std::cout << "    " << k << ": " << v.dump() << '\n';
  }
}

// `wb train --dry-run`: what would be trained, without a run.
int planOnly(const Globals& g, const wb::Workspace& ws, const wb::config::ExperimentConfig& config,
             const wb::config::ConfigNode* source) {
  const auto plan = unwrap(wb::train::planTraining(ws, config, source));
  if (g.json) {
    std::cout << json{{"event", "plan"}, {"dataset", plan.dataset}, {"input_shape", plan.input_shape},
                      {"classes", plan.classes}, {"parameters", plan.parameters},
                      {"train_samples", plan.train_samples}, {"val_samples", plan.val_samples},
                      {"test_samples", plan.test_samples}, {"batches_per_epoch", plan.batches_per_epoch},
                      {"device", plan.device}, {"model", wb::config::toString(config.model.type)},
                      {"warnings", plan.warnings}}
                     .dump()
              << std::endl;
    return 0;
  }
  std::string shape;
  for (auto d : plan.input_shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
  std::cout << "dataset  " << plan.dataset << " (" << plan.train_samples << " train, " << plan.val_samples
            << " val, " << plan.test_samples << " test)\n"
            << "input    " << (shape.empty() ? "text" : shape)
            << (plan.classes > 0 ? ", " + std::to_string(plan.classes) + " classes" : ", regression") << '\n'
            << "model    " << wb::config::toString(config.model.type) << ", " << plan.parameters
            << " parameters\n"
            << "epoch    " << plan.batches_per_epoch << " batches of " << config.data.batch_size << " on "
            << plan.device << '\n';
  for (const auto& w : plan.warnings) std::cout << "warning  " << w << '\n';
  return 0;
}

int train(const Globals& g, const std::string& config_path, const std::vector<std::string>& overrides,
          const std::string& name, const std::string& parent, const std::string& resume, bool dry_run,
          bool stdin_text) {
  const auto ws = openWorkspace(g);
  if (!resume.empty() && (!config_path.empty() || !overrides.empty()))
    throw CliError{"--resume continues a run with its own config; give no CONFIG or overrides"};
  if (resume.empty() && config_path.empty()) throw CliError{"give a CONFIG (or --resume RUN)"};
  wb::config::ComposeOptions co;
  co.configs_dir = ws.configsDir();
  co.display_root = ws.root();
  wb::train::TrainRequest request;
  if (!resume.empty()) {
    request = unwrap(wb::train::resumeRequest(ws, resume));
  } else {
    const fs::path primary = resolveConfigPath(ws, config_path);
    if (stdin_text)  // an editor's unsaved text; CONFIG names it and anchors its defaults
      co.primary_text = std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    auto config = unwrap(wb::config::loadExperimentConfig(primary, overrides, co));
    // The composed tree again, for the origins of errors only the data can tell (dataset, monitor).
    auto composed = wb::config::composeConfig(primary, overrides, co);
    if (composed) request.source = composed->tree;
    if (dry_run) return planOnly(g, ws, config, composed ? &request.source : nullptr);
    request.config = config;
    request.config_text = wb::config::toYaml(config);
  }
  if (dry_run) throw CliError{"--dry-run needs a CONFIG, not --resume"};
  request.run_name = name;
  request.parent_run_id = parent;
  // A sweep child's overrides are what makes it differ: list them with its params.
  if (!parent.empty())
    for (const auto& o : overrides)
      if (auto parsed = wb::config::parseOverride(o); parsed && parsed->kind != wb::config::Override::Kind::Delete)
        request.extra_params[parsed->key] = o.substr(o.find('=') + 1);
  std::signal(SIGTERM, onTrainSignal);
  std::signal(SIGINT, onTrainSignal);
  auto outcome = unwrap(wb::train::runTraining(ws, request, [&](const json& event) {
    if (g.json) {
      std::cout << event.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
      return;
    }
    const std::string kind = event.value("event", "");
    if (kind == "resumed") {
      std::cout << "resuming after epoch " << event.value("epoch", 0) << '\n';
    } else if (kind == "started") {
      std::cout << "run " << event.value("name", "") << " (" << event.value("run_id", "") << ") on "
                << event.value("dataset", "") << ", " << event.value("parameters", 0)
                << " parameters, device " << event.value("device", "") << '\n';
    } else if (kind == "epoch") {
      const auto& m = event["metrics"];
      std::cout << "epoch " << event.value("epoch", 0) << "/" << event.value("epochs", 0);
      for (const char* k : {"train/loss", "val/loss", "val/accuracy", "val/rmse"})
        if (m.contains(k)) std::cout << "  " << k << " " << wb::cli::formatShort(m[k].get<double>());
      std::cout << "  (" << wb::cli::formatDuration(event.value("seconds", 0.0)) << ")\n" << std::flush;
    } else if (kind == "finished") {
      std::cout << "run " << event.value("status", "") << (event.value("message", "").empty() ? "" : ": ")
                << event.value("message", "") << '\n';
    }
  }, g_stop));
  if (outcome.status == wb::store::RunStatus::Failed) {
    std::cerr << "wb: run failed: " << outcome.message << '\n';
    return 1;
  }
  return outcome.status == wb::store::RunStatus::Killed ? 143 : 0;
}

// A sweep: a parent run, then one `wb train` process per child (at most `parallel` at once).
int sweep(const Globals& g, const char* self, const std::string& config_path,
          const std::vector<std::string>& overrides, int parallel, bool dry_run) {
  const auto ws = openWorkspace(g);
  wb::config::ComposeOptions co;
  co.configs_dir = ws.configsDir();
  co.display_root = ws.root();
  const fs::path primary = resolveConfigPath(ws, config_path);
  const auto children = unwrap(wb::config::expandSweep(primary, overrides, co));
  if (children.empty()) throw CliError{"the sweep has no runs"};
  std::string metric;
  bool maximize = false;
  bool bayes = false;
  if (auto composed = wb::config::composeConfig(primary, overrides, co); composed)
    if (const auto* block = composed->tree.find("sweep"))
      if (auto spec = wb::config::parseSweep(*block); spec) {
        metric = wb::metrics::storedMetricKey(spec->metric_name);  // val_loss → val/loss
        maximize = spec->goal == wb::config::MetricGoal::Maximize;
        bayes = spec->method == wb::config::SweepMethod::Bayes;
      }
  const std::size_t startup = bayes ? wb::config::bayesStartupRuns(children.size()) : children.size();
  if (dry_run) {
    for (const auto& c : children) {
      if (static_cast<std::size_t>(c.index) == startup) {
        std::cout << "runs " << startup + 1 << "-" << children.size()
                  << ": chosen by the bayes search from the results of the runs before\n";
        break;
      }
      std::cout << c.index + 1 << ":";
      for (const auto& o : c.overrides) std::cout << ' ' << o;
      std::cout << '\n';
    }
    return 0;
  }
  auto db = unwrap(ws.connect());
  wb::store::RunRepository runs(*db);
  wb::store::NewRun parent;
  parent.experiment = children.front().config.experiment.empty() ? "Default" : children.front().config.experiment;
  parent.name = "sweep-" + primary.stem().string();
  parent.pid = ::getpid();
  {
    std::ifstream in(primary);
    parent.config_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  parent.tags = {{"sweep", ""}};
  parent.params = {{"sweep.runs", std::to_string(children.size())}, {"sweep.metric", metric}};
  const auto parent_run = unwrap(runs.create(parent));
  if (g.json)
    std::cout << json{{"event", "sweep"}, {"run_id", parent_run.id}, {"runs", children.size()}}.dump() << std::endl;
  else
    std::cout << "sweep " << parent_run.name << " (" << parent_run.id << "): " << children.size()
              << " runs, " << parallel << " at a time" << std::endl;
  // No SA_RESTART: a stop must interrupt waitpid() so it reaches the children.
  struct sigaction action {};
  action.sa_handler = onTrainSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::size_t next = 0, running = 0, failed = 0;
  bool forwarded = false;
  // Bayes: what the finished children reached on the metric, with the values they tried.
  std::map<std::string, std::map<std::string, std::string>> launched;  // child name -> params
  bool warned_no_metric = false;
  auto observe = [&] {
    std::vector<wb::config::SweepObservation> out;
    wb::store::RunFilter f;
    f.parent_run_id = parent_run.id;
    std::map<std::string, std::string> finished;  // id -> name
    for (const auto& k : unwrap(runs.list(f)))
      if (k.status == wb::store::RunStatus::Finished && launched.count(k.name)) finished[k.id] = k.name;
    std::vector<std::string> ids;
    for (const auto& [id, name] : finished) ids.push_back(id);
    if (ids.empty()) return out;
    for (const auto& s : unwrap(wb::store::MetricsReader(*db).summaries(ids, {metric})))
      if (s.last_value && std::isfinite(*s.last_value))
        out.push_back({launched[finished[s.run_id]], *s.last_value});
    if (out.empty() && ids.size() >= 2 && !warned_no_metric) {
      std::cerr << "wb: warning: none of the " << ids.size() << " finished runs logged '" << metric
                << "'; the bayes search proposes at random until one does\n";
      warned_no_metric = true;
    }
    return out;
  };
  std::vector<pid_t> pids;
  while ((next < children.size() || running > 0)) {
    while (!g_stop && running < static_cast<std::size_t>(parallel) && next < children.size()) {
      wb::config::SweepChild c = children[next];
      if (bayes && next >= startup) c = unwrap(wb::config::proposeSweepChild(
                                          primary, overrides, co, next, observe()));
      ++next;
      launched[parent_run.name + "-" + std::to_string(c.index + 1)] = c.params;
      std::vector<std::string> args = {self, "-w", ws.root().string()};
      if (g.json) args.push_back("--json");
      args.insert(args.end(), {"train", primary.string()});
      // The child gets the single-valued overrides; its own values replace the multirun ones.
      for (const auto& o : overrides)
        if (auto parsed = wb::config::parseOverride(o); parsed && !parsed->isMultirun()) args.push_back(o);
      args.insert(args.end(), c.overrides.begin(), c.overrides.end());
      args.insert(args.end(), {"--parent", parent_run.id, "--name",
                               parent_run.name + "-" + std::to_string(c.index + 1)});
      std::cout.flush();  // a forked child must not inherit (and repeat) buffered output
      const pid_t pid = ::fork();
      if (pid == 0) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv("/proc/self/exe", argv.data());
        ::_exit(127);
      }
      if (pid > 0) {
        pids.push_back(pid);
        ++running;
      }
    }
    if (g_stop && !forwarded) {
      for (pid_t p : pids) ::kill(p, SIGTERM);  // pass the stop on to the children
      forwarded = true;
    }
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      break;
    }
    --running;
    std::erase(pids, done);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  // The best child on the sweep's metric.
  std::string best_line;
  if (!metric.empty()) {
    wb::store::RunFilter f;
    f.parent_run_id = parent_run.id;
    auto kids = unwrap(runs.list(f));
    std::vector<std::string> ids;
    for (const auto& k : kids) ids.push_back(k.id);
    wb::store::MetricsReader reader(*db);
    std::optional<double> best;
    std::string best_name;
    for (const auto& s : unwrap(reader.summaries(ids, {metric})))
      if (s.last_value && (!best || (maximize ? *s.last_value > *best : *s.last_value < *best))) {
        best = s.last_value;
        for (const auto& k : kids)
          if (k.id == s.run_id) best_name = k.name;
      }
    if (best) best_line = "best " + best_name + ": " + metric + " " + wb::cli::formatShort(*best);
  }
  const auto status = g_stop ? wb::store::RunStatus::Killed
                             : (failed == children.size() ? wb::store::RunStatus::Failed
                                                          : wb::store::RunStatus::Finished);
  (void)runs.setStatus(parent_run.id, status,
                       failed ? std::to_string(failed) + " of " + std::to_string(children.size()) + " runs failed"
                              : best_line);
  if (g.json)
    std::cout << json{{"event", "sweep_finished"}, {"run_id", parent_run.id}, {"failed", failed},
                      {"best", best_line}}.dump() << std::endl;
  else
    std::cout << "sweep " << wb::store::toString(status) << ": " << children.size() - failed << " of "
              << children.size() << " runs finished" << (best_line.empty() ? "" : "; " + best_line) << '\n';
  return failed == 0 && !g_stop ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wb-ml — Workbench commands that use LibTorch (run through `wb`).", "wb"};
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "wb: " + std::string(e.what()) + " (see `wb --help`)\n";
  });
  Globals g;
  app.add_option("-w,--workspace", g.workspace, "Workspace folder")->envname("WB_WORKSPACE");
  app.add_flag("--json", g.json, "Machine-readable JSON output");
  auto* demo = app.add_subcommand("demo", "Create the demo workspace in DIR: real LibTorch runs on Iris");
  std::string demo_dir;
  int demo_epochs = 0;
  demo->add_option("DIR", demo_dir, "Folder for the demo workspace")->required();
  demo->add_option("--epochs", demo_epochs, "Epochs per run (default 60)")->check(CLI::Range(1, 100000));
  auto* train_cmd = app.add_subcommand("train", "Train one run from an experiment config");
  std::string train_config, train_name;
  std::vector<std::string> train_overrides;
  std::string train_resume;
  train_cmd->add_option("CONFIG", train_config, "Config file (or a name under configs/)");
  train_cmd->add_option("--resume", train_resume, "Continue a failed or killed run from its last checkpoint");
  train_cmd->add_option("OVERRIDES", train_overrides, "key=value, +new.key=value, ~key");
  train_cmd->add_option("--name", train_name, "Run name (default: generated)");
  std::string train_parent;
  train_cmd->add_option("--parent", train_parent, "Parent run (a sweep)")->group("");
  bool train_dry = false, train_stdin = false;
  train_cmd->add_flag("--dry-run", train_dry, "Check the config and show the dataset and model size; train nothing");
  train_cmd->add_flag("--stdin-text", train_stdin, "Read the config's text from stdin (CONFIG names it)");
  auto* models_cmd = app.add_subcommand("models", "List the model types and their hyperparameters");
  auto* sweep_cmd = app.add_subcommand("sweep", "Run a sweep: the config's sweep: block and/or a=1,2 overrides");
  std::string sweep_config;
  std::vector<std::string> sweep_overrides;
  int sweep_parallel = 1;
  bool sweep_dry = false;
  sweep_cmd->add_option("CONFIG", sweep_config, "Config file (or a name under configs/)")->required();
  sweep_cmd->add_option("OVERRIDES", sweep_overrides, "key=value; key=a,b,c adds a grid dimension");
  sweep_cmd->add_option("--parallel", sweep_parallel, "Runs at a time (default 1)")->check(CLI::Range(1, 64));
  sweep_cmd->add_flag("--dry-run", sweep_dry, "Only list the runs");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*train_cmd)
      return train(g, train_config, train_overrides, train_name, train_parent, train_resume, train_dry,
                   train_stdin);
    if (*models_cmd) {
      listModels(g);
      return 0;
    }
    if (*sweep_cmd) return sweep(g, argv[0], sweep_config, sweep_overrides, sweep_parallel, sweep_dry);
    createDemo(g, demo_dir, demo_epochs);
  } catch (const CliError& e) {
    std::cerr << "wb: " << e.message << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "wb: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
