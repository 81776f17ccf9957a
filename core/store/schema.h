#pragma once

#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace wb::store {

class Database;

/// One forward migration: applied once, in order, inside a transaction.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

/// Every migration this build knows, oldest first. Never edit a released one: append.
const std::vector<Migration>& migrations();

/// The newest schema version this build knows.
int latestSchemaVersion();

/// The version recorded in the database (0 for a new, empty database).
Result<int> schemaVersion(Database& db);

/// Applies the pending migrations up to target_version (default: all). Refuses a database
/// written by a newer Workbench rather than guessing.
Status migrate(Database& db, int target_version = -1);

}  // namespace wb::store
