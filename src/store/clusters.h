#pragma once
// Private clusters: members, owners, invite codes (stored hashed).
#include "store/access_levels.h"
#include "store/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace potluck::store {

struct Cluster {
  std::string id;
  std::string name;
  std::string owner_id;
  std::int64_t created_at = 0;
};

// One cluster a user belongs to, as the user sees it.
struct Membership {
  std::string cluster_id;
  std::string cluster_name;
  ClusterRole role = ClusterRole::member;
};

struct Member {
  std::string user_id;
  ClusterRole role = ClusterRole::member;
  std::int64_t joined_at = 0;
};

// An invite code's record; the code itself is stored only as its SHA-256.
struct Invite {
  std::string id;          // the code's public part
  std::string cluster_id;  // empty: a platform (sign-up) invite
  std::string created_by;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t max_uses = 1;
  std::int64_t uses = 0;
  std::int64_t revoked_at = 0;  // 0 = not revoked
};

// A presented invite code, checked inside the transaction that spends it.
struct InviteClaim {
  std::string invite_id;  // the code's public id
  std::string code;       // the whole code, compared by digest in constant time
  std::int64_t now_ms = 0;
};

// What deleting a cluster did; the caller drops the former members' cached
// keys and disconnects the cluster's nodes.
struct ClusterDeletion {
  std::vector<std::string> former_members;
  std::vector<std::string> node_token_ids;  // every token of the cluster, now revoked
  std::int64_t invites_revoked = 0;
  std::int64_t node_records_deleted = 0;
  std::int64_t usage_events_anonymised = 0;
};

class ClusterStore {
 public:
  virtual ~ClusterStore() = default;

  // The owner becomes its first member; audited as cluster.created.
  // conflict: the name is taken.
  virtual Result<Cluster> create_cluster(const std::string& owner_id, const std::string& name) = 0;
  // not_found: unknown or deleted.
  virtual Result<Cluster> find_cluster(const std::string& id) = 0;
  virtual Result<std::vector<Membership>> memberships(const std::string& user_id) = 0;
  // not_found: the user is not a member.
  virtual Result<Membership> membership(const std::string& cluster_id, const std::string& user_id) = 0;
  virtual Result<std::vector<Member>> members(const std::string& cluster_id) = 0;

  // Invites of a cluster, or platform invites when `invite.cluster_id` is
  // empty; audited as invite.created.
  virtual Result<void> create_invite(const Invite& invite, const std::string& sha256) = 0;
  virtual Result<std::vector<Invite>> list_invites(const std::string& cluster_id) = 0;
  // Audited as invite.revoked (once). not_found: no such invite of that
  // cluster (or of the platform, for an empty cluster_id).
  virtual Result<Invite> revoke_invite(const std::string& actor_id, const std::string& cluster_id,
                                       const std::string& invite_id, std::int64_t now_ms) = 0;

  // Spends one use of a cluster invite and adds the user as a member, in one
  // transaction; audited as invite.used and cluster.member_joined.
  // not_found: unknown code; gone: spent, expired or revoked; invalid: a
  // platform invite; conflict: already a member (the use is not spent).
  virtual Result<Membership> join(const std::string& user_id, const InviteClaim& claim) = 0;
  // Audited as cluster.member_left. not_found: not a member; invalid: the owner.
  virtual Result<void> leave(const std::string& cluster_id, const std::string& user_id) = 0;
  // Audited as cluster.member_removed. not_found: not a member; invalid: the owner.
  virtual Result<void> remove_member(const std::string& actor_id, const std::string& cluster_id,
                                     const std::string& user_id) = 0;
  // In one transaction: revokes the cluster's invites and node tokens (and
  // clears their names), removes every membership, deletes the node records
  // of its nodes, takes the cluster's id off usage events and daily
  // aggregates, and leaves the cluster row as a nameless tombstone (keys that
  // named it as their default keep pointing at an id nobody may use).
  // Audited as cluster.deleted. not_found: unknown or already deleted;
  // invalid: `actor_id` is not its owner.
  virtual Result<ClusterDeletion> delete_cluster(const std::string& actor_id, const std::string& cluster_id,
                                                 std::int64_t now_ms) = 0;
};

}  // namespace potluck::store
