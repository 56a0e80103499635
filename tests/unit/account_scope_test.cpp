// The `account` scope: a user's first key holds it, a key made for a program
// does not, and keys from before the scope existed keep what they could do.
#include "coordinator/accounts.h"
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace potluck::coordinator {
namespace {

TEST(AccountScope, AUsersFirstKeyManagesTheAccountAndNewKeysDoNotByDefault) {
  EXPECT_EQ(first_key_scopes(store::Role::member), "inference exec account");
  EXPECT_EQ(first_key_scopes(store::Role::admin), "inference exec account admin");
  EXPECT_EQ(normalise_scopes("").value(), "inference exec");
  EXPECT_EQ(normalise_scopes("account,inference").value(), "inference account");
  EXPECT_TRUE(store::list_has_scope("inference exec account", store::Scope::account));
  EXPECT_FALSE(store::list_has_scope("inference exec", store::Scope::account));
}

TEST(AccountScope, KeysFromBeforeTheScopeKeepWhatTheyCouldDoAndNarrowedKeysGainNothing) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("potluck-account-scope-" + std::to_string(std::random_device{}()));
  auto store = store::sqlite::SqliteStore::open(dir.string());
  auto account = create_account(*store, "", "old@example.test", store::Role::member, "first");
  ASSERT_TRUE(account);
  const std::string user = account->user.id;
  for (const char* scopes : {"inference", "exec", "inference exec admin"})
    ASSERT_TRUE(issue_api_key(*store, user, scopes, scopes));
  // The database as the version before the scope left it (and before the
  // audit's pruned runs, migration 8).
  store->database().exec(
      "UPDATE api_keys SET scopes = 'inference exec' WHERE name = 'first'; DROP TABLE audit_pruned_runs; "
      "PRAGMA user_version = 6;");
  store.reset();
  store = store::sqlite::SqliteStore::open(dir.string());
  auto scopes_of = [&](const std::string& name) {
    auto s = store->database().prepare("SELECT scopes FROM api_keys WHERE name = ?");
    s.bind(1, name).step();
    return s.text(0);
  };
  EXPECT_EQ(scopes_of("first"), "inference exec account");
  EXPECT_EQ(scopes_of("inference exec admin"), "inference exec account admin");
  EXPECT_EQ(scopes_of("inference"), "inference");
  EXPECT_EQ(scopes_of("exec"), "exec");
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace potluck::coordinator
