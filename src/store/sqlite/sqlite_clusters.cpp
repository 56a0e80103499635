#include "store/sqlite/sqlite_clusters.h"

#include "common/clock.h"
#include "common/ids.h"
#include "store/sqlite/account_rows.h"
#include "store/sqlite/cluster_deletion.h"
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_audit.h"

#include <boost/json.hpp>

namespace potluck::store::sqlite {
namespace {

constexpr std::string_view kMembershipQuery =
    "SELECT c.id, c.name, m.role FROM cluster_members m JOIN clusters c ON c.id = m.cluster_id ";

// The member's role, or none when the user is not a member.
std::optional<ClusterRole> role_of(Database& db, const std::string& cluster_id, const std::string& user_id) {
  auto s = db.prepare("SELECT role FROM cluster_members WHERE cluster_id = ? AND user_id = ?");
  s.bind(1, cluster_id).bind(2, user_id);
  if (!s.step()) return std::nullopt;
  return cluster_role_from(s.text(0));
}

// Deletes a plain member's row; the owner cannot be taken out of their cluster.
Result<void> delete_member(Database& db, const std::string& cluster_id, const std::string& user_id) {
  const auto role = role_of(db, cluster_id, user_id);
  if (!role) return std::unexpected(not_found("not a member of this cluster"));
  if (*role == ClusterRole::owner)
    return std::unexpected(StoreError{StoreError::Kind::invalid, "the owner cannot leave their cluster"});
  db.prepare("DELETE FROM cluster_members WHERE cluster_id = ? AND user_id = ?")
      .bind(1, cluster_id).bind(2, user_id)
      .step();
  return {};
}

}  // namespace

Result<Cluster> SqliteClusterStore::create_cluster(const std::string& owner_id, const std::string& name) {
  return guarded([&]() -> Result<Cluster> {
    Transaction tx(db_);
    auto taken = db_.prepare("SELECT 1 FROM clusters WHERE name = ?");
    taken.bind(1, name);
    if (taken.step())
      return std::unexpected(StoreError{StoreError::Kind::conflict, "a cluster with this name exists"});
    Cluster cluster{make_id("cl_", 16), name, owner_id, unix_now_ms()};
    db_.prepare("INSERT INTO clusters (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(1, cluster.id).bind(2, cluster.name).bind(3, owner_id).bind(4, cluster.created_at)
        .step();
    db_.prepare("INSERT INTO cluster_members (cluster_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)")
        .bind(1, cluster.id).bind(2, owner_id).bind(3, cluster.created_at)
        .step();
    append_audit(db_, {owner_id, "cluster.created", cluster.id, cluster.id});
    tx.commit();
    return cluster;
  });
}

Result<Cluster> SqliteClusterStore::find_cluster(const std::string& id) {
  return guarded([&]() -> Result<Cluster> {
    auto s = db_.prepare("SELECT id, name, owner_id, created_at FROM clusters WHERE id = ? AND deleted_at IS NULL");
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("cluster"));
    return Cluster{s.text(0), s.text(1), s.text(2), s.integer(3)};
  });
}

Result<std::vector<Membership>> SqliteClusterStore::memberships(const std::string& user_id) {
  return guarded([&]() -> Result<std::vector<Membership>> {
    auto s = db_.prepare(std::string(kMembershipQuery) + "WHERE m.user_id = ? ORDER BY c.name");
    s.bind(1, user_id);
    std::vector<Membership> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), cluster_role_from(s.text(2))});
    return out;
  });
}

Result<Membership> SqliteClusterStore::membership(const std::string& cluster_id, const std::string& user_id) {
  return guarded([&]() -> Result<Membership> {
    auto s = db_.prepare(std::string(kMembershipQuery) + "WHERE m.cluster_id = ? AND m.user_id = ?");
    s.bind(1, cluster_id).bind(2, user_id);
    if (!s.step()) return std::unexpected(not_found("membership"));
    return Membership{s.text(0), s.text(1), cluster_role_from(s.text(2))};
  });
}

Result<std::vector<Member>> SqliteClusterStore::members(const std::string& cluster_id) {
  return guarded([&]() -> Result<std::vector<Member>> {
    auto s = db_.prepare("SELECT user_id, role, joined_at FROM cluster_members WHERE cluster_id = ? "
                         "ORDER BY role = 'member', joined_at, user_id");
    s.bind(1, cluster_id);
    std::vector<Member> out;
    while (s.step()) out.push_back({s.text(0), cluster_role_from(s.text(1)), s.integer(2)});
    return out;
  });
}

Result<Membership> SqliteClusterStore::join(const std::string& user_id, const InviteClaim& claim) {
  return guarded([&]() -> Result<Membership> {
    Transaction tx(db_);
    auto invite = spend_invite(db_, claim, user_id);
    if (!invite) return std::unexpected(invite.error());
    if (invite->cluster_id.empty())
      return std::unexpected(StoreError{StoreError::Kind::invalid,
                                        "this is a sign-up invite, not a cluster's: use it with `potluck signup`"});
    if (role_of(db_, invite->cluster_id, user_id))
      return std::unexpected(StoreError{StoreError::Kind::conflict, "you are already a member of this cluster"});
    insert_member_row(db_, invite->cluster_id, user_id, invite->id, claim.now_ms);
    auto cluster = db_.prepare("SELECT name FROM clusters WHERE id = ?");
    cluster.bind(1, invite->cluster_id);
    cluster.step();
    Membership joined{invite->cluster_id, cluster.text(0), ClusterRole::member};
    tx.commit();
    return joined;
  });
}

Result<void> SqliteClusterStore::leave(const std::string& cluster_id, const std::string& user_id) {
  return take_out(user_id, cluster_id, user_id, "cluster.member_left");
}

Result<void> SqliteClusterStore::remove_member(const std::string& actor_id, const std::string& cluster_id,
                                               const std::string& user_id) {
  return take_out(actor_id, cluster_id, user_id, "cluster.member_removed");
}

Result<void> SqliteClusterStore::take_out(const std::string& actor_id, const std::string& cluster_id,
                                          const std::string& user_id, std::string_view action) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    if (auto deleted = delete_member(db_, cluster_id, user_id); !deleted) return deleted;
    append_audit(db_, {actor_id, std::string(action), user_id, cluster_id});
    tx.commit();
    return {};
  });
}

Result<void> SqliteClusterStore::create_invite(const Invite& invite, const std::string& sha256) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    db_.prepare("INSERT INTO invites (id, sha256, cluster_id, created_by, created_at, expires_at, max_uses) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(1, invite.id).bind(2, sha256).bind_optional(3, invite.cluster_id).bind(4, invite.created_by)
        .bind(5, invite.created_at).bind(6, invite.expires_at).bind(7, invite.max_uses)
        .step();
    append_audit(db_, {invite.created_by, "invite.created", invite.id, invite.cluster_id,
                       boost::json::serialize(boost::json::object{{"max_uses", invite.max_uses},
                                                                  {"expires_at", invite.expires_at}})});
    tx.commit();
    return {};
  });
}

Result<std::vector<Invite>> SqliteClusterStore::list_invites(const std::string& cluster_id) {
  return guarded([&]() -> Result<std::vector<Invite>> {
    auto s = db_.prepare("SELECT " + std::string(kInviteColumns) +
                         " FROM invites WHERE coalesce(cluster_id, '') = ? ORDER BY created_at, id");
    s.bind(1, cluster_id);
    std::vector<Invite> out;
    while (s.step()) out.push_back(read_invite(s));
    return out;
  });
}

Result<Invite> SqliteClusterStore::revoke_invite(const std::string& actor_id, const std::string& cluster_id,
                                                const std::string& invite_id, std::int64_t now_ms) {
  return guarded([&]() -> Result<Invite> {
    Transaction tx(db_);
    constexpr std::string_view kInScope = " WHERE id = ?1 AND coalesce(cluster_id, '') = ?2";
    db_.prepare("UPDATE invites SET revoked_at = ?3" + std::string(kInScope) + " AND revoked_at IS NULL")
        .bind(1, invite_id).bind(2, cluster_id).bind(3, now_ms)
        .step();
    if (db_.changes() > 0) append_audit(db_, {actor_id, "invite.revoked", invite_id, cluster_id});
    auto s = db_.prepare("SELECT " + std::string(kInviteColumns) + " FROM invites" + std::string(kInScope));
    s.bind(1, invite_id).bind(2, cluster_id);
    if (!s.step()) return std::unexpected(not_found("invite"));
    auto invite = read_invite(s);
    tx.commit();
    return invite;
  });
}

Result<ClusterDeletion> SqliteClusterStore::delete_cluster(const std::string& actor_id,
                                                          const std::string& cluster_id, std::int64_t now_ms) {
  return guarded([&]() -> Result<ClusterDeletion> {
    Transaction tx(db_);
    auto owner = db_.prepare("SELECT owner_id FROM clusters WHERE id = ? AND deleted_at IS NULL");
    owner.bind(1, cluster_id);
    if (!owner.step()) return std::unexpected(not_found("cluster"));
    if (owner.text(0) != actor_id)
      return std::unexpected(StoreError{StoreError::Kind::invalid, "only the owner may delete a cluster"});
    auto deleted = delete_cluster_rows(db_, actor_id, cluster_id, now_ms);
    tx.commit();
    return deleted;
  });
}

}  // namespace potluck::store::sqlite
