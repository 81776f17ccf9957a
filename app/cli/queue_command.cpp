#include "app/cli/queue_command.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_output.h"
#include "core/common/clock.h"
#include "core/common/text_format.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/train/run_slots.h"

namespace wb::cli {

namespace {

using nlohmann::json;

void showQueue(const Workspace& ws, bool json_mode, int set_limit) {
  if (set_limit >= 0) check(train::setRunLimit(ws, set_limit));
  auto db = unwrap(ws.connect());
  store::RunRepository repo(*db);
  (void)repo.reapDeadRuns();  // a run whose process died is not waiting any more
  std::vector<store::Run> running, queued;
  {
    store::RunFilter f;
    f.status = store::RunStatus::Running;
    running = unwrap(repo.list(f));
    f.status = store::RunStatus::Queued;
    queued = unwrap(repo.list(f));
  }
  std::sort(queued.begin(), queued.end(),
            [](const store::Run& a, const store::Run& b) { return a.created_at < b.created_at; });
  const int limit = train::runLimit(ws);
  const int busy = train::busyRunSlots(ws);
  const double now = unixNow();
  if (json_mode) {
    auto row = [&](const store::Run& r, int position) {
      json j{{"id", r.id}, {"name", r.name}, {"status", store::toString(r.status)}, {"pid", r.pid},
             {"created_at", r.created_at}};
      if (position >= 0) j["position"] = position;
      if (r.started_at) j["started_at"] = *r.started_at;
      return j;
    };
    json runs_json = json::array(), queued_json = json::array();
    for (const auto& r : running) runs_json.push_back(row(r, -1));
    for (std::size_t i = 0; i < queued.size(); ++i) queued_json.push_back(row(queued[i], static_cast<int>(i)));
    std::cout << json{{"limit", limit}, {"default_limit", train::defaultRunLimit()}, {"busy", busy},
                      {"running", runs_json}, {"queued", queued_json}}.dump()
              << '\n';
    return;
  }
  std::cout << "Run queue: " << busy << " of " << limit << " slot" << (limit == 1 ? "" : "s") << " in use"
            << (limit == train::defaultRunLimit() ? " (default: 1 run per 2 cores)" : "") << '\n';
  if (running.empty() && queued.empty()) {
    std::cout << "No runs are running or waiting.\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"#", "RUN", "ID", "STATUS", "PID", "FOR"}};
  // Runs logged with `wb log` are running without a slot; only `wb train` runs take one.
  for (const auto& r : running)
    rows.push_back({"", r.name, r.id.substr(0, 8), "running", std::to_string(r.pid),
                    formatDuration(now - r.started_at.value_or(r.created_at))});
  for (std::size_t i = 0; i < queued.size(); ++i)
    rows.push_back({std::to_string(i + 1), queued[i].name, queued[i].id.substr(0, 8), "queued",
                    std::to_string(queued[i].pid), formatDuration(now - queued[i].created_at)});
  printTable(std::cout, rows);
}

}  // namespace

void addQueueCommand(CLI::App& app, const std::function<Workspace()>& open_workspace,
                     const bool& json_mode, std::function<void()>& action) {
  auto* queue = app.add_subcommand(
      "queue", "Show the run queue (running and waiting runs); --limit sets how many run at once");
  auto limit = std::make_shared<int>(-1);  // the callbacks keep it alive
  queue->add_option("--limit", *limit,
                    "Runs of this workspace that train at once, shared by the GUI and the CLI "
                    "(0: default, 1 per 2 cores)")
      ->check(CLI::Range(0, 256));
  queue->callback([&action, open_workspace, &json_mode, limit] {
    action = [open_workspace, &json_mode, limit] { showQueue(open_workspace(), json_mode, *limit); };
  });
}

}  // namespace wb::cli
