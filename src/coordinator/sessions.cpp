#include "coordinator/sessions.h"

#include "crypto/sha256.h"

#include <algorithm>

namespace potluck::coordinator {
namespace {

constexpr std::size_t kSessionIdLength = 52;  // base32: 260 bits
constexpr std::size_t kCsrfTokenLength = 32;  // base32: 160 bits

}  // namespace

NewSession SessionStore::create(const std::string& key_id, const std::string& user_id) {
  make_room(user_id);
  NewSession created{crypto::random_base32(kSessionIdLength), crypto::random_base32(kCsrfTokenLength),
                     clock_.unix_ms() + std::chrono::milliseconds(settings_.ttl).count()};
  by_digest_.insert_or_assign(crypto::sha256_hex(created.id),
                              Session{key_id, user_id, created.csrf_token, next_sequence_++, created.expires_ms});
  return created;
}

std::optional<Session> SessionStore::find(std::string_view session_id) {
  auto it = by_digest_.find(crypto::sha256_hex(session_id));
  if (it == by_digest_.end()) return std::nullopt;
  if (it->second.expires_ms <= clock_.unix_ms()) {
    by_digest_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::remove(std::string_view session_id) { by_digest_.erase(crypto::sha256_hex(session_id)); }

void SessionStore::remove_key(const std::string& key_id) {
  std::erase_if(by_digest_, [&key_id](const auto& entry) { return entry.second.key_id == key_id; });
}

// Sign-ins are rare (and rate limited per address), so scans of the map
// cost less than keeping it ordered by age and by user.
void SessionStore::make_room(const std::string& user_id) {
  const std::int64_t now = clock_.unix_ms();
  std::erase_if(by_digest_, [now, &user_id](const auto& entry) {
    return entry.second.user_id == user_id && entry.second.expires_ms <= now;
  });
  const auto users = [&user_id](const Session& s) { return s.user_id == user_id; };
  while (std::count_if(by_digest_.begin(), by_digest_.end(), [&](const auto& e) { return users(e.second); }) >=
         static_cast<std::ptrdiff_t>(settings_.max_per_user))
    drop_oldest_where(users);
  if (by_digest_.size() < settings_.max_sessions) return;
  std::erase_if(by_digest_, [now](const auto& entry) { return entry.second.expires_ms <= now; });
  while (!by_digest_.empty() && by_digest_.size() >= settings_.max_sessions)
    drop_oldest_where([](const Session&) { return true; });
}

void SessionStore::drop_oldest_where(const std::function<bool(const Session&)>& matches) {
  auto oldest = by_digest_.end();
  for (auto it = by_digest_.begin(); it != by_digest_.end(); ++it)
    if (matches(it->second) && (oldest == by_digest_.end() || it->second.sequence < oldest->second.sequence))
      oldest = it;
  if (oldest != by_digest_.end()) by_digest_.erase(oldest);
}

}  // namespace potluck::coordinator
