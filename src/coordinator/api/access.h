#pragma once
// Who may call what, for the /api handlers:
// - admin endpoints need a user with the admin role AND a key with the admin
//   scope (403 otherwise);
// - a cluster's endpoints need membership; to a non-member a cluster answers
//   404 exactly like an unknown id, so nobody learns which clusters exist;
// - owner-only cluster endpoints answer a plain member 403.
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

#include <expected>

namespace potluck::coordinator::api {

// Whether the caller may see a node: admins every node, others their own
// nodes and their clusters' nodes (GET /api/nodes, /api/overview).
bool may_see_node(const Principal& caller, const std::string& owner_id, const std::string& cluster_id);

// The id of the node that ran a job as the caller is shown it (usage, the
// overview's errors): admins (the operator) the id, anyone else the id of
// their own nodes only and a per-caller alias for others' (store/node_alias.h).
std::string node_id_shown(const Principal& caller, const std::string& node_id, const std::string& owner_id);

// Admitted when the caller is an admin using a key with the admin scope; 403 otherwise.
std::expected<void, ApiError> require_admin(const Principal& caller);

// Admitted when the caller's key has the scope; 403 otherwise.
std::expected<void, ApiError> require_scope(const Principal& caller, store::Scope scope);

// The caller's membership of the cluster, or the answer to send (404 to
// non-members and for unknown ids, 500 on storage failure).
net::awaitable<std::expected<store::Membership, net::Response>> member_of(StoreExecutor& store,
                                                                          const std::string& cluster_id,
                                                                          const Principal& caller);

// Admitted when the membership is the owner's; 403 otherwise.
std::expected<void, ApiError> require_owner(const store::Membership& membership);

}  // namespace potluck::coordinator::api
