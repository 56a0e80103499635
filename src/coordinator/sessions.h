#pragma once
// Dashboard sessions: an API key exchanged for a random session id that the
// browser holds in an HttpOnly cookie (POST /api/session).
//
// Kept in memory, not in the store, on purpose: a session is a short-lived
// stand-in for a key the user still holds, so a restart that signs everyone
// out costs one sign-in; in exchange no session id digest ever reaches the
// disk or a backup, and checking a cookie never waits for the store. Only the
// SHA-256 of each id is kept (like every other secret), so even a memory dump
// yields no usable cookie. The map is bounded (max_sessions): when it is full,
// expired sessions go first, then the oldest. One user holds at most
// max_per_user of them (their oldest goes first), so one key holder signing
// in again and again cannot push everybody else's sessions out.
#include "common/clock.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace potluck::coordinator {

struct SessionSettings {
  std::chrono::seconds ttl{12 * 3600};
  std::size_t max_sessions = 10'000;
  std::size_t max_per_user = 20;
};

struct Session {
  std::string key_id;      // the key it stands for; revoking the key ends it
  std::string user_id;     // whose it is: each user holds at most max_per_user
  std::string csrf_token;  // sent back in X-CSRF-Token on every state change
  std::uint64_t sequence = 0;  // creation order: when full, the lowest goes first
  std::int64_t expires_ms = 0;
};

struct NewSession {
  std::string id;  // the cookie's value, known only to the browser
  std::string csrf_token;
  std::int64_t expires_ms = 0;
};

class SessionStore {
 public:
  SessionStore(const Clock& clock, SessionSettings settings) : clock_(clock), settings_(settings) {}

  NewSession create(const std::string& key_id, const std::string& user_id);
  // The live session with this id; an expired one is dropped and not found.
  std::optional<Session> find(std::string_view session_id);
  void remove(std::string_view session_id);
  // Every session of the key (it was revoked).
  void remove_key(const std::string& key_id);

  std::size_t size() const { return by_digest_.size(); }
  const SessionSettings& settings() const { return settings_; }

 private:
  void make_room(const std::string& user_id);
  void drop_oldest_where(const std::function<bool(const Session&)>& matches);

  const Clock& clock_;
  SessionSettings settings_;
  std::uint64_t next_sequence_ = 0;
  std::unordered_map<std::string, Session> by_digest_;  // sha256_hex(id) -> session
};

}  // namespace potluck::coordinator
