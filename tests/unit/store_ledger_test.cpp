// The ledger on a real SQLite file: double entry, holds, settlement, the
// one-event-per-job rule and start-up recovery of holds.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

namespace potluck::store {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("potluck-ledger-" + std::to_string(std::random_device{}()));
    store_ = sqlite::SqliteStore::open(dir_.string());
    payer_ = store_->create_user("", "payer@example.test", potluck::store::Role::member).value().id;
    provider_ = store_->create_user("", "provider@example.test", potluck::store::Role::member).value().id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::int64_t balance(const std::string& account) { return store_->ledger().balance(account).value(); }
  // The kept balance row itself (0 when the account has none).
  std::int64_t kept(const std::string& account) {
    auto s = store_->database().prepare("SELECT coalesce(sum(balance), 0) FROM account_balances WHERE account = ?");
    s.bind(1, account).step();
    return s.integer(0);
  }
  std::int64_t count(const std::string& sql) {
    auto s = store_->database().prepare(sql);
    s.step();
    return s.integer(0);
  }

  UsageEvent event(const std::string& job, const Settlement& settlement) {
    UsageEvent e;
    e.ts_ms = 1;
    e.job_id = job;
    e.user_id = payer_;
    e.model = "m";
    e.kind = "chat";
    e.status = UsageStatus::ok;
    e.cost = settlement.cost;
    e.settlement = settlement;
    return e;
  }

  std::filesystem::path dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  std::string payer_, provider_;
};

TEST_F(LedgerTest, GrantsAreTransfersThatSumToZero) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  EXPECT_EQ(balance(user_account(payer_)), 1000);
  EXPECT_EQ(balance(std::string(kGrantsAccount)), -1000);
  EXPECT_EQ(store_->ledger().total().value(), 0);
  EXPECT_EQ(store_->ledger().grant("", payer_, 0).error().kind, StoreError::Kind::invalid);
  EXPECT_EQ(store_->ledger().grant("", "usr_nobody", 5).error().kind, StoreError::Kind::not_found);
}

TEST_F(LedgerTest, AHoldBeyondTheBalanceIsRefusedAndWritesNothing) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 100));
  auto refused = store_->ledger().hold(user_account(payer_), "job_1", 101);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, StoreError::Kind::insufficient);
  EXPECT_EQ(balance(user_account(payer_)), 100);
  EXPECT_EQ(balance(escrow_account("job_1")), 0);
}

TEST_F(LedgerTest, SettlementChargesTheCostPaysProviderAndFeeAndReleasesTheRest) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_1", 400));
  EXPECT_EQ(balance(user_account(payer_)), 600);
  const Settlement s{user_account(payer_), 400, 100, user_account(provider_), 10};
  ASSERT_TRUE(store_->insert_usage({event("job_1", s)}));
  EXPECT_EQ(balance(user_account(payer_)), 900);
  EXPECT_EQ(balance(user_account(provider_)), 90);
  EXPECT_EQ(balance(std::string(kPlatformAccount)), 10);
  EXPECT_EQ(balance(escrow_account("job_1")), 0);
  EXPECT_EQ(store_->ledger().total().value(), 0);
}

TEST_F(LedgerTest, AJobRecordedTwiceIsChargedOnce) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_1", 400));
  const Settlement s{user_account(payer_), 400, 100, user_account(provider_), 0};
  ASSERT_TRUE(store_->insert_usage({event("job_1", s)}));
  ASSERT_TRUE(store_->insert_usage({event("job_1", s)}));  // a retried batch
  EXPECT_EQ(store_->count_usage().value(), 1);
  EXPECT_EQ(balance(user_account(payer_)), 900);
  EXPECT_EQ(balance(user_account(provider_)), 100);
}

TEST_F(LedgerTest, OpenHoldsAreReleasedAtStartUp) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_1", 300));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_2", 200));
  ASSERT_TRUE(store_->insert_usage({event("job_2", {user_account(payer_), 200, 50, "", 0})}));
  EXPECT_EQ(store_->ledger().release_open_holds().value(), 1);
  EXPECT_EQ(balance(user_account(payer_)), 950);
  EXPECT_EQ(balance(escrow_account("job_1")), 0);
  EXPECT_EQ(store_->ledger().release_open_holds().value(), 0);
  EXPECT_EQ(store_->ledger().total().value(), 0);
}

TEST_F(LedgerTest, LedgerRowsCannotBeEdited) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  EXPECT_THROW(store_->database().exec("UPDATE ledger SET amount = 5"), sqlite::SqliteError);
  EXPECT_THROW(store_->database().exec("DELETE FROM ledger"), sqlite::SqliteError);
}

TEST_F(LedgerTest, HistoryIsNewestFirstAndPaged) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store_->ledger().grant("", payer_, i));
  auto page = store_->ledger().history(user_account(payer_), 0, 2).value();
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].amount, 5);
  auto next = store_->ledger().history(user_account(payer_), page[1].id, 10).value();
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].amount, 3);
}

// Issue 15: a balance is kept on the account, in the transfer's transaction,
// so a hold reads one row; settled escrows leave no kept row behind.
TEST_F(LedgerTest, KeptBalancesFollowEveryTransferAndTheCheckAgrees) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_1", 400));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_2", 100));
  ASSERT_TRUE(store_->insert_usage({event("job_1", {user_account(payer_), 400, 100, user_account(provider_), 10})}));
  EXPECT_EQ(kept(user_account(payer_)), 800);  // 1000 - 400 - 100 + 300 released
  EXPECT_EQ(kept(user_account(provider_)), 90);
  EXPECT_EQ(kept(escrow_account("job_2")), 100);
  EXPECT_EQ(count("SELECT count(*) FROM account_balances WHERE account = 'escrow:job_1'"), 0);
  const auto check = store_->ledger().check().value();
  EXPECT_TRUE(check.balanced()) << summary(check);
  EXPECT_EQ(check.drift_count, 0);
  EXPECT_EQ(check.total, 0);
  EXPECT_EQ(check.rows, count("SELECT count(*) FROM ledger"));
  // grants, payer, provider, platform, the open escrow of job_2
  EXPECT_EQ(check.accounts, 5);
}

TEST_F(LedgerTest, TheCheckReportsATamperedBalanceAndAStrayRow) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  ASSERT_TRUE(store_->ledger().grant("", provider_, 50));
  auto& db = store_->database();
  db.exec("UPDATE account_balances SET balance = balance + 5 WHERE account = 'user:" + payer_ + "'");
  db.exec("INSERT INTO account_balances (account, balance) VALUES ('escrow:job_ghost', 7)");
  auto check = store_->ledger().check().value();
  EXPECT_FALSE(check.balanced());
  EXPECT_EQ(check.total, 0);  // the rows still sum to zero: only kept balances drifted
  ASSERT_EQ(check.drift_count, 2);
  ASSERT_EQ(check.drifts.size(), 2u);
  std::vector<std::string> described{describe(check.drifts[0]), describe(check.drifts[1])};
  std::sort(described.begin(), described.end());
  EXPECT_EQ(described[0], "escrow:job_ghost: kept 7, rows sum to 0");
  EXPECT_EQ(described[1], "user:" + payer_ + ": kept 1005, rows sum to 1000");
  // A hold reads the kept balance (one row), so the tampering shows there too,
  // and the check is what catches it.
  EXPECT_TRUE(store_->ledger().hold(user_account(payer_), "job_1", 1003));

  // A row written behind the ledger's back breaks the zero sum.
  db.exec("INSERT INTO ledger (transfer_id, ts, account, amount, kind, memo) "
          "VALUES ('txf_stray', 1, 'user:" + provider_ + "', 3, 'grant', '')");
  check = store_->ledger().check().value();
  EXPECT_EQ(check.total, 3);
  EXPECT_EQ(check.drift_count, 3);
  EXPECT_NE(summary(check).find("NOT balanced"), std::string::npos);
}

TEST_F(LedgerTest, AnOlderDatabaseGetsItsBalancesFromItsRows) {
  ASSERT_TRUE(store_->ledger().grant("", payer_, 1000));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_1", 300));
  ASSERT_TRUE(store_->ledger().hold(user_account(payer_), "job_2", 200));
  ASSERT_TRUE(store_->insert_usage({event("job_2", {user_account(payer_), 200, 50, "", 0})}));
  // Back to the schema before kept balances (migrations 6 to 8 not yet run).
  store_->database().exec("DROP TABLE account_balances; DROP TABLE audit_pruned_runs; PRAGMA user_version = 5;");
  store_.reset();
  store_ = sqlite::SqliteStore::open(dir_.string());
  EXPECT_EQ(kept(user_account(payer_)), 650);  // 1000 - 300 - 200 + 150 released
  EXPECT_EQ(kept(escrow_account("job_1")), 300);
  EXPECT_TRUE(store_->ledger().check().value().balanced());
  // Start-up recovery finds the open escrow through the kept balances.
  EXPECT_EQ(store_->ledger().release_open_holds().value(), 1);
  EXPECT_EQ(balance(user_account(payer_)), 950);
  EXPECT_EQ(count("SELECT count(*) FROM account_balances WHERE account LIKE 'escrow:%'"), 0);
  EXPECT_TRUE(store_->ledger().check().value().balanced());
}

}  // namespace
}  // namespace potluck::store
