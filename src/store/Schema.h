// The database's schema: the tables of a new database, the upgrade of each
// older schema to the next, and the version check at open. The version is
// PRAGMA user_version; a database of version 0 holds no relinkd tables yet.
//
// Thread-safety: none beyond the Connection's (one thread at a time).
#pragma once

#include <cstdint>

#include "Sqlite.h"

namespace relinkd::schema {

// The schema this relinkd writes and reads.
constexpr std::int64_t kVersion = 8;

// Brings the database to kVersion: creates the tables in an empty database
// and upgrades an older one step by step, each in one transaction that
// re-reads the version (another process may have created or upgraded it
// meanwhile). A read-only connection only reads the version. Throws
// StoreError, naming what the operator should do, when the version is not
// kVersion afterwards.
void prepare(sqlite::Connection& db, bool readOnly);

}  // namespace relinkd::schema
