#pragma once
// What opening the data dir refuses before any migration runs, each with a
// message that says what is wrong and what to do (SqliteStore::open_checked):
//  - a database SQLite can only read (Database refuses it: file mode, mount);
//  - a database that fails PRAGMA quick_check (a damaged page or header);
//  - an empty database where one existed: the data dir's marker file says a
//    database was created here, yet potluck.db holds no schema (truncated to
//    0 bytes or replaced). Migrating it would quietly start a new, empty
//    platform: every account, key and balance gone.
// A header-only potluck.db beside a -wal file that holds the database (a
// coordinator killed before its first checkpoint) is a database, not empty:
// once open, the check looks at the schema SQLite reads, not at the size.
#include "store/sqlite/database.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace potluck::store::sqlite {

// Written beside potluck.db once it holds a schema; its presence is what
// "a database existed here" means.
inline constexpr std::string_view kCreatedMarker = "potluck.db.created";

// Throws SqliteError(SQLITE_CORRUPT) with quick_check's first findings.
void check_integrity(Database& db);
// Where the marker exists, throws std::runtime_error for a 0-byte
// potluck.db: before it is opened, since opening writes a header.
void check_not_emptied(const std::filesystem::path& data_dir);
// Where the marker exists, throws std::runtime_error for a database without
// tables (a file replaced by a new one), once it is open.
void check_has_schema(Database& db, const std::filesystem::path& data_dir);
// Writes the marker when it is missing (after a migration).
void mark_created(const std::filesystem::path& data_dir);

// The start-up message for a SqliteError met while opening `path`.
std::string startup_refusal(const SqliteError& error, const std::string& path);

}  // namespace potluck::store::sqlite
