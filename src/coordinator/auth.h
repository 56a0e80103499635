#pragma once
// Authenticates consumers by API key. Keys are looked up by their public id
// and checked by SHA-256 digest in constant time. Verified keys are cached so
// the hot path never waits for the store; revocation through the API drops
// the cache entry, so it takes effect on the next request.
#include "common/api_error.h"
#include "coordinator/rate_limiter.h"
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
  std::string role;    // admin | member
  std::string scopes;  // space-separated
  std::string key_cluster;                   // the cluster the key is bound to, if any
  std::vector<store::Membership> clusters;   // the user's clusters

  bool has_scope(std::string_view scope) const;
  // An administrator acting as one: the admin role AND a key with the admin
  // scope (an admin's everyday key without it acts as a member).
  bool is_admin() const { return role == "admin" && has_scope("admin"); }
  bool member_of(std::string_view cluster_id) const;
  bool owner_of(std::string_view cluster_id) const;
};

class KeyAuthenticator {
 public:
  KeyAuthenticator(StoreExecutor& store, std::chrono::seconds cache_ttl, RateLimit per_key = {})
      : store_(store), cache_ttl_(cache_ttl), per_key_(per_key) {}

  // Reads "Authorization: Bearer <key>" and checks it. 401 on any failure;
  // 429 when the key is over its rate limit.
  net::awaitable<std::expected<Principal, ApiError>> authenticate(const net::Request& request);

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

  StoreExecutor& store_;
  std::chrono::seconds cache_ttl_;
  RateLimiter per_key_;
  std::unordered_map<std::string, CachedKey> cache_;
  std::unordered_map<std::string, std::int64_t> last_used_;
};

// The bearer token of a request, or empty.
std::string_view bearer_token(const net::Request& request);

}  // namespace potluck::coordinator
