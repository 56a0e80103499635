#include "coordinator/api/cluster_choice.h"

namespace potluck::coordinator::api {

std::expected<std::string, ApiError> choose_cluster(const Principal& caller, const std::string& requested) {
  std::string cluster_id = requested.empty() ? caller.key_cluster : requested;
  if (cluster_id == "public") cluster_id.clear();
  if (!cluster_id.empty() && !caller.member_of(cluster_id))
    return std::unexpected(
        ApiError::forbidden("you are not a member of cluster '" + cluster_id.substr(0, 64) + "'"));
  return cluster_id;
}

}  // namespace potluck::coordinator::api
