#pragma once
// Adding rows into usage_daily, shared by retention (folding raw events),
// account deletion (re-folding a user's aggregates into anonymous ones) and
// cluster deletion (re-folding a cluster's aggregates into cluster-less ones).
#include "store/sqlite/database.h"

#include <string>
#include <string_view>

namespace potluck::store::sqlite {

// An INSERT of `select` into usage_daily that adds to the row of the same
// (day, user, cluster, node, model, kind, tier, status) when there is one.
// `select` yields those eight keys then jobs, prompt_tokens,
// completion_tokens, latency_ms_total, cost, and must have a WHERE clause
// (SQLite's rule for INSERT ... SELECT ... ON CONFLICT).
std::string upsert_usage_daily(std::string_view select);

// The key column of usage_daily that an erasure blanks.
enum class DailyKey { user, cluster };

// Adds the rows whose `key` is `value` (not empty) to the rows that differ
// only by '' there, and deletes them. Returns the rows deleted.
std::int64_t blank_usage_daily_key(Database& db, DailyKey key, const std::string& value);

}  // namespace potluck::store::sqlite
