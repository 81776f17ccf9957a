#include "core/data/dataset_repository.h"

#include <cctype>
#include <charconv>

#include "core/common/clock.h"
#include "core/store/database.h"

namespace wb::data {

namespace {

constexpr const char* kVersionColumns =
    "v.id, v.dataset_id, d.name, d.kind, v.version, v.parent_version, v.manifest_id, v.message, "
    "v.source, v.storage, v.created_at, v.sample_count, v.problem_count, v.total_bytes, "
    "v.stats_json";
constexpr const char* kVersionFrom =
    " FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id";

DatasetVersion readVersion(const store::Statement& s) {
  DatasetVersion v;
  v.id = s.columnInt(0);
  v.dataset_id = s.columnInt(1);
  v.dataset = s.columnText(2);
  v.kind = datasetKindFromString(s.columnText(3));
  v.version = static_cast<int>(s.columnInt(4));
  if (!s.columnIsNull(5)) v.parent_version = static_cast<int>(s.columnInt(5));
  v.manifest_id = s.columnText(6);
  v.message = s.columnText(7);
  v.source = s.columnText(8);
  v.storage = storageFromString(s.columnText(9));
  v.created_at = s.columnDouble(10);
  v.sample_count = s.columnInt(11);
  v.problem_count = s.columnInt(12);
  v.total_bytes = s.columnInt(13);
  v.stats_json = s.columnText(14);
  return v;
}

bool validName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

}  // namespace

Result<DatasetRef> DatasetRef::parse(std::string_view text) {
  DatasetRef ref;
  const auto at = text.find('@');
  ref.name = std::string(text.substr(0, at));
  if (!validName(ref.name))
    return makeError("a dataset name uses letters, digits, '-', '_' and '.'", std::string(text));
  if (at == std::string_view::npos) return ref;
  std::string_view v = text.substr(at + 1);
  if (v == "latest") return ref;
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  int n = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || n <= 0)
    return makeError("expected NAME@VERSION with a version number >= 1 or 'latest'",
                     std::string(text));
  ref.version = n;
  return ref;
}

Result<std::vector<DatasetInfo>> DatasetRepository::list() {
  auto stmt = m_db.prepare(
      "SELECT d.id, d.name, d.kind, d.description, d.created_at, coalesce(max(v.version),0), "
      "count(v.id) FROM datasets d LEFT JOIN dataset_versions v ON v.dataset_id = d.id "
      "GROUP BY d.id ORDER BY d.name");
  if (!stmt) return stmt.error();
  std::vector<DatasetInfo> out;
  while (stmt->step()) {
    DatasetInfo d;
    d.id = stmt->columnInt(0);
    d.name = stmt->columnText(1);
    d.kind = datasetKindFromString(stmt->columnText(2));
    d.description = stmt->columnText(3);
    d.created_at = stmt->columnDouble(4);
    d.latest_version = static_cast<int>(stmt->columnInt(5));
    d.version_count = static_cast<int>(stmt->columnInt(6));
    out.push_back(std::move(d));
  }
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Result<std::optional<DatasetInfo>> DatasetRepository::find(const std::string& name) {
  auto all = list();
  if (!all) return all.error();
  for (auto& d : *all)
    if (d.name == name) return std::optional<DatasetInfo>(std::move(d));
  return std::optional<DatasetInfo>();
}

Result<std::vector<DatasetVersion>> DatasetRepository::versions(const std::string& name) {
  auto stmt = m_db.prepare(std::string("SELECT ") + kVersionColumns + kVersionFrom +
                           " WHERE d.name = ? ORDER BY v.version");
  if (!stmt) return stmt.error();
  stmt->bind(1, name);
  std::vector<DatasetVersion> out;
  while (stmt->step()) out.push_back(readVersion(*stmt));
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

Result<DatasetVersion> DatasetRepository::resolve(const std::string& text) {
  auto ref = DatasetRef::parse(text);
  if (!ref) return ref.error();
  auto stmt = m_db.prepare(
      std::string("SELECT ") + kVersionColumns + kVersionFrom +
      (ref->version > 0 ? " WHERE d.name = ? AND v.version = ?"
                        : " WHERE d.name = ? ORDER BY v.version DESC LIMIT 1"));
  if (!stmt) return stmt.error();
  stmt->bind(1, ref->name);
  if (ref->version > 0) stmt->bind(2, ref->version);
  if (stmt->step()) return readVersion(*stmt);
  if (stmt->lastError()) return *stmt->lastError();
  auto exists = find(ref->name);
  if (exists && !exists->has_value()) return makeError("no such dataset", ref->name);
  return makeError("no such version (latest is " +
                       std::to_string(exists && exists->has_value() ? (*exists)->latest_version : 0) +
                       ")",
                   text);
}

Result<DatasetVersion> DatasetRepository::version(std::int64_t version_id) {
  auto stmt = m_db.prepare(std::string("SELECT ") + kVersionColumns + kVersionFrom + " WHERE v.id = ?");
  if (!stmt) return stmt.error();
  stmt->bind(1, version_id);
  if (stmt->step()) return readVersion(*stmt);
  if (stmt->lastError()) return *stmt->lastError();
  return makeError("no dataset version with id " + std::to_string(version_id));
}

Result<DatasetVersion> DatasetRepository::addVersion(const NewDatasetVersion& spec) {
  if (!validName(spec.dataset))
    return makeError("a dataset name uses letters, digits, '-', '_' and '.'", spec.dataset);
  std::int64_t new_id = 0;
  Status st = m_db.writeTransaction([&]() -> Status {
    const double now = unixNow();
    auto ins = m_db.prepare(
        "INSERT INTO datasets(name, kind, created_at) VALUES(?,?,?) ON CONFLICT(name) DO NOTHING");
    if (!ins) return ins.error();
    if (auto s = ins->bind(1, spec.dataset).bind(2, toString(spec.kind)).bind(3, now).run(); !s)
      return s;
    auto q = m_db.prepare(
        "SELECT d.id, d.kind, coalesce(max(v.version),0) FROM datasets d LEFT JOIN "
        "dataset_versions v ON v.dataset_id = d.id WHERE d.name = ? GROUP BY d.id");
    if (!q) return q.error();
    q->bind(1, spec.dataset);
    if (!q->step()) return makeError("cannot create the dataset", spec.dataset);
    const std::int64_t dataset_id = q->columnInt(0);
    const std::string kind = q->columnText(1);
    const int latest = static_cast<int>(q->columnInt(2));
    if (kind != toString(spec.kind))
      return makeError("the dataset holds " + kind + ", not " + std::string(toString(spec.kind)),
                       spec.dataset);
    auto v = m_db.prepare(
        "INSERT INTO dataset_versions(dataset_id, version, parent_version, manifest_id, message, "
        "source, storage, created_at, sample_count, problem_count, total_bytes, stats_json) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!v) return v.error();
    v->bind(1, dataset_id).bind(2, latest + 1);
    const std::optional<int> parent =
        spec.parent_version ? spec.parent_version
                            : (latest > 0 ? std::optional<int>(latest) : std::nullopt);
    if (parent)
      v->bind(3, *parent);
    else
      v->bindNull(3);
    v->bind(4, spec.manifest_id)
        .bind(5, spec.message)
        .bind(6, spec.source)
        .bind(7, toString(spec.storage))
        .bind(8, now)
        .bind(9, static_cast<std::int64_t>(spec.stats.samples))
        .bind(10, static_cast<std::int64_t>(spec.stats.problems))
        .bind(11, static_cast<std::int64_t>(spec.stats.total_bytes))
        .bind(12, spec.stats.toJson());
    if (auto s = v->run(); !s) return s;
    new_id = m_db.lastInsertRowId();
    return {};
  });
  if (!st) return st.error();
  return version(new_id);
}

Status DatasetRepository::remove(const std::string& name) {
  return m_db.writeTransaction([&]() -> Status {
    auto used = m_db.prepare(
        "SELECT count(*) FROM run_inputs i JOIN dataset_versions v ON v.id = i.dataset_version_id "
        "JOIN datasets d ON d.id = v.dataset_id WHERE d.name = ?");
    if (!used) return used.error();
    used->bind(1, name);
    if (used->step() && used->columnInt(0) > 0)
      return makeError(std::to_string(used->columnInt(0)) +
                           " run(s) trained on it; delete those runs first",
                       name);
    auto del = m_db.prepare("DELETE FROM datasets WHERE name = ?");
    if (!del) return del.error();
    if (auto s = del->bind(1, name).run(); !s) return s;
    if (m_db.changes() == 0) return makeError("no such dataset", name);
    return {};
  });
}

Status DatasetRepository::linkRun(const std::string& run_id, std::int64_t version_id,
                                  const std::string& role) {
  return m_db.writeTransaction([&]() -> Status {
    auto stmt = m_db.prepare(
        "INSERT OR IGNORE INTO run_inputs(run_id, dataset_version_id, role) VALUES(?,?,?)");
    if (!stmt) return stmt.error();
    return stmt->bind(1, run_id).bind(2, version_id).bind(3, role).run();
  });
}

Result<std::vector<std::pair<DatasetVersion, std::string>>> DatasetRepository::runInputs(
    const std::string& run_id) {
  auto stmt = m_db.prepare(std::string("SELECT ") + kVersionColumns + ", i.role" + kVersionFrom +
                           " JOIN run_inputs i ON i.dataset_version_id = v.id WHERE i.run_id = ? "
                           "ORDER BY i.role, d.name");
  if (!stmt) return stmt.error();
  stmt->bind(1, run_id);
  std::vector<std::pair<DatasetVersion, std::string>> out;
  while (stmt->step()) out.emplace_back(readVersion(*stmt), stmt->columnText(15));
  if (stmt->lastError()) return *stmt->lastError();
  return out;
}

}  // namespace wb::data
