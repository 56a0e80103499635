#pragma once
// The account and cluster endpoints under /api: sign-up, users, /api/me,
// platform invites, clusters and node tokens. Each handler's header states
// who may call each of its endpoints (users_handler.h, clusters_handler.h,
// node_tokens_handler.h). Everything but /api/signup needs a valid API key.
#include "coordinator/api/clusters_handler.h"
#include "coordinator/api/node_tokens_handler.h"
#include "coordinator/api/users_handler.h"

namespace potluck::coordinator::api {

class AccountsApi {
 public:
  AccountsApi(KeyAuthenticator& auth, StoreExecutor& store, NodeHub& hub)
      : auth_(auth), users_(store), node_tokens_(store, hub), clusters_(auth, store, hub, node_tokens_) {}

  // Whether `path` is one of these endpoints.
  static bool serves(std::string_view path);
  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, std::string_view path);

 private:
  KeyAuthenticator& auth_;
  UsersHandler users_;
  NodeTokensHandler node_tokens_;
  ClustersHandler clusters_;
};

}  // namespace potluck::coordinator::api
