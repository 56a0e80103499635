#pragma once
// Adding rows into usage_daily, shared by retention (folding raw events) and
// account deletion (re-folding a user's aggregates into anonymous ones).
#include <string>
#include <string_view>

namespace potluck::store::sqlite {

// An INSERT of `select` into usage_daily that adds to the row of the same
// (day, user, cluster, node, model, kind, tier, status) when there is one.
// `select` yields those eight keys then jobs, prompt_tokens,
// completion_tokens, latency_ms_total, cost, and must have a WHERE clause
// (SQLite's rule for INSERT ... SELECT ... ON CONFLICT).
std::string upsert_usage_daily(std::string_view select);

}  // namespace potluck::store::sqlite
