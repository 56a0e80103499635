#pragma once
// One-line statements about one row owner (a user or a cluster), shared by
// the erasures (account deletion, cluster deletion): ?1 is the owner's id and,
// for the `_at` forms, ?2 the time stamped.
#include "store/sqlite/database.h"

#include <string>
#include <string_view>
#include <vector>

namespace potluck::store::sqlite {

// Runs the statement; returns the rows it changed.
inline std::int64_t run_for(Database& db, std::string_view sql, const std::string& id) {
  db.prepare(sql).bind(1, id).step();
  return db.changes();
}
inline std::int64_t run_for_at(Database& db, std::string_view sql, const std::string& id, std::int64_t now_ms) {
  db.prepare(sql).bind(1, id).bind(2, now_ms).step();
  return db.changes();
}

// The first column of every row.
inline std::vector<std::string> column_for(Database& db, std::string_view sql, const std::string& id) {
  auto s = db.prepare(sql);
  s.bind(1, id);
  std::vector<std::string> values;
  while (s.step()) values.push_back(s.text(0));
  return values;
}

}  // namespace potluck::store::sqlite
