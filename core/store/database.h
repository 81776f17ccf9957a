#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace wb::store {

/// A prepared statement. Bind indexes are 1-based, column indexes 0-based (as in SQLite).
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt, &finalize) {}

  bool valid() const { return m_stmt != nullptr; }

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bindBlob(int index, const void* data, std::size_t size_bytes);
  Statement& bindNull(int index);
  /// Binds NULL for an empty optional.
  Statement& bind(int index, std::optional<double> value);

  /// Advances: true while a row is available, false when done. Errors become an Error in
  /// lastError() and return false.
  bool step();
  /// Runs a statement that returns no rows; resets it afterwards so it can be reused.
  Status run();
  void reset();

  std::int64_t columnInt(int column) const;
  double columnDouble(int column) const;
  std::string columnText(int column) const;
  bool columnIsNull(int column) const;
  std::optional<double> columnOptDouble(int column) const;
  const void* columnBlob(int column) const;
  int columnBytes(int column) const;

  /// The error of the last failed step(), if any.
  const std::optional<Error>& lastError() const { return m_error; }

 private:
  static void finalize(sqlite3_stmt* stmt);
  sqlite3* m_db = nullptr;
  std::unique_ptr<sqlite3_stmt, void (*)(sqlite3_stmt*)> m_stmt{nullptr, &finalize};
  std::optional<Error> m_error;
};

enum class OpenMode { Invalid, ReadWrite, ReadWriteCreate, ReadOnly };

/// One SQLite connection configured for the workspace: WAL, foreign keys, busy timeout.
/// A connection is used by one thread at a time.
class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, OpenMode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  sqlite3* handle() const { return m_db; }

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);

  /// Runs fn inside BEGIN IMMEDIATE … COMMIT. Waits out other writers (busy timeout plus
  /// retries), so callers never see "database is locked". Rolls back if fn fails.
  Status writeTransaction(const std::function<Status()>& fn);

  /// SQLite's data_version: changes whenever another connection commits.
  std::int64_t dataVersion();

  std::int64_t lastInsertRowId() const;
  int changes() const;
  std::string errorMessage() const;

 private:
  Database(sqlite3* db, std::filesystem::path path) : m_db(db), m_path(std::move(path)) {}
  sqlite3* m_db = nullptr;
  std::filesystem::path m_path;
};

}  // namespace wb::store
