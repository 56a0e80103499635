// DELETE /api/me's data side: one transaction that removes what identifies a
// person and keeps what others rely on. Ledger rows are append-only and stay:
// balances and the zero sum remain true. The audit chain stays too (it holds
// ids, never emails).
#include "store/sqlite/bound_statements.h"
#include "store/sqlite/cluster_deletion.h"
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_audit.h"
#include "store/sqlite/sqlite_personal_data.h"
#include "store/sqlite/usage_daily.h"

#include <boost/json.hpp>

namespace potluck::store::sqlite {
namespace json = boost::json;
namespace {

// A cluster whose other members would be left without an owner.
std::string owned_cluster_with_members(Database& db, const std::string& user_id) {
  auto names = column_for(
      db,
      "SELECT c.name FROM clusters c WHERE (c.owner_id = ?1 OR EXISTS (SELECT 1 FROM cluster_members o "
      "WHERE o.cluster_id = c.id AND o.user_id = ?1 AND o.role = 'owner')) AND EXISTS (SELECT 1 FROM "
      "cluster_members m WHERE m.cluster_id = c.id AND m.user_id <> ?1) ORDER BY c.name LIMIT 1",
      user_id);
  return names.empty() ? std::string() : names.front();
}

// Clusters the user owns with nobody else in them go with the account, as
// if the owner had deleted each: their names, tokens and node records too.
// Called after the check that none of them has other members.
void delete_clusters_owned_alone(Database& db, const std::string& user_id, std::int64_t now_ms,
                                 AccountErasure& erased) {
  auto owned = column_for(db, "SELECT id FROM clusters WHERE owner_id = ?1 AND deleted_at IS NULL ORDER BY id",
                          user_id);
  for (const auto& cluster_id : owned) {
    auto deleted = delete_cluster_rows(db, user_id, cluster_id, now_ms);
    erased.node_token_ids.insert(erased.node_token_ids.end(), deleted.node_token_ids.begin(),
                                 deleted.node_token_ids.end());
  }
  erased.clusters_deleted = static_cast<std::int64_t>(owned.size());
}

// Leaving each cluster is recorded in that cluster's audit trail.
std::int64_t leave_clusters(Database& db, const std::string& user_id) {
  auto clusters = column_for(db, "SELECT cluster_id FROM cluster_members WHERE user_id = ?1", user_id);
  for (const auto& cluster_id : clusters)
    append_audit(db, {user_id, "cluster.member_left", user_id, cluster_id, R"({"reason":"account deleted"})"});
  return run_for(db, "DELETE FROM cluster_members WHERE user_id = ?1", user_id);
}

}  // namespace

Result<AccountErasure> SqlitePersonalDataStore::erase_user(const std::string& user_id, std::int64_t now_ms) {
  return guarded([&]() -> Result<AccountErasure> {
    Transaction tx(db_);
    if (column_for(db_, "SELECT id FROM users WHERE id = ?1 AND deleted_at IS NULL", user_id).empty())
      return std::unexpected(not_found("user"));
    if (auto cluster = owned_cluster_with_members(db_, user_id); !cluster.empty())
      return std::unexpected(StoreError{StoreError::Kind::conflict,
                                        "you own the cluster '" + cluster +
                                            "', which still has other members: remove them first"});
    AccountErasure erased;
    erased.key_ids = column_for(db_, "SELECT id FROM api_keys WHERE user_id = ?1 ORDER BY id", user_id);
    run_for_at(db_, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2), name = '' WHERE user_id = ?1",
        user_id, now_ms);
    // Owned-alone clusters first, while the memberships still say who owns what.
    delete_clusters_owned_alone(db_, user_id, now_ms, erased);
    auto own_tokens = column_for(db_, "SELECT id FROM node_tokens WHERE owner_id = ?1 AND cluster_id IS NULL",
                                 user_id);
    erased.node_token_ids.insert(erased.node_token_ids.end(), own_tokens.begin(), own_tokens.end());
    erased.node_tokens_revoked =
        run_for_at(db_, "UPDATE node_tokens SET revoked_at = ?2 WHERE owner_id = ?1 AND revoked_at IS NULL",
            user_id, now_ms);
    run_for(db_, "UPDATE node_tokens SET name = '' WHERE owner_id = ?1", user_id);
    // os, arch, version and the name describe the person's machines.
    erased.node_records_deleted = run_for(db_, "DELETE FROM nodes WHERE owner_id = ?1", user_id);
    run_for_at(db_, "UPDATE invites SET revoked_at = ?2 WHERE created_by = ?1 AND revoked_at IS NULL", user_id,
        now_ms);
    erased.usage_events_anonymised =
        run_for(db_, "UPDATE usage_events SET user_id = NULL, key_id = NULL WHERE user_id = ?1", user_id);
    blank_usage_daily_key(db_, DailyKey::user, user_id);
    erased.memberships_removed = leave_clusters(db_, user_id);
    run_for_at(db_, "UPDATE users SET email = 'deleted-' || id || '@invalid', deleted_at = ?2 WHERE id = ?1",
        user_id, now_ms);
    append_audit(db_, {user_id, "account.deleted", user_id, "",
                       json::serialize(json::object{
                           {"keys", erased.key_ids.size()},
                           {"node_tokens_revoked", erased.node_tokens_revoked},
                           {"usage_events_anonymised", erased.usage_events_anonymised},
                           {"node_records_deleted", erased.node_records_deleted},
                           {"clusters_deleted", erased.clusters_deleted},
                           {"memberships_removed", erased.memberships_removed}})});
    tx.commit();
    return erased;
  });
}

}  // namespace potluck::store::sqlite
