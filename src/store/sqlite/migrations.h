#pragma once
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

// Applies every migration newer than the database's user_version, each in
// its own transaction. Returns the resulting schema version.
int migrate(Database& db);

}  // namespace potluck::store::sqlite
