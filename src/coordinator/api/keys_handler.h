#pragma once
// /api/keys: a user manages their own API keys.
//   POST   /api/keys        {name, scopes?, cluster?} -> 201, the secret shown
//                            once; `cluster` binds the key to a cluster the
//                            caller is a member of (404 otherwise)
//   GET    /api/keys        -> the caller's keys (never secrets)
//   DELETE /api/keys/{id}   -> revoked; 404 if not the caller's
// Who may call: any valid key; it acts on its own user's keys only. A key may
// only grant scopes it holds itself.
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class KeysHandler {
 public:
  KeysHandler(KeyAuthenticator& auth, StoreExecutor& store) : auth_(auth), store_(store) {}

  net::awaitable<net::Response> create(const Principal& caller, const std::string& body);
  net::awaitable<net::Response> list(const Principal& caller);
  net::awaitable<net::Response> revoke(const Principal& caller, const std::string& key_id);

 private:

  KeyAuthenticator& auth_;
  StoreExecutor& store_;
};

}  // namespace potluck::coordinator::api
