// DELETE /api/me's data side: one transaction that removes what identifies a
// person and keeps what others rely on. Ledger rows are append-only and stay:
// balances and the zero sum remain true. The audit chain stays too (it holds
// ids, never emails).
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_audit.h"
#include "store/sqlite/sqlite_personal_data.h"
#include "store/sqlite/usage_daily.h"

#include <boost/json.hpp>

namespace potluck::store::sqlite {
namespace json = boost::json;
namespace {

// Runs a bound statement; returns the rows it changed.
std::int64_t changes_of(Database& db, Statement& statement) {
  statement.step();
  return db.changes();
}

// Statements about one user (?1) and, where they stamp a time, now (?2).
std::int64_t run(Database& db, std::string_view sql, const std::string& user_id) {
  return changes_of(db, db.prepare(sql).bind(1, user_id));
}
std::int64_t run_at(Database& db, std::string_view sql, const std::string& user_id, std::int64_t now_ms) {
  return changes_of(db, db.prepare(sql).bind(1, user_id).bind(2, now_ms));
}

std::vector<std::string> column_of(Database& db, std::string_view sql, const std::string& user_id) {
  auto s = db.prepare(sql);
  s.bind(1, user_id);
  std::vector<std::string> values;
  while (s.step()) values.push_back(s.text(0));
  return values;
}

// A cluster whose other members would be left without an owner.
std::string owned_cluster_with_members(Database& db, const std::string& user_id) {
  auto names = column_of(
      db,
      "SELECT c.name FROM clusters c WHERE (c.owner_id = ?1 OR EXISTS (SELECT 1 FROM cluster_members o "
      "WHERE o.cluster_id = c.id AND o.user_id = ?1 AND o.role = 'owner')) AND EXISTS (SELECT 1 FROM "
      "cluster_members m WHERE m.cluster_id = c.id AND m.user_id <> ?1) ORDER BY c.name LIMIT 1",
      user_id);
  return names.empty() ? std::string() : names.front();
}

// The user's daily aggregates join the anonymous rows of the same day and kind.
void anonymise_usage_daily(Database& db, const std::string& user_id) {
  run(db,
      upsert_usage_daily("SELECT day, '', cluster_id, node_id, model, kind, tier, status, sum(jobs), "
                         "sum(prompt_tokens), sum(completion_tokens), sum(latency_ms_total), sum(cost) "
                         "FROM usage_daily WHERE user_id = ?1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"),
      user_id);
  run(db, "DELETE FROM usage_daily WHERE user_id = ?1", user_id);
}

// Leaving each cluster is recorded in that cluster's audit trail.
std::int64_t leave_clusters(Database& db, const std::string& user_id) {
  auto clusters = column_of(db, "SELECT cluster_id FROM cluster_members WHERE user_id = ?1", user_id);
  for (const auto& cluster_id : clusters)
    append_audit(db, {user_id, "cluster.member_left", user_id, cluster_id, R"({"reason":"account deleted"})"});
  return run(db, "DELETE FROM cluster_members WHERE user_id = ?1", user_id);
}

}  // namespace

Result<AccountErasure> SqlitePersonalDataStore::erase_user(const std::string& user_id, std::int64_t now_ms) {
  return guarded([&]() -> Result<AccountErasure> {
    Transaction tx(db_);
    if (column_of(db_, "SELECT id FROM users WHERE id = ?1 AND deleted_at IS NULL", user_id).empty())
      return std::unexpected(not_found("user"));
    if (auto cluster = owned_cluster_with_members(db_, user_id); !cluster.empty())
      return std::unexpected(StoreError{StoreError::Kind::conflict,
                                        "you own the cluster '" + cluster +
                                            "', which still has other members: remove them first"});
    AccountErasure erased;
    erased.key_ids = column_of(db_, "SELECT id FROM api_keys WHERE user_id = ?1 ORDER BY id", user_id);
    run_at(db_, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2), name = '' WHERE user_id = ?1",
        user_id, now_ms);
    erased.node_tokens_revoked =
        run_at(db_, "UPDATE node_tokens SET revoked_at = ?2 WHERE owner_id = ?1 AND revoked_at IS NULL",
            user_id, now_ms);
    run(db_, "UPDATE node_tokens SET name = '' WHERE owner_id = ?1", user_id);
    run(db_, "UPDATE nodes SET name = '' WHERE owner_id = ?1", user_id);
    run_at(db_, "UPDATE invites SET revoked_at = ?2 WHERE created_by = ?1 AND revoked_at IS NULL", user_id,
        now_ms);
    erased.usage_events_anonymised =
        run(db_, "UPDATE usage_events SET user_id = NULL, key_id = NULL WHERE user_id = ?1", user_id);
    anonymise_usage_daily(db_, user_id);
    erased.memberships_removed = leave_clusters(db_, user_id);
    run_at(db_, "UPDATE users SET email = 'deleted-' || id || '@invalid', deleted_at = ?2 WHERE id = ?1",
        user_id, now_ms);
    append_audit(db_, {user_id, "account.deleted", user_id, "",
                       json::serialize(json::object{
                           {"keys", erased.key_ids.size()},
                           {"node_tokens_revoked", erased.node_tokens_revoked},
                           {"usage_events_anonymised", erased.usage_events_anonymised},
                           {"memberships_removed", erased.memberships_removed}})});
    tx.commit();
    return erased;
  });
}

}  // namespace potluck::store::sqlite
