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

 private:
  Database& db_;
};

}  // namespace potluck::store::sqlite
