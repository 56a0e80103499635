#pragma once
// Private clusters:
//   POST   /api/clusters                   {name} -> 201; the caller owns it;
//                                          409 if the name is taken. Who: any valid key.
//   GET    /api/clusters                   -> the caller's clusters and roles. Who: any valid key.
//   POST   /api/clusters/join              {code} -> joined. Who: any valid key.
//                                          404 unknown code, 410 spent/expired/
//                                          revoked, 409 already a member, 400 a
//                                          sign-up (platform) invite.
//   GET    /api/clusters/{id}              -> the cluster, the caller's role and
//                                          the members with roles. Who: members.
//   DELETE /api/clusters/{id}              deletes the cluster: invites and node
//                                          tokens revoked, its nodes disconnected,
//                                          memberships removed, its node records
//                                          deleted, usage rows lose its id; audited
//                                          as cluster.deleted. Who: the owner.
//   POST   /api/clusters/{id}/leave        Who: members; the owner gets 409.
//   DELETE /api/clusters/{id}/members/{user_id}   Who: the owner.
//   POST   /api/clusters/{id}/invites      {max_uses?, expires_in_s?} -> 201, the
//                                          code shown once. Who: the owner.
//   GET    /api/clusters/{id}/invites      Who: the owner.
//   DELETE /api/clusters/{id}/invites/{invite_id}  revoke. Who: the owner.
//   POST   /api/clusters/{id}/node-tokens  {name?}; GET; DELETE .../{token_id}.
//                                          Who: the owner (NodeTokensHandler).
// To anyone who is not a member a cluster answers 404, exactly like an
// unknown id: outsiders cannot learn that it exists. A member calling an
// owner-only endpoint gets 403. Membership changes drop the user's cached
// keys, so the next request sees them.
#include "coordinator/api/node_tokens_handler.h"
#include "coordinator/auth.h"
#include "coordinator/node_hub.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class ClustersHandler {
 public:
  ClustersHandler(KeyAuthenticator& auth, StoreExecutor& store, NodeHub& hub, NodeTokensHandler& node_tokens)
      : auth_(auth), store_(store), hub_(hub), node_tokens_(node_tokens) {}

  net::awaitable<net::Response> create(const Principal& caller, const std::string& body);
  net::awaitable<net::Response> list(const Principal& caller);
  net::awaitable<net::Response> join(const Principal& caller, const std::string& body);
  // Members.
  net::awaitable<net::Response> show(const Principal& caller, const std::string& cluster_id);
  net::awaitable<net::Response> delete_cluster(const Principal& caller, const std::string& cluster_id);
  net::awaitable<net::Response> leave(const Principal& caller, const std::string& cluster_id);
  // The owner. `invites` and `node_tokens`: GET lists, POST creates.
  net::awaitable<net::Response> remove_member(const Principal& caller, const std::string& cluster_id,
                                              const std::string& user_id);
  net::awaitable<net::Response> invites(net::Exchange& exchange, const Principal& caller,
                                        const std::string& cluster_id);
  net::awaitable<net::Response> revoke_invite(const Principal& caller, const std::string& cluster_id,
                                              const std::string& invite_id);
  net::awaitable<net::Response> node_tokens(net::Exchange& exchange, const Principal& caller,
                                            const std::string& cluster_id);
  net::awaitable<net::Response> revoke_node_token(const Principal& caller, const std::string& cluster_id,
                                                  const std::string& token_id);

 private:
  // The caller's membership, or the refusal: 404 to non-members (and for
  // unknown ids), 403 to a member when `owner_only`.
  net::awaitable<std::expected<store::Membership, net::Response>> admit(const Principal& caller,
                                                                        const std::string& cluster_id,
                                                                        bool owner_only);

  KeyAuthenticator& auth_;
  StoreExecutor& store_;
  NodeHub& hub_;
  NodeTokensHandler& node_tokens_;
};

}  // namespace potluck::coordinator::api
