#include "store/sqlite/usage_daily.h"

namespace potluck::store::sqlite {

std::string upsert_usage_daily(std::string_view select) {
  return "INSERT INTO usage_daily (day, user_id, cluster_id, node_id, model, kind, tier, status, "
         "jobs, prompt_tokens, completion_tokens, latency_ms_total, cost) " +
         std::string(select) +
         " ON CONFLICT (day, user_id, cluster_id, node_id, model, kind, tier, status) DO UPDATE SET "
         "jobs = jobs + excluded.jobs, prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
         "completion_tokens = completion_tokens + excluded.completion_tokens, "
         "latency_ms_total = latency_ms_total + excluded.latency_ms_total, cost = cost + excluded.cost";
}

std::int64_t blank_usage_daily_key(Database& db, DailyKey key, const std::string& value) {
  if (value.empty()) return 0;  // '' is already blank: re-adding it would double it
  const bool user = key == DailyKey::user;
  const std::string column = user ? "user_id" : "cluster_id";
  const std::string keys = user ? "day, '', cluster_id" : "day, user_id, ''";
  db.prepare(upsert_usage_daily("SELECT " + keys +
                                ", node_id, model, kind, tier, status, sum(jobs), sum(prompt_tokens), "
                                "sum(completion_tokens), sum(latency_ms_total), sum(cost) FROM usage_daily "
                                "WHERE " + column + " = ?1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"))
      .bind(1, value)
      .step();
  auto deleted = db.prepare("DELETE FROM usage_daily WHERE " + column + " = ?1");
  deleted.bind(1, value).step();
  return db.changes();
}

}  // namespace potluck::store::sqlite
