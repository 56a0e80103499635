#pragma once
// Which cluster a job runs in, for every kind of job: the request's "cluster"
// field wins over the cluster the key is bound to; "public" (or neither)
// means the public pool. Only a cluster's members may run jobs in it.
#include "common/api_error.h"
#include "coordinator/auth.h"

#include <expected>
#include <string>

namespace potluck::coordinator::api {

// The cluster id, empty for the public pool; 403 for a non-member.
std::expected<std::string, ApiError> choose_cluster(const Principal& caller, const std::string& requested);

}  // namespace potluck::coordinator::api
