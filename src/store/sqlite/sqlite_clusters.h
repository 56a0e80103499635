#pragma once
#include "store/clusters.h"
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

class SqliteClusterStore final : public ClusterStore {
 public:
  explicit SqliteClusterStore(Database& db) : db_(db) {}

  Result<Cluster> create_cluster(const std::string& owner_id, const std::string& name) override;
  Result<Cluster> find_cluster(const std::string& id) override;
  Result<std::vector<Membership>> memberships(const std::string& user_id) override;
  Result<Membership> membership(const std::string& cluster_id, const std::string& user_id) override;
  Result<std::vector<Member>> members(const std::string& cluster_id) override;

  Result<void> create_invite(const Invite& invite, const std::string& sha256) override;
  Result<std::vector<Invite>> list_invites(const std::string& cluster_id) override;
  Result<Invite> revoke_invite(const std::string& actor_id, const std::string& cluster_id,
                               const std::string& invite_id, std::int64_t now_ms) override;

  Result<Membership> join(const std::string& user_id, const InviteClaim& claim) override;
  Result<void> leave(const std::string& cluster_id, const std::string& user_id) override;
  Result<void> remove_member(const std::string& actor_id, const std::string& cluster_id,
                             const std::string& user_id) override;
  Result<ClusterDeletion> delete_cluster(const std::string& actor_id, const std::string& cluster_id,
                                         std::int64_t now_ms) override;

 private:
  // A member leaving or removed: one transaction with its audit row.
  Result<void> take_out(const std::string& actor_id, const std::string& cluster_id, const std::string& user_id,
                        std::string_view action);

  Database& db_;
};

}  // namespace potluck::store::sqlite
