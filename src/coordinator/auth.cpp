#include "coordinator/auth.h"

#include "common/clock.h"

#include "common/strings.h"
#include "crypto/secret_token.h"

#include <spdlog/spdlog.h>

namespace potluck::coordinator {

// On every request: compares words in place instead of splitting the list.
bool Principal::has_scope(std::string_view scope) const {
  std::string_view rest = scopes;
  while (!rest.empty()) {
    auto space = rest.find(' ');
    if (rest.substr(0, space) == scope) return true;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return false;
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
  if (token.empty())
    co_return std::unexpected(ApiError::unauthorized(
        "missing API key: send it as 'Authorization: Bearer <key>'"));
  auto parsed = crypto::parse_token(token, crypto::kApiKeyPrefix);
  if (!parsed) co_return std::unexpected(ApiError::unauthorized("invalid API key"));

  std::string key_id(parsed->id);
  auto it = cache_.find(key_id);
  if (it == cache_.end() || std::chrono::steady_clock::now() - it->second.fetched > cache_ttl_) {
    auto loaded = co_await load(key_id);
    if (!loaded) co_return std::unexpected(loaded.error());
    it = cache_.insert_or_assign(key_id, std::move(*loaded)).first;
  }
  const CachedKey& key = it->second;
  if (!crypto::token_matches(token, key.digest))
    co_return std::unexpected(ApiError::unauthorized("invalid API key"));
  if (key.revoked) co_return std::unexpected(ApiError::unauthorized("this API key has been revoked"));
  last_used_[key_id] = unix_now_ms();
  co_return key.principal;
}

net::awaitable<std::expected<KeyAuthenticator::CachedKey, ApiError>> KeyAuthenticator::load(
    const std::string& key_id) {
  auto find = [key_id](store::Store& s) -> store::Result<CachedKey> {
    auto key = s.find_api_key(key_id);
    if (!key) return std::unexpected(key.error());
    auto user = s.find_user(key->user_id);
    if (!user) return std::unexpected(user.error());
    return CachedKey{key->sha256, Principal{user->id, key->id, user->role, key->scopes},
                     key->revoked_at != 0, std::chrono::steady_clock::now()};
  };
  auto result = co_await store_.call(find);
  if (!result) {
    if (result.error().kind == store::StoreError::Kind::not_found)
      co_return std::unexpected(ApiError::unauthorized("invalid API key"));
    spdlog::error("key lookup failed: {}", result.error().message);
    co_return std::unexpected(ApiError::internal("could not check the API key"));
  }
  co_return std::move(*result);
}

void KeyAuthenticator::invalidate_user(const std::string& user_id) {
  std::erase_if(cache_, [&user_id](const auto& entry) { return entry.second.principal.user_id == user_id; });
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
