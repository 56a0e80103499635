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

}  // namespace potluck::store::sqlite
