#pragma once
// /api/session: the dashboard's sign-in (docs/architecture.md, "Dashboard").
//   POST   {"key":"pl_..."}  (Content-Type: application/json, else 415)
//                            an API key exchanged for a session cookie
//                            (HttpOnly, SameSite=Strict, Path=/; Secure with
//                            --secure-cookies) and its CSRF token
//   GET                      the signed-in user and the CSRF token again (a
//                            reloaded page), or 401
//   DELETE                   sign-out: the session ends, the cookie expires
//                            (needs X-CSRF-Token like every state change)
// Answer of POST and GET: {"user":{"id","email","role"},"csrf_token","expires_at"}.
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class SessionHandler {
 public:
  SessionHandler(KeyAuthenticator& auth, StoreExecutor& store, bool secure_cookies)
      : auth_(auth), store_(store), secure_cookies_(secure_cookies) {}

  // Signing in: the key in the JSON body is the credential.
  net::awaitable<net::Response> sign_in(const net::Request& request);
  // Reading and ending the session: its cookie (and CSRF token) only.
  net::awaitable<net::Response> current(const net::Request& request);
  net::awaitable<net::Response> sign_out(const net::Request& request);

 private:
  // The answer of POST and GET, with the user's record read from the store.
  net::awaitable<net::Response> session_answer(const Principal& principal, const std::string& csrf_token,
                                               std::int64_t expires_ms);
  std::string cookie(std::string_view value, std::int64_t max_age_s) const;

  KeyAuthenticator& auth_;
  StoreExecutor& store_;
  bool secure_cookies_;
};

}  // namespace potluck::coordinator::api
