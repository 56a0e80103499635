#pragma once
// The account and cluster handlers under /api: sign-up, users, /api/me,
// platform invites, clusters and node tokens, built together because the
// clusters handler serves its node tokens through the node-tokens handler.
// Each handler's header states who may call each of its endpoints
// (users_handler.h, clusters_handler.h, node_tokens_handler.h); the routes
// are in coordinator/routes.cpp.
#include "coordinator/api/clusters_handler.h"
#include "coordinator/api/node_tokens_handler.h"
#include "coordinator/api/users_handler.h"

namespace potluck::coordinator::api {

struct AccountsApi {
  AccountsApi(KeyAuthenticator& auth, StoreExecutor& store, NodeHub& hub)
      : executor(store), users(store), node_tokens(store, hub), clusters(auth, store, hub, node_tokens) {}

  StoreExecutor& executor;  // the platform invites go straight to invite_endpoints.h
  UsersHandler users;
  NodeTokensHandler node_tokens;
  ClustersHandler clusters;
};

}  // namespace potluck::coordinator::api
