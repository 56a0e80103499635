// KeyAuthenticator::invalidate_user drops every cached key of one user (and
// only theirs): a change made behind the cache is seen on the next request.
#include "coordinator/accounts.h"
#include "coordinator/auth.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <filesystem>

namespace {
using namespace potluck;
namespace asio = boost::asio;

class AuthInvalidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("potluck-auth-invalidate-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto sqlite = store::sqlite::SqliteStore::open(dir_.string());
    raw_ = sqlite.get();
    alice_ = issue("alice@example.test");
    bob_ = issue("bob@example.test");
    store_ = std::make_unique<coordinator::StoreExecutor>(io_.get_executor(), std::move(sqlite));
    // Long enough that only invalidation, never expiry, reloads a key here.
    auth_ = std::make_unique<coordinator::KeyAuthenticator>(*store_, sessions_, std::chrono::hours(1));
  }
  void TearDown() override {
    auth_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  struct Issued {
    std::string user_id;
    coordinator::IssuedSecret key;
  };
  Issued issue(const std::string& email) {
    auto account = coordinator::create_account(*raw_, "", email, store::Role::member, "k");
    return {account->user.id, account->key};
  }

  // Runs one authentication to completion on the test's io_context.
  bool accepted(const Issued& who) {
    net::Request request{net::http::verb::get, "/api/me", 11};
    request.set(net::http::field::authorization, "Bearer " + who.key.secret);
    auto future = asio::co_spawn(io_, auth_->authenticate(request), asio::use_future);
    io_.restart();
    io_.run();
    return future.get().has_value();
  }

  // Revokes behind the cache's back, as another process would.
  void revoke_in_store(const Issued& who) {
    ASSERT_TRUE(raw_->revoke_api_key(who.user_id, who.key.id, 1));
  }

  asio::io_context io_;
  std::filesystem::path dir_;
  store::sqlite::SqliteStore* raw_ = nullptr;
  std::unique_ptr<coordinator::StoreExecutor> store_;
  SystemClock clock_;
  coordinator::SessionStore sessions_{clock_, {}};
  std::unique_ptr<coordinator::KeyAuthenticator> auth_;
  Issued alice_, bob_;
};

TEST_F(AuthInvalidateTest, DropsTheUsersCachedKeysOnly) {
  ASSERT_TRUE(accepted(alice_));
  ASSERT_TRUE(accepted(bob_));
  revoke_in_store(alice_);
  revoke_in_store(bob_);
  // Both still cached.
  EXPECT_TRUE(accepted(alice_));
  EXPECT_TRUE(accepted(bob_));
  auth_->invalidate_user(alice_.user_id);
  EXPECT_FALSE(accepted(alice_));
  EXPECT_TRUE(accepted(bob_)) << "another user's cache entry was dropped";
}

}  // namespace
