#pragma once
// Accounts:
//   POST /api/signup   {invite, email} -> 201 {user, key, cluster}; the key
//                      is shown once. Who: anyone holding an invite code (no
//                      API key): a platform invite, or a cluster's invite
//                      (the new user also joins that cluster).
//   POST /api/users    {email, admin?} -> 201 {user, key}. Who: admins.
//   GET  /api/users    -> every user. Who: admins.
//   GET  /api/me       -> {user, key{id, scopes, cluster}, clusters}. Who: any valid key.
//   POST /api/invites  {max_uses?, expires_in_s?} -> 201, a platform
//                      (sign-up) invite code shown once. Who: admins.
//   GET  /api/invites  -> platform invites (never codes). Who: admins.
//   DELETE /api/invites/{id} -> revoked: the code is refused from now on (410).
//                      Who: admins.
// "Admins" means a user with the admin role calling with a key that holds
// the admin scope; anyone else gets 403.
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class UsersHandler {
 public:
  explicit UsersHandler(StoreExecutor& store) : store_(store) {}

  // Unauthenticated: the invite code is the credential.
  net::awaitable<net::Response> signup(net::Exchange& exchange);
  // `caller` is an admin (the router checked it).
  net::awaitable<net::Response> create_user(const Principal& caller, const std::string& body);
  net::awaitable<net::Response> list_users();
  net::awaitable<net::Response> me(const Principal& caller);

 private:

  StoreExecutor& store_;
};

}  // namespace potluck::coordinator::api
