#pragma once
// A node that goes away with a job (its connection drops, or it drains and
// gives the job back) is the same news for every kind of job: the work was
// lost with its node, and sending the request again will find another one.
// That is node_lost (503, retryable), distinct from no_capacity, which says
// that no node could take the job at all.
#include "common/api_error.h"
#include "protocol/frames.h"

#include <optional>

namespace potluck::coordinator {

// The consumer's error when `error` says the node was lost; nullopt otherwise.
std::optional<ApiError> lost_with_node(const protocol::Error& error);

}  // namespace potluck::coordinator
