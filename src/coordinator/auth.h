#pragma once
// Authenticates consumers by API key. Keys are looked up by their public id
// and checked by SHA-256 digest in constant time. Verified keys are cached so
// the hot path never waits for the store; revocation through the API drops
// the cache entry, so it takes effect on the next request.
//
// A request without an Authorization header may instead carry the dashboard's
// session cookie: it then acts as the key the session was made from (same
// Principal), and a state-changing method (POST, PUT, PATCH, DELETE) must send
// the session's CSRF token in X-CSRF-Token (403 csrf_token_invalid otherwise).
// A session whose key was revoked ends on its next request.
#include "common/api_error.h"
#include "coordinator/rate_limiter.h"
#include "coordinator/sessions.h"
#include "coordinator/store_executor.h"
#include "net/asio_fwd.h"

#include <chrono>
#include <expected>
#include <string>
#include <unordered_map>

namespace potluck::coordinator {

struct Principal {
  std::string user_id;
  std::string key_id;
  store::Role role = store::Role::member;
  std::string scopes;  // as stored: space-separated store::Scope texts
  std::string key_cluster;                   // the cluster the key is bound to, if any
  std::vector<store::Membership> clusters;   // the user's clusters

  bool has_scope(store::Scope scope) const;
  // An administrator acting as one: the admin role AND a key with the admin
  // scope (an admin's everyday key without it acts as a member).
  bool is_admin() const { return role == store::Role::admin && has_scope(store::Scope::admin); }
  bool member_of(std::string_view cluster_id) const;
  bool owner_of(std::string_view cluster_id) const;
};

// The dashboard's session cookie and CSRF header.
inline constexpr std::string_view kSessionCookie = "potluck_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// A request authenticated by its session cookie.
struct SessionCaller {
  Principal principal;
  std::string csrf_token;
};

class KeyAuthenticator {
 public:
  KeyAuthenticator(StoreExecutor& store, SessionStore& sessions, std::chrono::seconds cache_ttl,
                   RateLimit per_key = {})
      : store_(store), sessions_(sessions), cache_ttl_(cache_ttl), per_key_(per_key) {}

  // Reads "Authorization: Bearer <key>" and checks it; without that header,
  // the session cookie (see above). 401 on any failure; 403 on a missing or
  // wrong CSRF token; 429 when the key is over its rate limit.
  net::awaitable<std::expected<Principal, ApiError>> authenticate(const net::Request& request);
  // An API key given as text (signing in).
  net::awaitable<std::expected<Principal, ApiError>> authenticate_key(std::string_view token);
  // The session cookie only.
  net::awaitable<std::expected<SessionCaller, ApiError>> authenticate_session(const net::Request& request);

  SessionStore& sessions() { return sessions_; }

  void invalidate(const std::string& key_id) { cache_.erase(key_id); }
  // Drops every cached key of the user, so a change to what the user may
  // reach (cluster memberships) is read afresh on their next request.
  void invalidate_user(const std::string& user_id);

  // Writes the last-used times gathered since the previous flush.
  net::awaitable<void> flush_last_used();

 private:
  struct CachedKey {
    std::string digest;
    Principal principal;
    bool revoked = false;
    std::chrono::steady_clock::time_point fetched;
  };

  net::awaitable<std::expected<CachedKey, ApiError>> load(const std::string& key_id);
  // The cached entry of the key, read from the store when missing or stale.
  // Valid until the next suspension.
  net::awaitable<std::expected<const CachedKey*, ApiError>> fresh_entry(const std::string& key_id);
  // The checks every authenticated request passes last: the rate limit and
  // the last-use time.
  std::expected<Principal, ApiError> admit(const std::string& key_id, const CachedKey& key);

  StoreExecutor& store_;
  SessionStore& sessions_;
  std::chrono::seconds cache_ttl_;
  RateLimiter per_key_;
  std::unordered_map<std::string, CachedKey> cache_;
  std::unordered_map<std::string, std::int64_t> last_used_;
};

// The bearer token of a request, or empty.
std::string_view bearer_token(const net::Request& request);

}  // namespace potluck::coordinator
