#include "coordinator/rate_limiter.h"

#include <gtest/gtest.h>

namespace potluck::coordinator {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBurstThenRefusesWithTheWait) {
  RateLimiter limiter({2, 3});
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.take("k", t0), 0) << i;
  EXPECT_EQ(limiter.take("k", t0), 1);  // half a second to the next token: says 1 s
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
  RateLimiter limiter({1, 2});
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  EXPECT_EQ(limiter.take("k", t0), 0);
  EXPECT_EQ(limiter.take("k", t0), 0);
  EXPECT_GT(limiter.take("k", t0), 0);
  EXPECT_EQ(limiter.take("k", t0 + 1s), 0);
  EXPECT_GT(limiter.take("k", t0 + 1s), 0);
  // A long pause refills only up to the burst.
  EXPECT_EQ(limiter.take("k", t0 + 100s), 0);
  EXPECT_EQ(limiter.take("k", t0 + 100s), 0);
  EXPECT_GT(limiter.take("k", t0 + 100s), 0);
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  RateLimiter limiter({1, 1});
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  EXPECT_EQ(limiter.take("a", t0), 0);
  EXPECT_GT(limiter.take("a", t0), 0);
  EXPECT_EQ(limiter.take("b", t0), 0);
}

TEST(RateLimiter, ZeroRateMeansUnlimited) {
  RateLimiter limiter({0, 0});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.take("k"), 0);
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiter, IdleBucketsAreDropped) {
  RateLimiter limiter({10, 10});
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) limiter.take("k" + std::to_string(i), t0);
  EXPECT_EQ(limiter.size(), 100u);
  limiter.take("fresh", t0 + 2min);
  EXPECT_EQ(limiter.size(), 1u);
}

}  // namespace
}  // namespace potluck::coordinator
