#include "store/sqlite/cluster_deletion.h"

#include "store/sqlite/bound_statements.h"
#include "store/sqlite/sqlite_audit.h"
#include "store/sqlite/usage_daily.h"

#include <boost/json.hpp>

namespace potluck::store::sqlite {
namespace json = boost::json;

ClusterDeletion delete_cluster_rows(Database& db, const std::string& actor_id, const std::string& cluster_id,
                                    std::int64_t now_ms) {
  ClusterDeletion deleted;
  deleted.former_members =
      column_for(db, "SELECT user_id FROM cluster_members WHERE cluster_id = ?1 ORDER BY user_id", cluster_id);
  deleted.node_token_ids = column_for(db, "SELECT id FROM node_tokens WHERE cluster_id = ?1 ORDER BY id", cluster_id);
  deleted.invites_revoked = run_for_at(
      db, "UPDATE invites SET revoked_at = ?2 WHERE cluster_id = ?1 AND revoked_at IS NULL", cluster_id, now_ms);
  run_for_at(db, "UPDATE node_tokens SET revoked_at = coalesce(revoked_at, ?2), name = '' WHERE cluster_id = ?1",
             cluster_id, now_ms);
  deleted.node_records_deleted = run_for(
      db, "DELETE FROM nodes WHERE cluster_id = ?1 OR token_id IN (SELECT id FROM node_tokens WHERE cluster_id = ?1)",
      cluster_id);
  run_for(db, "DELETE FROM cluster_members WHERE cluster_id = ?1", cluster_id);
  run_for(db, "DELETE FROM models_first_seen WHERE cluster_id = ?1", cluster_id);
  deleted.usage_events_anonymised =
      run_for(db, "UPDATE usage_events SET cluster_id = NULL WHERE cluster_id = ?1", cluster_id);
  blank_usage_daily_key(db, DailyKey::cluster, cluster_id);
  // The name was chosen by people; the id stays because audit rows and keys name it.
  run_for_at(db, "UPDATE clusters SET name = 'deleted-' || id, deleted_at = ?2 WHERE id = ?1", cluster_id, now_ms);
  append_audit(db, {actor_id, "cluster.deleted", cluster_id, cluster_id,
                    json::serialize(json::object{
                        {"members_removed", deleted.former_members.size()},
                        {"node_tokens_revoked", deleted.node_token_ids.size()},
                        {"invites_revoked", deleted.invites_revoked},
                        {"node_records_deleted", deleted.node_records_deleted},
                        {"usage_events_anonymised", deleted.usage_events_anonymised}})});
  return deleted;
}

}  // namespace potluck::store::sqlite
