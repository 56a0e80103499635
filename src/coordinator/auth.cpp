#include "coordinator/auth.h"

#include "common/clock.h"

#include "common/log.h"
#include "common/strings.h"
#include "coordinator/store_error.h"
#include "crypto/secret_token.h"
#include "crypto/sha256.h"
#include "net/cookies.h"

#include <algorithm>

namespace potluck::coordinator {

bool Principal::has_scope(store::Scope scope) const { return store::list_has_scope(scopes, scope); }

namespace {

bool changes_state(net::http::verb method) {
  using net::http::verb;
  return method == verb::post || method == verb::put || method == verb::patch || method == verb::delete_;
}

bool csrf_token_matches(const net::Request& request, std::string_view expected) {
  auto it = request.find(kCsrfHeader);
  return it != request.end() && crypto::constant_time_equal(it->value(), expected);
}

}  // namespace

bool Principal::member_of(std::string_view cluster_id) const {
  return std::any_of(clusters.begin(), clusters.end(),
                     [cluster_id](const store::Membership& m) { return m.cluster_id == cluster_id; });
}

bool Principal::owner_of(std::string_view cluster_id) const {
  return std::any_of(clusters.begin(), clusters.end(), [cluster_id](const store::Membership& m) {
    return m.cluster_id == cluster_id && m.role == store::ClusterRole::owner;
  });
}

void KeyAuthenticator::invalidate_user(const std::string& user_id) {
  std::erase_if(cache_, [&user_id](const auto& entry) { return entry.second.principal.user_id == user_id; });
}

std::string_view bearer_token(const net::Request& request) {
  auto it = request.find(net::http::field::authorization);
  if (it == request.end()) return {};
  std::string_view value = it->value();
  if (value.size() < 7 || to_lower(value.substr(0, 7)) != "bearer ") return {};
  return trim(value.substr(7));
}

net::awaitable<std::expected<Principal, ApiError>> KeyAuthenticator::authenticate(
    const net::Request& request) {
  auto token = bearer_token(request);
  if (token.empty() && net::cookie_value(request, kSessionCookie)) {
    auto caller = co_await authenticate_session(request);
    if (!caller) co_return std::unexpected(std::move(caller.error()));
    co_return std::move(caller->principal);
  }
  if (token.empty())
    co_return std::unexpected(ApiError::unauthorized(
        "missing API key: send it as 'Authorization: Bearer <key>'"));
  co_return co_await authenticate_key(token);
}

net::awaitable<std::expected<Principal, ApiError>> KeyAuthenticator::authenticate_key(std::string_view token) {
  auto parsed = crypto::parse_token(token, crypto::kApiKeyPrefix);
  if (!parsed) co_return std::unexpected(ApiError::unauthorized("invalid API key"));
  const std::string key_id(parsed->id);
  auto key = co_await fresh_entry(key_id);
  if (!key) co_return std::unexpected(std::move(key.error()));
  if (!crypto::token_matches(token, (*key)->digest))
    co_return std::unexpected(ApiError::unauthorized("invalid API key"));
  if ((*key)->revoked) co_return std::unexpected(ApiError::unauthorized("this API key has been revoked"));
  co_return admit(key_id, **key);
}

net::awaitable<std::expected<SessionCaller, ApiError>> KeyAuthenticator::authenticate_session(
    const net::Request& request) {
  const auto cookie = net::cookie_value(request, kSessionCookie);
  auto session = cookie ? sessions_.find(*cookie) : std::nullopt;
  if (!session)
    co_return std::unexpected(ApiError::unauthorized("not signed in, or the session has expired: sign in again"));
  auto key = co_await fresh_entry(session->key_id);
  if (!key || (*key)->revoked) {
    // The key is gone: so is every session made from it.
    if (!key && key.error().status != 401) co_return std::unexpected(std::move(key.error()));
    sessions_.remove_key(session->key_id);
    co_return std::unexpected(ApiError::unauthorized("the API key of this session has been revoked: sign in again"));
  }
  if (changes_state(request.method()) && !csrf_token_matches(request, session->csrf_token))
    co_return std::unexpected(ApiError{403, "invalid_request_error", "csrf_token_invalid",
                                       "missing or wrong X-CSRF-Token header (the session's csrf_token)"});
  auto principal = admit(session->key_id, **key);
  if (!principal) co_return std::unexpected(std::move(principal.error()));
  co_return SessionCaller{std::move(*principal), std::move(session->csrf_token)};
}

net::awaitable<std::expected<const KeyAuthenticator::CachedKey*, ApiError>> KeyAuthenticator::fresh_entry(
    const std::string& key_id) {
  auto it = cache_.find(key_id);
  if (it == cache_.end() || std::chrono::steady_clock::now() - it->second.fetched > cache_ttl_) {
    auto loaded = co_await load(key_id);
    if (!loaded) co_return std::unexpected(std::move(loaded.error()));
    it = cache_.insert_or_assign(key_id, std::move(*loaded)).first;
  }
  co_return &it->second;
}

std::expected<Principal, ApiError> KeyAuthenticator::admit(const std::string& key_id, const CachedKey& key) {
  if (const int wait_s = per_key_.take(key_id))
    return std::unexpected(ApiError::rate_limited("too many requests with this API key; slow down", wait_s));
  last_used_[key_id] = unix_now_ms();
  return key.principal;
}

net::awaitable<std::expected<KeyAuthenticator::CachedKey, ApiError>> KeyAuthenticator::load(
    const std::string& key_id) {
  auto find = [key_id](store::Store& s) -> store::Result<CachedKey> {
    auto key = s.find_api_key(key_id);
    if (!key) return std::unexpected(key.error());
    auto user = s.find_user(key->user_id);
    if (!user) return std::unexpected(user.error());
    auto clusters = s.clusters().memberships(user->id);
    if (!clusters) return std::unexpected(clusters.error());
    Principal principal{user->id, key->id, user->role, key->scopes, key->cluster_id, std::move(*clusters)};
    return CachedKey{key->sha256, std::move(principal), key->revoked_at != 0 || user->deleted_at != 0,
                     std::chrono::steady_clock::now()};
  };
  auto result = co_await store_.call(find);
  if (!result) {
    if (result.error().kind == store::StoreError::Kind::not_found)
      co_return std::unexpected(ApiError::unauthorized("invalid API key"));
    co_return std::unexpected(store_error(result.error(), "api key"));
  }
  co_return std::move(*result);
}

net::awaitable<void> KeyAuthenticator::flush_last_used() {
  if (last_used_.empty()) co_return;
  std::vector<std::pair<std::string, std::int64_t>> batch(last_used_.begin(), last_used_.end());
  last_used_.clear();
  auto touch = [&batch](store::Store& s) { return s.touch_api_keys(batch); };
  auto result = co_await store_.call(touch);
  if (!result) spdlog::warn("could not record key last-use times: {}", result.error().message);
}

}  // namespace potluck::coordinator
