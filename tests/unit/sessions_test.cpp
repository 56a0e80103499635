// Dashboard sessions (coordinator/sessions.h) with an injected clock: found
// by the id the cookie holds and by nothing else, expiring after their TTL,
// ended with their key, and bounded in number (the oldest goes first).
#include "coordinator/sessions.h"
#include "crypto/sha256.h"
#include "fake_clock.h"
#include "net/cookies.h"

#include <gtest/gtest.h>

namespace {
using potluck::coordinator::SessionSettings;
using potluck::coordinator::SessionStore;
using potluck::testing::FakeClock;

constexpr std::int64_t kStart = 1'795'435'200'000;

TEST(Sessions, FoundByTheirIdOnly) {
  FakeClock clock{kStart};
  SessionStore sessions(clock, {});
  const auto created = sessions.create("key_a", "usr_a");
  auto found = sessions.find(created.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->key_id, "key_a");
  EXPECT_EQ(found->csrf_token, created.csrf_token);
  EXPECT_NE(created.id, created.csrf_token);
  EXPECT_FALSE(sessions.find(created.csrf_token)) << "the CSRF token must not open the session";
  EXPECT_FALSE(sessions.find(potluck::crypto::sha256_hex(created.id))) << "the stored digest must not open it";
  EXPECT_FALSE(sessions.find(""));
}

TEST(Sessions, ExpireAfterTheirTtl) {
  FakeClock clock{kStart};
  SessionStore sessions(clock, SessionSettings{std::chrono::seconds(60), 10});
  const auto created = sessions.create("key_a", "usr_a");
  EXPECT_EQ(created.expires_ms, kStart + 60'000);
  clock.now = kStart + 59'999;
  EXPECT_TRUE(sessions.find(created.id));
  clock.now = kStart + 60'000;
  EXPECT_FALSE(sessions.find(created.id));
  EXPECT_EQ(sessions.size(), 0u) << "an expired session is dropped when seen";
}

TEST(Sessions, RemovedOneByOneOrWithTheirKey) {
  FakeClock clock{kStart};
  SessionStore sessions(clock, {});
  const auto first = sessions.create("key_a", "usr_a");
  const auto second = sessions.create("key_a", "usr_a");
  const auto other = sessions.create("key_b", "usr_b");
  sessions.remove(first.id);
  EXPECT_FALSE(sessions.find(first.id));
  EXPECT_TRUE(sessions.find(second.id));
  sessions.remove_key("key_a");
  EXPECT_FALSE(sessions.find(second.id));
  EXPECT_TRUE(sessions.find(other.id)) << "another key's session was ended";
}

TEST(Sessions, BoundedWithTheOldestDroppedFirst) {
  FakeClock clock{kStart};
  SessionStore sessions(clock, SessionSettings{std::chrono::seconds(60), 2});
  const auto oldest = sessions.create("key_a", "usr_a");
  const auto middle = sessions.create("key_b", "usr_b");
  const auto newest = sessions.create("key_c", "usr_c");
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions.find(oldest.id));
  EXPECT_TRUE(sessions.find(middle.id));
  EXPECT_TRUE(sessions.find(newest.id));
}

TEST(Sessions, OneUserCannotPushOthersOut) {
  FakeClock clock{kStart};
  SessionStore sessions(clock, SessionSettings{std::chrono::seconds(60), 10, 3});
  const auto others = sessions.create("key_b", "usr_b");
  std::vector<std::string> mine;
  for (int i = 0; i < 100; ++i) mine.push_back(sessions.create("key_a", "usr_a").id);
  EXPECT_TRUE(sessions.find(others.id)) << "another user's session was signed out";
  EXPECT_EQ(sessions.size(), 4u);
  for (int i = 0; i < 97; ++i) EXPECT_FALSE(sessions.find(mine[i])) << i;
  for (int i = 97; i < 100; ++i) EXPECT_TRUE(sessions.find(mine[i])) << i;
  // Whichever key the user signs in with.
  const auto with_another_key = sessions.create("key_c", "usr_a");
  EXPECT_TRUE(sessions.find(with_another_key.id));
  EXPECT_FALSE(sessions.find(mine[97]));
}

TEST(Sessions, ExpiredOnesMakeRoomBeforeLiveOnes) {
  FakeClock clock{kStart};
  SessionStore sessions(clock, SessionSettings{std::chrono::seconds(60), 2});
  const auto live = sessions.create("key_a", "usr_a");
  clock.now = kStart + 30'000;
  const auto younger = sessions.create("key_b", "usr_b");
  clock.now = kStart + 61'000;  // `live` has expired, `younger` has not
  const auto newest = sessions.create("key_c", "usr_c");
  EXPECT_TRUE(sessions.find(younger.id));
  EXPECT_TRUE(sessions.find(newest.id));
  EXPECT_FALSE(sessions.find(live.id));
}

TEST(Cookies, ReadsTheNamedCookieAmongOthers) {
  potluck::net::Request request{potluck::net::http::verb::get, "/", 11};
  request.insert(potluck::net::http::field::cookie, "theme=dark; potluck_session=abc123 ;x=1");
  request.insert(potluck::net::http::field::cookie, "potluck_session=second");
  EXPECT_EQ(potluck::net::cookie_value(request, "potluck_session"), "abc123");
  EXPECT_EQ(potluck::net::cookie_value(request, "theme"), "dark");
  EXPECT_FALSE(potluck::net::cookie_value(request, "potluck"));
  EXPECT_FALSE(potluck::net::cookie_value(request, "session"));
}

TEST(Cookies, NoneWithoutTheHeader) {
  potluck::net::Request request{potluck::net::http::verb::get, "/", 11};
  EXPECT_FALSE(potluck::net::cookie_value(request, "potluck_session"));
}

}  // namespace
