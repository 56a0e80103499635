// The ledger on a real SQLite file: double entry, holds, settlement, the
// one-event-per-job rule and start-up recovery of holds.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace potluck::store
