#include "core/store/database.h"

#include <chrono>
#include <thread>

#include <sqlite3.h>

namespace wb::store {

namespace {
constexpr int kBusyTimeoutMs = 5000;
// Beyond the busy handler's wait, a locked BEGIN/COMMIT is retried this long before giving up.
constexpr auto kLockRetryBudget = std::chrono::seconds(120);

bool isBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// A workspace may come from someone else: its schema must not be able to run functions with
// side effects from triggers or views, nor writes to the file's internals corrupt it.
Status hardenConnection(Database& db) {
  int on = 0;
  if (sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK || on != 1)
    return makeError("cannot enable SQLite's defensive mode", db.path().string());
  if (sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &on) != SQLITE_OK || on != 0)
    return makeError("cannot turn off SQLite's trusted schema", db.path().string());
  return db.exec("PRAGMA trusted_schema=OFF");
}
}  // namespace

void Statement::finalize(sqlite3_stmt* stmt) { sqlite3_finalize(stmt); }

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(m_stmt.get(), index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(m_stmt.get(), index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(m_stmt.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bindBlob(int index, const void* data, std::size_t size_bytes) {
  sqlite3_bind_blob64(m_stmt.get(), index, data, size_bytes, SQLITE_STATIC);
  return *this;
}
Statement& Statement::bindNull(int index) {
  sqlite3_bind_null(m_stmt.get(), index);
  return *this;
}
Statement& Statement::bind(int index, std::optional<double> value) {
  return value ? bind(index, *value) : bindNull(index);
}

bool Statement::step() {
  m_error.reset();
  const auto deadline = std::chrono::steady_clock::now() + kLockRetryBudget;
  for (;;) {
    const int rc = sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (isBusy(rc) && std::chrono::steady_clock::now() < deadline) {
      sqlite3_reset(m_stmt.get());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    m_error = makeError(sqlite3_errmsg(m_db), sqlite3_sql(m_stmt.get()));
    return false;
  }
}

Status Statement::run() {
  step();
  reset();
  if (m_error) return *m_error;
  return {};
}

void Statement::reset() {
  sqlite3_reset(m_stmt.get());
  sqlite3_clear_bindings(m_stmt.get());
}

std::int64_t Statement::columnInt(int column) const {
  return sqlite3_column_int64(m_stmt.get(), column);
}
double Statement::columnDouble(int column) const {
  return sqlite3_column_double(m_stmt.get(), column);
}
std::string Statement::columnText(int column) const {
  const auto* text = sqlite3_column_text(m_stmt.get(), column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column)));
}
bool Statement::columnIsNull(int column) const {
  return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
}
std::optional<double> Statement::columnOptDouble(int column) const {
  if (columnIsNull(column)) return std::nullopt;
  return columnDouble(column);
}
const void* Statement::columnBlob(int column) const {
  return sqlite3_column_blob(m_stmt.get(), column);
}
int Statement::columnBytes(int column) const { return sqlite3_column_bytes(m_stmt.get(), column); }

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path,
                                                 OpenMode mode) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case OpenMode::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    case OpenMode::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case OpenMode::ReadWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case OpenMode::Invalid: return makeError("invalid open mode", path.string());
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return makeError("cannot open database: " + msg, path.string());
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  sqlite3_extended_result_codes(raw, 1);
  if (auto st = hardenConnection(*db); !st) return st.error();
  // New databases get bigger pages (metric chunks are ~32 KiB blobs) and incremental
  // auto-vacuum (gc gives the pages of deleted runs back): both only apply before any table.
  if (mode == OpenMode::ReadWriteCreate) {
    if (auto st = db->exec("PRAGMA page_size=8192"); !st) return st.error();
    if (auto st = db->exec("PRAGMA auto_vacuum=INCREMENTAL"); !st) return st.error();
  }
  if (mode != OpenMode::ReadOnly) {
    // WAL: readers never block the writer (the trainer), and the writer never blocks readers.
    auto wal = db->prepare("PRAGMA journal_mode=WAL");
    if (!wal) return wal.error();
    if (!wal->step() && wal->lastError()) return *wal->lastError();
  }
  for (const char* pragma : {"PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL",
                             "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-32768"}) {
    if (auto st = db->exec(pragma); !st) return makeError(st.error().message, path.string());
  }
  return db;
}

Database::~Database() { sqlite3_close_v2(m_db); }

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  const auto deadline = std::chrono::steady_clock::now() + kLockRetryBudget;
  for (;;) {
    char* err = nullptr;
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return {};
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    if (isBusy(rc) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    return makeError(msg, m_path.string());
  }
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return makeError(sqlite3_errmsg(m_db), std::string(sql));
  return Statement(m_db, stmt);
}

Status Database::writeTransaction(const std::function<Status()>& fn) {
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st;
  Status result = fn();
  if (!result) {
    (void)exec("ROLLBACK");
    return result;
  }
  if (auto st = exec("COMMIT"); !st) {
    (void)exec("ROLLBACK");
    return st;
  }
  return {};
}

std::int64_t Database::dataVersion() {
  auto stmt = prepare("PRAGMA data_version");
  if (!stmt || !stmt->step()) return -1;
  return stmt->columnInt(0);
}

std::int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }
int Database::changes() const { return sqlite3_changes(m_db); }
std::string Database::errorMessage() const { return sqlite3_errmsg(m_db); }

}  // namespace wb::store
