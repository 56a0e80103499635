#pragma once
// Node tokens, for the public pool and for private clusters:
//   POST   {name?}  -> 201 {id, token, name, cluster}; the token shown once
//   GET             -> the tokens of the scope (never secrets)
//   DELETE /{id}    -> revoked; nodes connected with it are disconnected;
//                      404 if not in the scope
// Who may call:
//   /api/node-tokens[/{id}]: any valid key; a provider's own public-pool
//     tokens (owner = caller, no cluster);
//   /api/clusters/{id}/node-tokens[/{token_id}]: the cluster's owner (checked
//     by ClustersHandler before it calls here); nodes enrolled with such a
//     token serve only that cluster.
#include "coordinator/auth.h"
#include "coordinator/node_hub.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class NodeTokensHandler {
 public:
  NodeTokensHandler(StoreExecutor& store, NodeHub& hub) : store_(store), hub_(hub) {}

  net::awaitable<net::Response> create(const Principal& caller, const store::NodeTokenScope& scope,
                                       const std::string& body);
  net::awaitable<net::Response> list(const store::NodeTokenScope& scope);
  net::awaitable<net::Response> revoke(const Principal& caller, const store::NodeTokenScope& scope,
                                       const std::string& token_id);

 private:
  StoreExecutor& store_;
  NodeHub& hub_;
};

}  // namespace potluck::coordinator::api
