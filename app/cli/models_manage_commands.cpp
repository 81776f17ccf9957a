// `wb models promote|rm|export --format bundle`: the registry commands that move production,
// free space or write files. Parsing and printing only; the work is in core/registry.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/cli_errors.h"
#include "app/cli/models_commands.h"
#include "app/cli/models_output.h"
#include "core/common/files.h"
#include "core/common/text_format.h"
#include "core/registry/bundle.h"
#include "core/registry/model_ref.h"

namespace wb::cli {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------------------------------------
// promote

json gateToJson(const registry::GateResult& r, const registry::PromoteRequest& q) {
  json checks = json::array();
  for (const auto& c : r.checks)
    checks.push_back({{"condition", c.condition}, {"passed", c.passed}, {"detail", c.detail}});
  return json{{"model", q.name},
              {"passed", r.passed},
              {"candidate", r.candidate},
              {"to", q.to},
              {"previous", r.previous ? json(*r.previous) : json(nullptr)},
              {"moved", r.moved},
              {"dry_run", q.dry_run},
              {"checks", checks}};
}

// One line per check, then what happened to the alias.
void printGate(const registry::GateResult& r, const registry::PromoteRequest& q) {
  std::cout << "Candidate " << q.name << "/" << r.candidate << " for " << q.name << "@" << q.to
            << " (now " << versionText(r.previous) << ")\n";
  for (const auto& c : r.checks)
    std::cout << (c.passed ? "  PASS  " : "  FAIL  ") << c.condition << (c.detail.empty() ? "" : "   " + c.detail)
              << '\n';
  if (r.checks.empty()) std::cout << "  (no conditions)\n";
  const std::string label = q.name + "@" + q.to;
  if (!r.passed)
    std::cout << "Gate failed: " << label << " unchanged (" << versionText(r.previous) << ")\n";
  else if (q.dry_run)
    std::cout << "Gate passed (dry run): would move " << label << " " << versionText(r.previous) << " → v"
              << r.candidate << '\n';
  else if (r.moved)
    std::cout << "Promoted: " << label << " " << versionText(r.previous) << " → v" << r.candidate << '\n';
  else
    std::cout << "Gate passed: " << label << " already points at v" << r.candidate << '\n';
}

void modelsPromote(const Workspace& ws, bool json_mode, registry::PromoteRequest q) {
  if (!q.better_than.empty() && q.metric.empty()) fail("--better-than needs --metric (e.g. test/accuracy)");
  if (q.better_than.empty() && !q.metric.empty()) fail("--metric needs --better-than (an alias or version)");
  q.actor = cliActor("promote");
  RegistryHandle reg(ws);
  const auto r = unwrap(reg->promote(q));
  if (json_mode)
    std::cout << gateToJson(r, q).dump(2) << '\n';
  else
    printGate(r, q);
  if (r.passed) return;
  std::string failed;
  for (const auto& c : r.checks)
    if (!c.passed) failed += (failed.empty() ? "" : "; ") + c.condition + (c.detail.empty() ? "" : " (" + c.detail + ")");
  throw CliError{"quality gate failed: " + failed + "; " + q.name + "@" + q.to + " unchanged", kExitGateFailed};
}

// ---------------------------------------------------------------------------------------------
// rm

struct RemoveArgs {
  std::string ref;
  bool yes = false, dry_run = false;
};

bool confirmed(const std::string& question) {
  if (!::isatty(STDIN_FILENO)) return false;
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void modelsRemove(const Workspace& ws, bool json_mode, const RemoveArgs& a) {
  const auto ref = unwrap(registry::ModelRef::parse(a.ref));
  if (ref.kind != registry::ModelRef::Kind::Version)
    fail("rm deletes one version: name it by number (" + ref.name + "/3), not '" + a.ref + "'");
  RegistryHandle reg(ws);
  const auto plan = unwrap(reg->planDelete(ref.name, ref.version));
  const std::string what = ref.name + "/" + std::to_string(ref.version);
  const std::string bytes = formatBytes(static_cast<std::uint64_t>(plan.reclaim_bytes)) + " (" +
                            std::to_string(plan.reclaim_bytes) + " bytes)";
  auto report = [&](bool deleted) {
    if (json_mode)
      std::cout << json{{"ref", what}, {"deleted", deleted}, {"dry_run", a.dry_run},
                        {"reclaim_bytes", plan.reclaim_bytes}, {"blocking_aliases", plan.blocking_aliases}}
                       .dump(2)
                << '\n';
    else
      std::cout << (deleted ? "deleted " + what + ", freed " : "would delete " + what + " and free ") << bytes << '\n';
  };
  if (a.dry_run && plan.blocking_aliases.empty()) return report(false);
  if (!plan.blocking_aliases.empty() && a.dry_run) {
    std::string aliases;
    for (const auto& al : plan.blocking_aliases) aliases += (aliases.empty() ? "" : ", ") + ref.name + "@" + al;
    fail(what + " cannot be deleted while " + aliases + " point" + (plan.blocking_aliases.size() == 1 ? "s" : "") +
         " at it: move or remove the alias first");
  }
  if (!plan.blocking_aliases.empty()) {
    // The registry refuses and says which alias to move: its words, not ours.
    auto refused = reg->deleteVersion(ref.name, ref.version, cliActor("rm"));
    if (!refused) fail(refused.error().text());
    fail(what + " is aliased (" + plan.blocking_aliases.front() + ") but was deleted: report this");
  }
  if (!a.yes && !confirmed("Delete " + what + " and free " + bytes + "?"))
    fail("not deleted: pass --yes to delete " + what + " (frees " + bytes + "), or --dry-run to preview");
  (void)unwrap(reg->deleteVersion(ref.name, ref.version, cliActor("rm")));
  report(true);
}

void addPromote(CLI::App& models, const std::function<Workspace()>& open, const bool& json_mode,
                std::function<void()>& action) {
  auto* cmd = models.add_subcommand(
      "promote", "Move an alias to a version through a quality gate; a failing gate exits 2 and changes nothing");
  auto q = std::make_shared<registry::PromoteRequest>();
  q->from = "";
  cmd->add_option("NAME", q->name, "Model name")->required();
  cmd->add_option("--from", q->from, "The candidate: an alias or version number (default: latest)");
  cmd->add_option("--to", q->to, "The alias to move (production, …)")->required();
  cmd->add_option("--require", q->require, "A condition in the Runs filter grammar: \"test/accuracy >= 0.95\" (repeatable)");
  cmd->add_option("--better-than", q->better_than, "An alias or version the candidate must beat on --metric");
  cmd->add_option("--metric", q->metric, "The metric --better-than compares (loss-like keys: lower is better)");
  cmd->add_flag("--dry-run", q->dry_run, "Evaluate the gate only");
  cmd->add_option("--reason", q->reason, "Why, for the audit log");
  setAction(cmd, action, [&json_mode, open, q] { modelsPromote(open(), json_mode, *q); });
}

void addRemove(CLI::App& models, const std::function<Workspace()>& open, const bool& json_mode,
               std::function<void()>& action) {
  auto* cmd = models.add_subcommand("rm", "Delete a version (refused while an alias points at it), freeing its bundle");
  auto a = std::make_shared<RemoveArgs>();
  cmd->add_option("REF", a->ref, "NAME/VERSION")->required();
  cmd->add_flag("-y,--yes", a->yes, "Delete without asking");
  cmd->add_flag("--dry-run", a->dry_run, "Only show what would be freed");
  setAction(cmd, action, [&json_mode, open, a] { modelsRemove(open(), json_mode, *a); });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// export --format bundle

void exportBundle(const Workspace& ws, bool json_mode, const ModelsExportArgs& a) {
  RegistryHandle reg(ws);
  const auto v = unwrap(reg->resolve(a.ref));
  const auto bytes = unwrap(reg->bundleBytes(v));
  (void)unwrap(registry::readBundle(bytes, versionRef(v)));  // never hand out a damaged bundle
  check(writeFileAtomic(a.output, bytes));
  if (json_mode) {
    std::cout << json{{"ref", versionRef(v)}, {"format", "bundle"}, {"file", a.output},
                      {"size_bytes", bytes.size()}, {"sha256", v.bundle_id}}.dump(2)
              << '\n';
    return;
  }
  std::cout << "exported " << versionRef(v) << " to " << a.output << " (" << formatBytes(bytes.size())
            << ", sha256 " << v.bundle_id << ")\n";
}

void addModelsManageCommands(CLI::App& models, const std::function<Workspace()>& open, const bool& json_mode,
                             std::function<void()>& action) {
  addPromote(models, open, json_mode, action);
  addRemove(models, open, json_mode, action);
}

}  // namespace wb::cli
