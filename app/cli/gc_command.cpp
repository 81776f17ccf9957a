#include "app/cli/gc_command.h"

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "core/common/text_format.h"
#include "core/objects/gc.h"

namespace wb::cli {

namespace {

using nlohmann::json;

struct GcArgs {
  bool dry_run = false;
  double grace_s = objects::kDefaultGcGraceSeconds;
};

json reportJson(const objects::GcReport& r, bool dry_run) {
  return json{{"dry_run", dry_run},
              {"objects", r.objects},
              {"referenced", r.referenced},
              {"missing", r.missing},
              {"unreferenced", r.unreferenced},
              {"unreferenced_bytes", r.unreferenced_bytes},
              {"temp_files", r.temp_files},
              {"temp_bytes", r.temp_bytes},
              {"kept_young", r.kept_young},
              {"stray_files", r.stray_files},
              {"db_bytes_before", r.db_bytes_before},
              {"db_bytes_after", r.db_bytes_after},
              {"db_needs_vacuum", r.db_needs_vacuum},
              {"freed_bytes", r.freedBytes()}};
}

void printReport(const objects::GcReport& r, const GcArgs& a) {
  const char* verb = a.dry_run ? "Would remove " : "Removed ";
  std::cout << verb << r.unreferenced << " unreferenced object" << (r.unreferenced == 1 ? "" : "s")
            << " (" << formatBytes(r.unreferenced_bytes) << ")";
  if (r.temp_files > 0)
    std::cout << " and " << r.temp_files << " temp file" << (r.temp_files == 1 ? "" : "s")
              << " left by interrupted writes (" << formatBytes(r.temp_bytes) << ")";
  std::cout << ".\n";
  const std::uint64_t db_freed = r.db_bytes_before > r.db_bytes_after ? r.db_bytes_before - r.db_bytes_after : 0;
  std::cout << "Database: " << formatBytes(r.db_bytes_before)
            << (a.dry_run ? ", would shrink by about " : ", shrank by ") << formatBytes(db_freed)
            << (r.db_needs_vacuum && a.dry_run ? " (one full VACUUM to turn on incremental vacuum)" : "")
            << ".\n";
  if (r.kept_young > 0)
    std::cout << "Kept " << r.kept_young << " unreferenced object" << (r.kept_young == 1 ? "" : "s")
              << " younger than " << formatDuration(a.grace_s)
              << " (a running import or run may be about to use them).\n";
  if (r.missing > 0)
    std::cout << r.missing << " referenced object" << (r.missing == 1 ? " is" : "s are")
              << " missing from the store; `wb data verify` names them.\n";
  std::cout << (a.dry_run ? "In all " : "Freed ") << formatBytes(r.freedBytes())
            << (a.dry_run ? " would be freed. Run `wb gc` to remove them.\n" : ".\n");
}

void runGc(const Workspace& ws, bool json_mode, const GcArgs& a) {
  objects::GcOptions o;
  o.mode = a.dry_run ? objects::GcMode::DryRun : objects::GcMode::Delete;
  o.grace_s = a.grace_s;
  const auto report = unwrap(objects::collectGarbage(ws, o));
  if (json_mode)
    std::cout << reportJson(report, a.dry_run).dump() << '\n';
  else
    printReport(report, a);
}

}  // namespace

void addGcCommand(CLI::App& app, const std::function<Workspace()>& open_workspace,
                  const bool& json_mode, std::function<void()>& action) {
  auto* gc = app.add_subcommand(
      "gc", "Remove objects nothing refers to any more (old checkpoints, deleted runs' "
            "artifacts, interrupted imports) and give free database space back");
  auto args = std::make_shared<GcArgs>();  // the callbacks keep it alive
  gc->add_flag("--dry-run,-n", args->dry_run, "Only report what would be removed and freed");
  gc->add_option("--grace", args->grace_s,
                 "Keep unreferenced objects younger than this many seconds (default 3600): "
                 "running imports and runs may be about to refer to them")
      ->check(CLI::NonNegativeNumber);
  gc->callback([&action, open_workspace, &json_mode, args] {
    action = [open_workspace, &json_mode, args] { runGc(open_workspace(), json_mode, *args); };
  });
}

}  // namespace wb::cli
