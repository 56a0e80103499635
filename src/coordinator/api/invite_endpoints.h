#pragma once
// Creating and listing invite codes, shared by platform invites (/api/invites)
// and cluster invites (/api/clusters/{id}/invites). The callers check who may
// call; these only do the work.
//   create: body {max_uses? (1..10000, default 1), expires_in_s? (1..31536000,
//           default 7 days)} -> 201 {id, code, cluster, max_uses, expires_at};
//           the code is shown only in this answer.
//   list:   -> {"object":"list","data":[invite...]} (never a code)
//   revoke: -> the invite, revoked; 404 unless it is an invite of `cluster_id`
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

net::awaitable<net::Response> create_invite(StoreExecutor& store, const Principal& caller,
                                            const std::string& cluster_id, const std::string& body);
net::awaitable<net::Response> list_invites(StoreExecutor& store, const std::string& cluster_id);
net::awaitable<net::Response> revoke_invite(StoreExecutor& store, const Principal& caller,
                                            const std::string& cluster_id, const std::string& invite_id);

}  // namespace potluck::coordinator::api
