#pragma once
// Private clusters: members, owners, invite codes (stored hashed).
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
  std::string role;  // owner | member
};

class ClusterStore {
 public:
  virtual ~ClusterStore() = default;

  // The owner becomes its first member; audited as cluster.created.
  // conflict: the name is taken.
  virtual Result<Cluster> create_cluster(const std::string& owner_id, const std::string& name) = 0;
  virtual Result<Cluster> find_cluster(const std::string& id) = 0;
  virtual Result<std::vector<Membership>> memberships(const std::string& user_id) = 0;
};

}  // namespace potluck::store
