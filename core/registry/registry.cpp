#include "core/registry/registry.h"

#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/common/clock.h"
#include "core/common/numbers.h"
#include "core/objects/object_store.h"
#include "core/registry/registry_rows.h"
#include "core/store/database.h"
#include "core/store/types.h"

namespace wb::registry {

using detail::VersionRow;

namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

std::string refText(const std::string& name, int version) {
  return name + "/" + std::to_string(version);
}

Status checkAlias(const std::string& alias) {
  if (alias == "latest")
    return makeError("'latest' is reserved: it always names the newest version");
  if (!isValidAlias(alias))
    return makeError("invalid alias " + quoted(alias) +
                     " (a lower-case letter, then lower-case letters, digits, '_' or '-'; at "
                     "most 64 characters)");
  return {};
}

// Creates NAME if needed and takes its next version number.
Result<std::pair<std::int64_t, int>> claimNumber(store::Database& db, const std::string& name) {
  const double now = unixNow();
  auto create = db.prepare(
      "INSERT INTO registered_models(name, created_at, updated_at) VALUES(?,?,?) "
      "ON CONFLICT(name) DO NOTHING");
  if (!create) return create.error();
  if (auto st = create->bind(1, name).bind(2, now).bind(3, now).run(); !st) return st.error();
  auto take = db.prepare(
      "UPDATE registered_models SET next_version = next_version + 1, updated_at = ? "
      "WHERE name = ? RETURNING id, next_version - 1");
  if (!take) return take.error();
  take->bind(1, now).bind(2, name);
  if (!take->step()) {
    if (take->lastError()) return *take->lastError();
    return makeError("cannot number a new version of " + name);
  }
  std::pair<std::int64_t, int> out{take->columnInt(0), static_cast<int>(take->columnInt(1))};
  take->reset();
  return out;
}

Status insertTags(store::Database& db, std::int64_t version_id,
                  const std::map<std::string, std::string>& tags) {
  auto s = db.prepare("INSERT INTO model_version_tags(version_id, key, value) VALUES(?,?,?)");
  if (!s) return s.error();
  for (const auto& [key, value] : tags) {
    if (key.empty()) return makeError("a tag needs a key (write key=value)");
    if (auto st = s->bind(1, version_id).bind(2, key).bind(3, value).run(); !st) return st;
  }
  return {};
}

Result<std::int64_t> insertVersion(store::Database& db, std::int64_t model_id, int number,
                                   const NewVersion& nv, const std::string& bundle_id,
                                   std::int64_t size) {
  auto s = db.prepare(
      "INSERT INTO model_versions(model_id, version, model_type, source, bundle_id, size_bytes, "
      "run_id, checkpoint, dataset, config_hash, description, signature_json, metrics_json, "
      "lineage_json, exports_json, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,'{}',?)");
  if (!s) return s.error();
  auto dump = [](const nlohmann::json& j) {
    return j.is_null() ? std::string("{}") : j.dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace);
  };
  s->bind(1, model_id).bind(2, number).bind(3, nv.model_type).bind(4, nv.source);
  s->bind(5, bundle_id).bind(6, size).bind(7, nv.run_id).bind(8, nv.checkpoint);
  s->bind(9, nv.dataset).bind(10, nv.config_hash).bind(11, nv.description);
  s->bind(12, dump(nv.signature)).bind(13, dump(nv.metrics)).bind(14, dump(nv.lineage));
  s->bind(15, unixNow());
  if (auto st = s->run(); !st) return st.error();
  return db.lastInsertRowId();
}

Status checkNewVersion(const NewVersion& nv) {
  if (!isValidModelName(nv.name))
    return makeError("invalid model name " + quoted(nv.name) +
                     " (a letter or digit, then letters, digits, '_', '-' or '.'; at most 100 "
                     "characters)");
  if (!nv.alias.empty()) return checkAlias(nv.alias);
  return {};
}

}  // namespace

bool lowerIsBetter(std::string_view metric_key) { return store::lowerIsBetter(metric_key); }

ModelRegistry::ModelRegistry(store::Database& db, objects::ObjectStore& objects)
    : m_db(db), m_objects(objects) {}

Result<ModelVersion> ModelRegistry::registerVersion(const NewVersion& nv, const BundleMaker& make) {
  if (auto st = checkNewVersion(nv); !st) return st.error();
  if (!make) return makeError("registering " + nv.name + ": no bundle maker");
  int number = 0;
  std::string bytes, bundle_id;
  Status st = m_db.writeTransaction([&]() -> Status {
    auto claimed = claimNumber(m_db, nv.name);
    if (!claimed) return claimed.error();
    const auto [model_id, version] = *claimed;
    number = version;
    auto made = make(nv.name, version);
    if (!made) return made.error();
    bytes = std::move(*made);
    auto id = m_objects.put(bytes);
    if (!id) return id.error();
    bundle_id = *id;
    auto row_id = insertVersion(m_db, model_id, version, nv, bundle_id,
                                static_cast<std::int64_t>(bytes.size()));
    if (!row_id) return row_id.error();
    if (auto t = insertTags(m_db, *row_id, nv.tags); !t) return t;
    if (nv.alias.empty()) return {};
    VersionRow to{*row_id, version, false, bundle_id, static_cast<std::int64_t>(bytes.size())};
    const std::string reason = "registered " + refText(nv.name, version);
    auto moved = detail::moveAlias(m_db, model_id, nv.alias, to, reason, nv.actor);
    if (!moved) return moved.error();
    return {};
  });
  if (!st) return st.error();
  // A concurrent delete may have removed the same bytes between put and commit.
  if (!m_objects.exists(bundle_id))
    if (auto again = m_objects.put(bytes); !again) return again.error();
  return detail::loadVersion(m_db, nv.name, number);
}

Result<std::vector<RegisteredModel>> ModelRegistry::models() {
  std::vector<RegisteredModel> out;
  Status st = detail::readSnapshot(m_db, [&]() -> Status {
    auto s = m_db.prepare(
        "SELECT m.id, m.name, m.description, m.created_at, m.updated_at, "
        "coalesce((SELECT max(version) FROM model_versions WHERE model_id = m.id AND archived = "
        "0), 0), (SELECT count(*) FROM model_versions WHERE model_id = m.id) "
        "FROM registered_models m ORDER BY m.name");
    if (!s) return s.error();
    std::map<std::int64_t, std::size_t> index;
    while (s->step()) {
      RegisteredModel m;
      m.name = s->columnText(1);
      m.description = s->columnText(2);
      m.created_at = s->columnDouble(3);
      m.updated_at = s->columnDouble(4);
      m.latest_version = static_cast<int>(s->columnInt(5));
      m.version_count = static_cast<int>(s->columnInt(6));
      index[s->columnInt(0)] = out.size();
      out.push_back(std::move(m));
    }
    if (s->lastError()) return *s->lastError();
    auto a = m_db.prepare(
        "SELECT a.model_id, a.alias, v.version FROM model_aliases a "
        "JOIN model_versions v ON v.id = a.version_id");
    if (!a) return a.error();
    while (a->step())
      if (auto it = index.find(a->columnInt(0)); it != index.end())
        out[it->second].aliases[a->columnText(1)] = static_cast<int>(a->columnInt(2));
    if (a->lastError()) return *a->lastError();
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<RegisteredModel> ModelRegistry::model(const std::string& name) {
  auto all = models();
  if (!all) return all.error();
  for (auto& m : *all)
    if (m.name == name) return std::move(m);
  return makeError("no model named " + quoted(name));
}

Result<std::vector<ModelVersion>> ModelRegistry::versions(const std::string& name) {
  auto id = detail::modelId(m_db, name);
  if (!id) return id.error();
  return detail::selectVersions(m_db, "WHERE v.model_id = ?",
                                [&](store::Statement& s) { s.bind(1, *id); });
}

Result<std::vector<ModelVersion>> ModelRegistry::allVersions() {
  return detail::selectVersions(m_db, "", [](store::Statement&) {});
}

Result<std::string> ModelRegistry::changeStamp() {
  // Every edit goes through touchModel (updated_at = now), so the sum and maximum of
  // updated_at move with it; counts and max ids catch inserts and deletes.
  auto s = m_db.prepare(
      "SELECT (SELECT count(*) FROM registered_models), (SELECT total(updated_at) FROM "
      "registered_models), (SELECT coalesce(max(updated_at), 0) FROM registered_models), "
      "(SELECT count(*) FROM model_versions), (SELECT coalesce(max(id), 0) FROM model_versions), "
      "(SELECT coalesce(max(id), 0) FROM model_alias_events)");
  if (!s) return s.error();
  if (!s->step()) return s->lastError() ? *s->lastError() : makeError("cannot read the registry");
  std::string stamp;
  for (int c = 0; c < 6; ++c) {
    if (c == 1 || c == 2) {  // the doubles' exact bits: no locale, no rounding
      const double d = s->columnDouble(c);
      std::uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      stamp += std::to_string(bits);
    } else {
      stamp += std::to_string(s->columnInt(c));
    }
    stamp += '/';
  }
  return stamp;
}

Result<ModelVersion> ModelRegistry::resolve(const ModelRef& ref) {
  std::optional<ModelVersion> found;
  Status st = detail::readSnapshot(m_db, [&]() -> Status {
    auto id = detail::modelId(m_db, ref.name);
    if (!id) return id.error();
    Result<VersionRow> row = makeError("unresolved");
    switch (ref.kind) {
      case ModelRef::Kind::Version: row = detail::versionRow(m_db, *id, ref.name, ref.version); break;
      case ModelRef::Kind::Latest: row = detail::latestRow(m_db, *id, ref.name); break;
      case ModelRef::Kind::Alias: {
        auto target = detail::aliasTarget(m_db, *id, ref.alias);
        if (!target) return target.error();
        if (!*target) {
          auto list = detail::aliasList(m_db, *id);
          if (!list) return list.error();
          return makeError(ref.name + " has no alias " + quoted(ref.alias) + " (" + *list + ")");
        }
        row = **target;
        break;
      }
    }
    if (!row) return row.error();
    auto v = detail::loadVersion(m_db, ref.name, row->version);
    if (!v) return v.error();
    found = std::move(*v);
    return {};
  });
  if (!st) return st.error();
  return std::move(*found);
}

Result<ModelVersion> ModelRegistry::resolve(std::string_view text) {
  auto ref = ModelRef::parse(text);
  if (!ref) return ref.error();
  return resolve(*ref);
}

Result<std::string> ModelRegistry::bundleBytes(const ModelVersion& version) {
  const std::string what = "the bundle of " + refText(version.model, version.version);
  auto bytes = m_objects.read(version.bundle_id);
  if (!bytes) return makeError(what + " cannot be read: " + bytes.error().text());
  if (objects::sha256Hex(bytes->data(), bytes->size()) != version.bundle_id)
    return makeError(what + " is damaged: its content no longer matches object " +
                     version.bundle_id.substr(0, 12) + " (run wb verify)");
  return bytes;
}

Status ModelRegistry::setAlias(const std::string& name, const std::string& alias, int version,
                               const std::string& reason, const std::string& actor,
                               bool* changed) {
  if (changed) *changed = false;
  if (auto st = checkAlias(alias); !st) return st;
  return m_db.writeTransaction([&]() -> Status {
    auto id = detail::modelId(m_db, name);
    if (!id) return id.error();
    auto row = detail::versionRow(m_db, *id, name, version);
    if (!row) return row.error();
    auto moved = detail::moveAlias(m_db, *id, alias, *row, reason, actor);
    if (!moved) return moved.error();
    if (changed) *changed = *moved;
    return {};
  });
}

Status ModelRegistry::removeAlias(const std::string& name, const std::string& alias,
                                  const std::string& reason, const std::string& actor) {
  return m_db.writeTransaction([&]() -> Status {
    auto id = detail::modelId(m_db, name);
    if (!id) return id.error();
    auto target = detail::aliasTarget(m_db, *id, alias);
    if (!target) return target.error();
    if (!*target) {
      auto list = detail::aliasList(m_db, *id);
      if (!list) return list.error();
      return makeError(name + " has no alias " + quoted(alias) + " (" + *list + ")");
    }
    auto moved = detail::moveAlias(m_db, *id, alias, std::nullopt, reason, actor);
    if (!moved) return moved.error();
    return {};
  });
}

Result<std::vector<AliasEvent>> ModelRegistry::history(const std::string& name) {
  auto id = detail::modelId(m_db, name);
  if (!id) return id.error();
  auto s = m_db.prepare(
      "SELECT id, alias, from_version, to_version, reason, actor, at FROM model_alias_events "
      "WHERE model_id = ? ORDER BY id");
  if (!s) return s.error();
  s->bind(1, *id);
  std::vector<AliasEvent> out;
  while (s->step()) {
    AliasEvent e;
    e.id = s->columnInt(0);
    e.model = name;
    e.alias = s->columnText(1);
    if (!s->columnIsNull(2)) e.from_version = static_cast<int>(s->columnInt(2));
    if (!s->columnIsNull(3)) e.to_version = static_cast<int>(s->columnInt(3));
    e.reason = s->columnText(4);
    e.actor = s->columnText(5);
    e.at = s->columnDouble(6);
    out.push_back(std::move(e));
  }
  if (s->lastError()) return *s->lastError();
  return out;
}

namespace {

// Runs FN on version NAME/VERSION inside one write transaction, then marks the model changed.
Status editVersion(store::Database& db, const std::string& name, int version,
                   const std::function<Status(const VersionRow&)>& fn) {
  return db.writeTransaction([&]() -> Status {
    auto id = detail::modelId(db, name);
    if (!id) return id.error();
    auto row = detail::versionRow(db, *id, name, version);
    if (!row) return row.error();
    if (auto st = fn(*row); !st) return st;
    return detail::touchModel(db, *id);
  });
}

Status runUpdate(store::Database& db, const char* sql,
                 const std::function<void(store::Statement&)>& bind) {
  auto s = db.prepare(sql);
  if (!s) return s.error();
  bind(*s);
  return s->run();
}

}  // namespace

Status ModelRegistry::setArchived(const std::string& name, int version, bool archived) {
  return editVersion(m_db, name, version, [&](const VersionRow& row) {
    return runUpdate(m_db, "UPDATE model_versions SET archived = ? WHERE id = ?",
                     [&](store::Statement& s) { s.bind(1, archived ? 1 : 0).bind(2, row.id); });
  });
}

Status ModelRegistry::setDescription(const std::string& name, int version,
                                     const std::string& text) {
  return editVersion(m_db, name, version, [&](const VersionRow& row) {
    return runUpdate(m_db, "UPDATE model_versions SET description = ? WHERE id = ?",
                     [&](store::Statement& s) { s.bind(1, text).bind(2, row.id); });
  });
}

Status ModelRegistry::setTag(const std::string& name, int version, const std::string& key,
                             const std::string& value) {
  if (key.empty()) return makeError("a tag needs a key (write key=value)");
  return editVersion(m_db, name, version, [&](const VersionRow& row) {
    return runUpdate(m_db,
                     "INSERT INTO model_version_tags(version_id, key, value) VALUES(?,?,?) "
                     "ON CONFLICT(version_id, key) DO UPDATE SET value = excluded.value",
                     [&](store::Statement& s) { s.bind(1, row.id).bind(2, key).bind(3, value); });
  });
}

Status ModelRegistry::removeTag(const std::string& name, int version, const std::string& key) {
  return editVersion(m_db, name, version, [&](const VersionRow& row) -> Status {
    if (auto st = runUpdate(m_db, "DELETE FROM model_version_tags WHERE version_id = ? AND key = ?",
                            [&](store::Statement& s) { s.bind(1, row.id).bind(2, key); });
        !st)
      return st;
    if (m_db.changes() == 0)
      return makeError(refText(name, version) + " has no tag " + quoted(key));
    return {};
  });
}

Status ModelRegistry::recordExport(const std::string& name, int version, const std::string& format,
                                   const nlohmann::json& result) {
  if (format.empty()) return makeError("recordExport: no format");
  return editVersion(m_db, name, version, [&](const VersionRow& row) -> Status {
    auto read = m_db.prepare("SELECT exports_json FROM model_versions WHERE id = ?");
    if (!read) return read.error();
    read->bind(1, row.id);
    if (!read->step()) return read->lastError() ? *read->lastError() : makeError("version vanished");
    auto exports = nlohmann::json::parse(read->columnText(0), nullptr, false);
    read->reset();
    if (!exports.is_object()) exports = nlohmann::json::object();
    nlohmann::json& slot = exports[format];
    if (slot.is_object() && result.is_object())
      slot.update(result);
    else
      slot = result;
    const std::string text = exports.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return runUpdate(m_db, "UPDATE model_versions SET exports_json = ? WHERE id = ?",
                     [&](store::Statement& s) { s.bind(1, text).bind(2, row.id); });
  });
}

namespace {

// Whether anything but version EXCEPT_ID refers to OBJECT_ID.
Result<bool> objectInUse(store::Database& db, const std::string& object_id,
                         std::int64_t except_id) {
  auto s = db.prepare(
      "SELECT EXISTS(SELECT 1 FROM model_versions WHERE bundle_id = ?1 AND id != ?2) "
      "OR EXISTS(SELECT 1 FROM artifacts WHERE object_id = ?1) "
      "OR EXISTS(SELECT 1 FROM dataset_versions WHERE manifest_id = ?1)");
  if (!s) return s.error();
  s->bind(1, object_id).bind(2, except_id);
  if (!s->step()) return s->lastError() ? *s->lastError() : makeError("cannot check references");
  const bool used = s->columnInt(0) != 0;
  s->reset();
  return used;
}

Result<std::vector<std::string>> aliasesOf(store::Database& db, std::int64_t version_id) {
  auto s = db.prepare("SELECT alias FROM model_aliases WHERE version_id = ? ORDER BY alias");
  if (!s) return s.error();
  s->bind(1, version_id);
  std::vector<std::string> out;
  while (s->step()) out.push_back(s->columnText(0));
  if (s->lastError()) return *s->lastError();
  return out;
}

struct PlannedDelete {
  DeletePlan plan;
  VersionRow row;
  std::int64_t model_id = 0;
};

Result<PlannedDelete> planFor(store::Database& db, const objects::ObjectStore& objects,
                              const std::string& name, int version) {
  PlannedDelete p;
  auto id = detail::modelId(db, name);
  if (!id) return id.error();
  auto row = detail::versionRow(db, *id, name, version);
  if (!row) return row.error();
  auto aliases = aliasesOf(db, row->id);
  if (!aliases) return aliases.error();
  auto used = objectInUse(db, row->bundle_id, row->id);
  if (!used) return used.error();
  p.model_id = *id;
  p.row = *row;
  p.plan.model = name;
  p.plan.version = version;
  p.plan.blocking_aliases = std::move(*aliases);
  p.plan.reclaim_bytes = !*used && objects.exists(row->bundle_id) ? row->size_bytes : 0;
  return p;
}

}  // namespace

Result<DeletePlan> ModelRegistry::planDelete(const std::string& name, int version) {
  std::optional<DeletePlan> plan;
  Status st = detail::readSnapshot(m_db, [&]() -> Status {
    auto p = planFor(m_db, m_objects, name, version);
    if (!p) return p.error();
    plan = std::move(p->plan);
    return {};
  });
  if (!st) return st.error();
  return std::move(*plan);
}

Result<DeletePlan> ModelRegistry::deleteVersion(const std::string& name, int version,
                                                const std::string& actor) {
  (void)actor;  // deletions of unaliased versions leave no alias event to attribute
  std::optional<PlannedDelete> planned;
  Status st = m_db.writeTransaction([&]() -> Status {
    auto p = planFor(m_db, m_objects, name, version);
    if (!p) return p.error();
    if (!p->plan.blocking_aliases.empty()) {
      std::string names;
      for (const auto& a : p->plan.blocking_aliases) names += (names.empty() ? "" : ", ") + a;
      return makeError(refText(name, version) + " is named by alias" +
                       (p->plan.blocking_aliases.size() > 1 ? "es " : " ") + names +
                       "; move or remove " +
                       (p->plan.blocking_aliases.size() > 1 ? "them" : "it") + " first");
    }
    if (auto del = runUpdate(m_db, "DELETE FROM model_versions WHERE id = ?",
                             [&](store::Statement& s) { s.bind(1, p->row.id); });
        !del)
      return del;
    planned = std::move(*p);
    return detail::touchModel(m_db, planned->model_id);
  });
  if (!st) return st.error();
  // The file goes after the commit, in a transaction of its own that checks again: a
  // registration of the same bytes either committed first (the file stays) or puts it anew.
  if (planned->plan.reclaim_bytes > 0) {
    const std::string id = planned->row.bundle_id;
    // A failure here leaves only an unreferenced object, which wb gc removes.
    (void)m_db.writeTransaction([&]() -> Status {
      auto used = objectInUse(m_db, id, 0);
      if (!used) return used.error();
      std::error_code ec;
      if (!*used) std::filesystem::remove(m_objects.pathOf(id), ec);  // gone already: fine
      return {};
    });
  }
  return std::move(planned->plan);
}

}  // namespace wb::registry
