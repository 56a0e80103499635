// Top-ups and payouts on a real SQLite file: each moves money into or out of
// the ledger exactly once, the ledger still sums to zero, the limits hold in
// the payout's own transaction, and every step is audited.
#include "store/payments.h"
#include "temp_store.h"

#include <gtest/gtest.h>

namespace potluck::store {
namespace {

constexpr std::int64_t kRate = 10'000;  // micro-credits per sat: 0.01 credits

class PaymentsTest : public ::testing::Test {
 protected:
  void SetUp() override { user_ = store_->create_user("", "buyer@example.test", Role::member).value().id; }

  Topup topup(const std::string& hash, std::int64_t sats, std::int64_t created = 1000) {
    return {"top_" + hash.substr(0, 8), user_, hash, "lnbcrt-invoice-" + hash, sats, sats * kRate,
            TopupState::open, created, created + 3600, 0};
  }
  Payout payout(const std::string& hash, std::int64_t sats, std::int64_t created = 5000) {
    return {"pay_" + hash.substr(0, 8), user_, hash, "lnbcrt-payout-" + hash, sats, sats * kRate,
            PayoutState::in_flight, 0, "", created, 0};
  }
  std::int64_t balance(const std::string& account) { return store_->ledger().balance(account).value(); }
  std::int64_t audited(const std::string& action) {
    std::int64_t n = 0;
    const auto rows = store_->audit().list({"", 0, 1000}).value();
    for (const auto& r : rows) n += r.event.action == action;
    return n;
  }
  void expect_balanced() {
    auto check = store_->ledger().check().value();
    EXPECT_TRUE(check.balanced()) << summary(check);
  }

  testing::TempStore store_;
  std::string user_;
  const std::string hash_a_ = std::string(64, 'a');
  const std::string hash_b_ = std::string(64, 'b');
};

TEST_F(PaymentsTest, APaidTopUpIsCreditedOnceHoweverOftenItIsReported) {
  auto& p = store_->payments();
  ASSERT_TRUE(p.create_topup(topup(hash_a_, 1000)));
  EXPECT_EQ(p.open_topup_count(user_).value(), 1);
  EXPECT_TRUE(p.settle_topup(hash_a_, 1000, 2000).value());
  EXPECT_FALSE(p.settle_topup(hash_a_, 1000, 2001).value());  // a duplicate notification
  EXPECT_FALSE(p.settle_topup(hash_a_, 1000, 2002).value());  // the start-up reconciliation
  EXPECT_EQ(balance(user_account(user_)), 1000 * kRate);
  EXPECT_EQ(balance(std::string(kLightningAccount)), -1000 * kRate);
  auto shown = p.find_topup(user_, "top_aaaaaaaa").value();
  EXPECT_EQ(shown.state, TopupState::settled);
  EXPECT_EQ(shown.settled_at, 2000);
  EXPECT_EQ(p.open_topup_count(user_).value(), 0);
  EXPECT_EQ(audited("topup.created"), 1);
  EXPECT_EQ(audited("topup.settled"), 1);
  expect_balanced();
}

TEST_F(PaymentsTest, AnExpiredTopUpPaidLateIsStillCredited) {
  auto& p = store_->payments();
  ASSERT_TRUE(p.create_topup(topup(hash_a_, 500, 1000)));
  EXPECT_EQ(p.expire_topups(1000 + 3600).value(), 1);
  EXPECT_EQ(p.find_topup(user_, "top_aaaaaaaa")->state, TopupState::expired);
  EXPECT_EQ(p.unsettled_topups(0, 10)->size(), 1u);
  EXPECT_TRUE(p.settle_topup(hash_a_, 500, 9000).value());
  EXPECT_EQ(balance(user_account(user_)), 500 * kRate);
  EXPECT_TRUE(p.unsettled_topups(0, 10)->empty());
  expect_balanced();
}

TEST_F(PaymentsTest, AnOverpaidTopUpIsCreditedWhatWasPaidUpToTwice) {
  auto& p = store_->payments();
  ASSERT_TRUE(p.create_topup(topup(hash_a_, 100)));
  ASSERT_TRUE(p.settle_topup(hash_a_, 1000, 2000).value());
  EXPECT_EQ(balance(user_account(user_)), 200 * kRate);
  expect_balanced();
}

TEST_F(PaymentsTest, AnUnknownHashIsNotOurs) {
  EXPECT_EQ(store_->payments().settle_topup(hash_b_, 10, 1).error().kind, StoreError::Kind::not_found);
  ASSERT_TRUE(store_->payments().create_topup(topup(hash_a_, 10)));
  EXPECT_EQ(store_->payments().create_topup(topup(hash_a_, 10)).error().kind, StoreError::Kind::conflict);
}

TEST_F(PaymentsTest, APayoutIsHeldThenSentOrReleasedOnce) {
  auto& p = store_->payments();
  ASSERT_TRUE(store_->ledger().grant("", user_, 100 * kRate));
  const PayoutLimits limits{1, 1'000'000 * kRate};
  ASSERT_TRUE(p.request_payout(payout(hash_a_, 30), limits));
  EXPECT_EQ(balance(user_account(user_)), 70 * kRate);
  EXPECT_EQ(balance(payout_account("pay_aaaaaaaa")), 30 * kRate);
  EXPECT_EQ(p.in_flight_payouts()->size(), 1u);
  EXPECT_TRUE(p.finish_payout(hash_a_, PayoutState::succeeded, 2, "", 6000).value());
  EXPECT_FALSE(p.finish_payout(hash_a_, PayoutState::failed, 0, "FAILURE_REASON_NO_ROUTE", 6001).value());
  EXPECT_EQ(balance(user_account(user_)), 70 * kRate);
  EXPECT_EQ(balance(payout_account("pay_aaaaaaaa")), 0);
  EXPECT_EQ(balance(std::string(kLightningAccount)), 30 * kRate);
  auto done = p.find_payout(user_, "pay_aaaaaaaa").value();
  EXPECT_EQ(done.state, PayoutState::succeeded);
  EXPECT_EQ(done.fee_sat, 2);

  ASSERT_TRUE(p.request_payout(payout(hash_b_, 50), limits));
  EXPECT_TRUE(p.finish_payout(hash_b_, PayoutState::failed, 0, "FAILURE_REASON_NO_ROUTE\"}", 6002).value());
  EXPECT_EQ(balance(user_account(user_)), 70 * kRate);  // released
  EXPECT_EQ(p.find_payout(user_, "pay_bbbbbbbb")->failure, "FAILURE_REASON_NO_ROUTE");  // only its word is kept
  EXPECT_TRUE(p.in_flight_payouts()->empty());
  EXPECT_EQ(audited("payout.requested"), 2);
  EXPECT_EQ(audited("payout.succeeded"), 1);
  EXPECT_EQ(audited("payout.failed"), 1);
  expect_balanced();
  EXPECT_EQ(store_->audit().verify().value().first_broken_seq, 0);
}

TEST_F(PaymentsTest, PayoutLimitsHoldInTheTransaction) {
  auto& p = store_->payments();
  ASSERT_TRUE(store_->ledger().grant("", user_, 100 * kRate));
  const PayoutLimits limits{20 * kRate, 60 * kRate};
  EXPECT_EQ(p.request_payout(payout(hash_a_, 10), limits).error().kind, StoreError::Kind::invalid);  // below the minimum
  EXPECT_EQ(p.request_payout(payout(hash_a_, 101), {1, 1000 * kRate}).error().kind,
            StoreError::Kind::insufficient);
  ASSERT_TRUE(p.request_payout(payout(hash_a_, 40), limits));
  EXPECT_EQ(p.request_payout(payout(hash_a_, 40), {1, 1000 * kRate}).error().kind,
            StoreError::Kind::conflict);  // one invoice is paid once
  auto over = p.request_payout(payout(hash_b_, 30), limits);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, StoreError::Kind::invalid);  // 40 + 30 > 60 today
  // A failed payout does not count against the day; a day later the limit is fresh.
  ASSERT_TRUE(p.finish_payout(hash_a_, PayoutState::failed, 0, "FAILURE_REASON_TIMEOUT", 5001));
  EXPECT_TRUE(p.request_payout(payout(hash_b_, 30), limits));
  EXPECT_EQ(balance(user_account(user_)), 70 * kRate);
  expect_balanced();
}

TEST_F(PaymentsTest, ListsAreTheUsersOwnNewestFirst) {
  auto& p = store_->payments();
  ASSERT_TRUE(p.create_topup(topup(hash_a_, 10, 1000)));
  ASSERT_TRUE(p.create_topup(topup(hash_b_, 20, 2000)));
  auto list = p.list_topups(user_, 10).value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].sats, 20);
  const auto other = store_->create_user("", "other@example.test", Role::member).value().id;
  EXPECT_TRUE(p.list_topups(other, 10)->empty());
  EXPECT_EQ(p.find_topup(other, "top_aaaaaaaa").error().kind, StoreError::Kind::not_found);
}

}  // namespace
}  // namespace potluck::store
