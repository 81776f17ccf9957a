// `wb metrics export`: a run's metric series as CSV or JSON.
#include "app/cli/metrics_commands.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/run_repository.h"

namespace wb::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ExportArgs {
  std::string id, output;
  std::vector<std::string> keys;
  bool csv = false, json_series = false;
};

void metricsExport(const Workspace& ws, const std::string& id, std::vector<std::string> keys,
                   bool csv, const std::string& output) {
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  const auto run = unwrap(repo.find(id));
  store::MetricsReader reader(*db);
  const auto available = unwrap(reader.keys(run.id));
  if (keys.empty()) keys = available;
  std::map<std::string, std::vector<store::MetricPoint>> series;
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
    writeSeriesCsv(*out, series);
  } else {
    *out << json{{"run_id", run.id}, {"name", run.name}, {"metrics", seriesToJson(series)}}.dump()
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

}  // namespace

void addMetricsCommands(CLI::App& app, const OpenWorkspace& open_workspace, const bool& json_mode,
                        std::function<void()>& action) {
  auto* metrics = app.add_subcommand("metrics", "Read logged metrics");
  metrics->require_subcommand(1);
  auto* cmd = metrics->add_subcommand("export", "Export a run's metric series as CSV or JSON");
  auto a = std::make_shared<ExportArgs>();
  cmd->add_option("RUN", a->id, "Run id, id prefix or name")->required();
  cmd->add_option("-k,--key", a->keys, "Only these metric keys (default: all)");
  auto* csv_flag = cmd->add_flag("--csv", a->csv, "CSV: key,step,epoch,wall_time,value (default)");
  cmd->add_flag("--json-series", a->json_series, "JSON: per key, arrays of step, epoch, wall_time, value")
      ->excludes(csv_flag);
  cmd->add_option("-o,--output", a->output, "Write to this file instead of standard output");
  setAction(cmd, action, [&json_mode, open = open_workspace, a] {
    // --json alone means JSON series; --csv wins over the global --json.
    const bool csv = !(a->json_series || (json_mode && !a->csv));
    metricsExport(open(), a->id, a->keys, csv, a->output);
  });
}

}  // namespace wb::cli
