#include "common/credits.h"
#include "coordinator/metering.h"
#include "coordinator/pricing.h"

#include <gtest/gtest.h>

namespace potluck {
namespace {

TEST(Credits, ParsesWholeAndFractionalAmounts) {
  EXPECT_EQ(parse_credits("12").value(), 12'000'000);
  EXPECT_EQ(parse_credits("12.5").value(), 12'500'000);
  EXPECT_EQ(parse_credits("0.000001").value(), 1);
  EXPECT_EQ(parse_credits(".5").value(), 500'000);
  EXPECT_EQ(parse_credits("+3").value(), 3'000'000);
  EXPECT_EQ(parse_credits("1000000000").value(), kMaxMicroCredits);
}

TEST(Credits, RefusesNegativeOverflowingAndMalformedAmounts) {
  for (const char* bad : {"", "-1", "1.0000001", "abc", "1.2.3", "1e6", "1000000000.000001",
                          "99999999999999999999999", ".", "1,5"})
    EXPECT_FALSE(parse_credits(bad).has_value()) << bad;
}

TEST(Credits, FormatsWithoutTrailingZeros) {
  EXPECT_EQ(format_credits(12'500'000), "12.5");
  EXPECT_EQ(format_credits(0), "0");
  EXPECT_EQ(format_credits(1), "0.000001");
  EXPECT_EQ(format_credits(-1'250'000), "-1.25");
  EXPECT_EQ(format_credits(INT64_MIN), "-9223372036854.775808");
}

TEST(Pricing, ClampsAskedPricesIntoTheAdminsBounds) {
  coordinator::PricingPolicy policy{100, 1000, 5};
  EXPECT_EQ(policy.clamp({50, 5000}), (protocol::Price{100, 1000}));
  EXPECT_EQ(policy.clamp({500, 600}), (protocol::Price{500, 600}));
  EXPECT_EQ(policy.fee_of(1000), 50);
  EXPECT_EQ(policy.fee_of(19), 0);  // the fee rounds down: never more than the percent
}

TEST(Pricing, ValidatesBoundsAndFee) {
  EXPECT_TRUE((coordinator::PricingPolicy{0, 10, 0}.validate()));
  EXPECT_FALSE((coordinator::PricingPolicy{-1, 10, 5}.validate()));
  EXPECT_FALSE((coordinator::PricingPolicy{11, 10, 5}.validate()));
  EXPECT_FALSE((coordinator::PricingPolicy{0, 10, 101}.validate()));
}

TEST(Pricing, CostsRoundUpAndNeverOverflow) {
  // 1 credit per million tokens = 1 micro-credit per token.
  EXPECT_EQ(coordinator::cost_of({1'000'000, 2'000'000}, 10, 5), 10 + 10);
  // A fraction of a micro-credit is charged as a whole one.
  EXPECT_EQ(coordinator::cost_of({1, 0}, 1, 0), 1);
  EXPECT_EQ(coordinator::cost_of({0, 0}, 1000, 1000), 0);
  // Worst case: every request byte an input token, plus max_tokens outputs.
  EXPECT_EQ(coordinator::worst_case_cost({1'000'000, 1'000'000}, 300, 100), 400);
  // The largest price times an absurd token count stays positive.
  EXPECT_GT(coordinator::worst_case_cost({1'000'000'000'000, 1'000'000'000'000}, INT64_MAX, INT64_MAX), 0);
}

TEST(Pricing, ClampsAndValidatesExecPricesPerCpuSecond) {
  coordinator::PricingPolicy policy{0, 10, 5, 200, 3000};
  EXPECT_EQ(policy.clamp_exec(0), 200);
  EXPECT_EQ(policy.clamp_exec(2500), 2500);
  EXPECT_EQ(policy.clamp_exec(1'000'000), 3000);
  EXPECT_TRUE(policy.validate());
  EXPECT_FALSE((coordinator::PricingPolicy{0, 10, 5, -1, 10}.validate()));
  EXPECT_FALSE((coordinator::PricingPolicy{0, 10, 5, 11, 10}.validate()));
  EXPECT_FALSE((coordinator::PricingPolicy{0, 10, 5, 0, 1'000'000'000'001}.validate()));
}

TEST(Pricing, ExecCostsFollowCpuTimeAndRoundUp) {
  // 1 credit per CPU second = 1,000 micro-credits per CPU millisecond.
  EXPECT_EQ(coordinator::exec_cost_of(1'000'000, 37), 37'000);
  EXPECT_EQ(coordinator::exec_cost_of(1'000'000, 0), 0);
  // A fraction of a micro-credit is charged as a whole one.
  EXPECT_EQ(coordinator::exec_cost_of(1, 1), 1);
  EXPECT_EQ(coordinator::exec_cost_of(1500, 3), 5);  // 4.5 -> 5
  EXPECT_EQ(coordinator::exec_cost_of(0, 1'000'000), 0);
  EXPECT_EQ(coordinator::exec_cost_of(1'000'000, -5), 0);
  // The largest price times an absurd CPU time stays positive.
  EXPECT_GT(coordinator::exec_cost_of(1'000'000'000'000, INT64_MAX), 0);
}

TEST(Pricing, ExecHoldIsTheCpuLimitThatFollowsTheTimeout) {
  // The sandbox's RLIMIT_CPU is the timeout rounded up to whole seconds.
  EXPECT_EQ(coordinator::exec_worst_case_cost(1'000'000, 2000), 2'000'000);
  EXPECT_EQ(coordinator::exec_worst_case_cost(1'000'000, 2001), 3'000'000);
  EXPECT_EQ(coordinator::exec_worst_case_cost(1'000'000, 1), 1'000'000);
  // No timeout asked: the longest any node may apply.
  EXPECT_EQ(coordinator::exec_worst_case_cost(1'000'000, 0), 300'000'000);
  EXPECT_EQ(coordinator::exec_worst_case_cost(0, 0), 0);
  EXPECT_GT(coordinator::exec_worst_case_cost(1'000'000'000'000, INT64_MAX), 0);
  // What a program is charged never exceeds its hold, however many
  // processes burned CPU: the relay charges min(hold, cost).
  EXPECT_GT(coordinator::exec_cost_of(1'000'000, 64 * 2000), coordinator::exec_worst_case_cost(1'000'000, 2000));
}

TEST(Metering, BillsReportedUsageWithinWhatWasRelayed) {
  coordinator::RelayRecord relay{true, {20, 7}, 200, 100, 7};
  auto m = coordinator::meter(relay);
  EXPECT_EQ(m.prompt_tokens, 20);
  EXPECT_EQ(m.completion_tokens, 7);
  EXPECT_FALSE(m.mismatch);
}

TEST(Metering, AnInflatedReportIsAMismatchBilledAtTheBound) {
  coordinator::RelayRecord relay{true, {5000, 90000}, 200, 100, 7};
  auto m = coordinator::meter(relay);
  EXPECT_EQ(m.prompt_tokens, 200);
  EXPECT_EQ(m.completion_tokens, 100);
  EXPECT_TRUE(m.mismatch);
}

TEST(Metering, AnUnfinishedJobPaysOnlyForDeliveredChunks) {
  coordinator::RelayRecord relay{false, {}, 200, 100, 3};
  auto m = coordinator::meter(relay);
  EXPECT_EQ(m.prompt_tokens, 0);
  EXPECT_EQ(m.completion_tokens, 3);
  EXPECT_FALSE(m.mismatch);
}

}  // namespace
}  // namespace potluck
