#include "core/registry/registry_rows.h"

#include <unordered_map>

#include "core/common/clock.h"
#include "core/store/database.h"

namespace wb::registry::detail {

namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

nlohmann::json parseJson(const std::string& text, nlohmann::json fallback) {
  if (text.empty()) return fallback;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

constexpr std::string_view kVersionColumns =
    "SELECT v.id, m.name, v.version, v.archived, v.model_type, v.source, v.bundle_id, "
    "v.size_bytes, v.run_id, v.checkpoint, v.dataset, v.config_hash, v.description, "
    "v.signature_json, v.metrics_json, v.lineage_json, v.exports_json, v.created_at "
    "FROM model_versions v JOIN registered_models m ON m.id = v.model_id ";

ModelVersion readVersion(const store::Statement& s) {
  ModelVersion v;
  v.id = s.columnInt(0);
  v.model = s.columnText(1);
  v.version = static_cast<int>(s.columnInt(2));
  v.archived = s.columnInt(3) != 0;
  v.model_type = s.columnText(4);
  v.source = s.columnText(5);
  v.bundle_id = s.columnText(6);
  v.size_bytes = s.columnInt(7);
  v.run_id = s.columnText(8);
  v.checkpoint = s.columnText(9);
  v.dataset = s.columnText(10);
  v.config_hash = s.columnText(11);
  v.description = s.columnText(12);
  v.signature = parseJson(s.columnText(13), nlohmann::json::object());
  v.metrics = parseJson(s.columnText(14), nlohmann::json::object());
  v.lineage = parseJson(s.columnText(15), nlohmann::json::object());
  v.exports = parseJson(s.columnText(16), nlohmann::json::object());
  if (!v.exports.is_object()) v.exports = nlohmann::json::object();
  v.created_at = s.columnDouble(17);
  return v;
}

VersionRow readRow(const store::Statement& s) {
  return {s.columnInt(0), static_cast<int>(s.columnInt(1)), s.columnInt(2) != 0, s.columnText(3),
          s.columnInt(4)};
}

constexpr std::string_view kRowColumns =
    "SELECT id, version, archived, bundle_id, size_bytes FROM model_versions ";

Status stepError(const store::Statement& s) {
  if (s.lastError()) return *s.lastError();
  return {};
}

}  // namespace

Status readSnapshot(store::Database& db, const std::function<Status()>& fn) {
  if (auto st = db.exec("SAVEPOINT registry_read"); !st) return st;
  Status result = fn();
  (void)db.exec("RELEASE registry_read");
  return result;
}

Result<std::int64_t> modelId(store::Database& db, const std::string& name) {
  auto s = db.prepare("SELECT id FROM registered_models WHERE name = ?");
  if (!s) return s.error();
  s->bind(1, name);
  if (s->step()) return s->columnInt(0);
  if (auto st = stepError(*s); !st) return st.error();
  return makeError("no model named " + quoted(name));
}

Result<std::string> versionList(store::Database& db, std::int64_t model_id) {
  auto s = db.prepare("SELECT version FROM model_versions WHERE model_id = ? ORDER BY version");
  if (!s) return s.error();
  s->bind(1, model_id);
  std::vector<int> versions;
  while (s->step()) versions.push_back(static_cast<int>(s->columnInt(0)));
  if (auto st = stepError(*s); !st) return st.error();
  if (versions.empty()) return std::string("no versions");
  if (versions.size() == 1) return "version " + std::to_string(versions.front());
  if (versions.back() - versions.front() + 1 == static_cast<int>(versions.size()))
    return "versions " + std::to_string(versions.front()) + "\u2013" +
           std::to_string(versions.back());
  constexpr std::size_t kShown = 10;
  std::string out = "versions ";
  for (std::size_t i = 0; i < versions.size() && i < kShown; ++i)
    out += (i ? ", " : "") + std::to_string(versions[i]);
  if (versions.size() > kShown) out += ", \u2026 " + std::to_string(versions.back());
  return out;
}

Result<std::string> aliasList(store::Database& db, std::int64_t model_id) {
  auto s = db.prepare("SELECT alias FROM model_aliases WHERE model_id = ? ORDER BY alias");
  if (!s) return s.error();
  s->bind(1, model_id);
  std::string out;
  while (s->step()) out += (out.empty() ? "" : ", ") + s->columnText(0);
  if (auto st = stepError(*s); !st) return st.error();
  return out.empty() ? std::string("no aliases") : "aliases: " + out;
}

Result<VersionRow> versionRow(store::Database& db, std::int64_t model_id, const std::string& name,
                              int version) {
  auto s = db.prepare(std::string(kRowColumns) + "WHERE model_id = ? AND version = ?");
  if (!s) return s.error();
  s->bind(1, model_id).bind(2, version);
  if (s->step()) return readRow(*s);
  if (auto st = stepError(*s); !st) return st.error();
  auto list = versionList(db, model_id);
  if (!list) return list.error();
  return makeError(name + " has no version " + std::to_string(version) + " (" + *list + ")");
}

Result<std::optional<VersionRow>> aliasTarget(store::Database& db, std::int64_t model_id,
                                              const std::string& alias) {
  auto s = db.prepare(std::string(kRowColumns) +
                      "WHERE id = (SELECT version_id FROM model_aliases WHERE model_id = ? AND "
                      "alias = ?)");
  if (!s) return s.error();
  s->bind(1, model_id).bind(2, alias);
  if (s->step()) return std::optional<VersionRow>(readRow(*s));
  if (auto st = stepError(*s); !st) return st.error();
  return std::optional<VersionRow>();
}

Result<VersionRow> latestRow(store::Database& db, std::int64_t model_id, const std::string& name) {
  auto s = db.prepare(std::string(kRowColumns) +
                      "WHERE model_id = ? AND archived = 0 ORDER BY version DESC LIMIT 1");
  if (!s) return s.error();
  s->bind(1, model_id);
  if (s->step()) return readRow(*s);
  if (auto st = stepError(*s); !st) return st.error();
  auto list = versionList(db, model_id);
  if (!list) return list.error();
  if (*list == "no versions") return makeError(name + " has no versions");
  return makeError("every version of " + name + " is archived (" + *list + "); name one as " +
                   name + "/N");
}

Status touchModel(store::Database& db, std::int64_t model_id) {
  auto s = db.prepare("UPDATE registered_models SET updated_at = ? WHERE id = ?");
  if (!s) return s.error();
  return s->bind(1, unixNow()).bind(2, model_id).run();
}

Result<bool> moveAlias(store::Database& db, std::int64_t model_id, const std::string& alias,
                       const std::optional<VersionRow>& to, const std::string& reason,
                       const std::string& actor) {
  auto from = aliasTarget(db, model_id, alias);
  if (!from) return from.error();
  if ((!*from && !to) || (*from && to && (*from)->id == to->id)) return false;
  const double now = unixNow();
  auto change = to ? db.prepare(
                         "INSERT INTO model_aliases(model_id, alias, version_id, updated_at) "
                         "VALUES(?,?,?,?) ON CONFLICT(model_id, alias) DO UPDATE SET "
                         "version_id = excluded.version_id, updated_at = excluded.updated_at")
                   : db.prepare("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?");
  if (!change) return change.error();
  change->bind(1, model_id).bind(2, alias);
  if (to) change->bind(3, to->id).bind(4, now);
  if (auto st = change->run(); !st) return st.error();
  auto event = db.prepare(
      "INSERT INTO model_alias_events(model_id, alias, from_version, to_version, reason, actor, "
      "at) VALUES(?,?,?,?,?,?,?)");
  if (!event) return event.error();
  event->bind(1, model_id).bind(2, alias);
  if (*from) event->bind(3, (*from)->version); else event->bindNull(3);
  if (to) event->bind(4, to->version); else event->bindNull(4);
  event->bind(5, reason).bind(6, actor).bind(7, now);
  if (auto st = event->run(); !st) return st.error();
  if (auto st = touchModel(db, model_id); !st) return st.error();
  return true;
}

Result<std::vector<ModelVersion>> selectVersions(
    store::Database& db, std::string_view where,
    const std::function<void(store::Statement&)>& bind) {
  std::vector<ModelVersion> out;
  Status st = readSnapshot(db, [&]() -> Status {
    auto rows = db.prepare(std::string(kVersionColumns) + std::string(where) +
                           " ORDER BY m.name, v.version DESC");
    if (!rows) return rows.error();
    bind(*rows);
    while (rows->step()) out.push_back(readVersion(*rows));
    if (auto e = stepError(*rows); !e) return e;
    std::unordered_map<std::int64_t, std::size_t> index;
    index.reserve(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) index.emplace(out[i].id, i);
    const std::string joins =
        " JOIN model_versions v ON v.id = x.version_id JOIN registered_models m ON m.id = "
        "v.model_id ";
    auto tags = db.prepare("SELECT x.version_id, x.key, x.value FROM model_version_tags x" +
                           joins + std::string(where));
    if (!tags) return tags.error();
    bind(*tags);
    while (tags->step())
      if (auto it = index.find(tags->columnInt(0)); it != index.end())
        out[it->second].tags[tags->columnText(1)] = tags->columnText(2);
    if (auto e = stepError(*tags); !e) return e;
    auto aliases = db.prepare("SELECT x.version_id, x.alias FROM model_aliases x" + joins +
                              std::string(where) + " ORDER BY x.alias");
    if (!aliases) return aliases.error();
    bind(*aliases);
    while (aliases->step())
      if (auto it = index.find(aliases->columnInt(0)); it != index.end())
        out[it->second].aliases.push_back(aliases->columnText(1));
    return stepError(*aliases);
  });
  if (!st) return st.error();
  return out;
}

Result<ModelVersion> loadVersion(store::Database& db, const std::string& name, int version) {
  auto found = selectVersions(db, "WHERE m.name = ? AND v.version = ?",
                              [&](store::Statement& s) { s.bind(1, name).bind(2, version); });
  if (!found) return found.error();
  if (found->empty()) return makeError(name + " has no version " + std::to_string(version));
  return std::move(found->front());
}

}  // namespace wb::registry::detail
