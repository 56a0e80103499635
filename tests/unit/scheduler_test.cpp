// Node health (moving averages, parking, probes) and the dispatch line.
#include "coordinator/dispatch_queue.h"
#include "coordinator/node_health.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace potluck::coordinator {
namespace {

using namespace std::chrono_literals;
const auto t0 = NodeHealth::Clock::time_point{} + 1h;

TEST(NodeHealth, ThreeFailuresInTheWindowParkTheNode) {
  NodeHealth health({3, 60s, 30s});
  health.on_failure(t0);
  health.on_failure(t0 + 1s);
  EXPECT_TRUE(health.admits(t0 + 1s));
  health.on_failure(t0 + 2s);
  EXPECT_FALSE(health.admits(t0 + 2s));
  EXPECT_EQ(health.state(t0 + 2s), NodeHealth::State::parked);
}

TEST(NodeHealth, FailuresOutsideTheWindowDoNotCount) {
  NodeHealth health({3, 60s, 30s});
  health.on_failure(t0);
  health.on_failure(t0 + 1s);
  health.on_failure(t0 + 70s);
  EXPECT_TRUE(health.admits(t0 + 70s));
}

TEST(NodeHealth, AfterTheCoolDownOneProbeDecides) {
  NodeHealth health({1, 60s, 30s});
  health.on_failure(t0);
  EXPECT_FALSE(health.admits(t0 + 29s));
  EXPECT_TRUE(health.admits(t0 + 30s));
  health.on_dispatch(t0 + 30s);  // the probe
  EXPECT_FALSE(health.admits(t0 + 30s)) << "only one probe at a time";
  health.on_failure(t0 + 31s);   // failed probe: parked again
  EXPECT_FALSE(health.admits(t0 + 50s));
  EXPECT_TRUE(health.admits(t0 + 61s));
  health.on_dispatch(t0 + 61s);
  health.on_success(10, 20, t0 + 62s);
  EXPECT_EQ(health.state(t0 + 62s), NodeHealth::State::healthy);
  EXPECT_TRUE(health.admits(t0 + 62s));
}

TEST(NodeHealth, AveragesAndPenalty) {
  NodeHealth health;
  health.on_success(100, 1000, t0);
  EXPECT_DOUBLE_EQ(health.ttft_ms(), 100);
  health.on_success(200, 1000, t0);
  EXPECT_DOUBLE_EQ(health.ttft_ms(), 120);  // moves a fifth of the way
  EXPECT_DOUBLE_EQ(health.error_rate(t0), 0);
  health.on_failure(t0);
  EXPECT_NEAR(health.error_rate(t0), 1.0 / 3, 1e-9);
  EXPECT_GT(health.penalty(t0), 1.0);
}

TEST(DispatchQueue, FirstComeFirstServedAndBounded) {
  boost::asio::io_context io;
  DispatchQueue queue({2, 0});
  EXPECT_TRUE(queue.may_go("m", "alice", nullptr));
  auto a = queue.enter(io.get_executor(), "m", "alice");
  auto b = queue.enter(io.get_executor(), "m", "bob");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(queue.enter(io.get_executor(), "m", "carol")) << "the line is full";
  EXPECT_TRUE(queue.enter(io.get_executor(), "other", "carol")) << "lines are per model";
  EXPECT_FALSE(queue.may_go("m", "dave", nullptr)) << "newcomers wait behind the line";
  EXPECT_TRUE(queue.may_go("m", "alice", a.get()));
  EXPECT_FALSE(queue.may_go("m", "bob", b.get()));
  queue.leave(a);
  EXPECT_TRUE(queue.may_go("m", "bob", b.get()));
  EXPECT_EQ(queue.waiting(), 2u);
}

TEST(DispatchQueue, AConsumerAtItsCapIsPassedOver) {
  boost::asio::io_context io;
  DispatchQueue queue({10, 1});
  queue.started("alice");
  EXPECT_FALSE(queue.may_go("m", "alice", nullptr));
  auto a = queue.enter(io.get_executor(), "m", "alice");
  auto b = queue.enter(io.get_executor(), "m", "bob");
  EXPECT_TRUE(queue.may_go("m", "bob", b.get())) << "alice at her cap does not hold bob up";
  EXPECT_FALSE(queue.may_go("m", "alice", a.get()));
  queue.finished("alice");
  EXPECT_TRUE(queue.may_go("m", "alice", a.get()));
}

TEST(DispatchQueue, FastWaitersGoBeforeNormalOnes) {
  boost::asio::io_context io;
  DispatchQueue queue({10, 0, 4});
  auto normal = queue.enter(io.get_executor(), "m", "alice");
  auto fast = queue.enter(io.get_executor(), "m", "bob", Priority::fast);
  EXPECT_TRUE(queue.may_go("m", "bob", fast.get())) << "the fast waiter jumps the normal one";
  EXPECT_FALSE(queue.may_go("m", "alice", normal.get()));
  queue.leave(fast, true);
  EXPECT_TRUE(queue.may_go("m", "alice", normal.get())) << "with no fast waiter left, normal goes";
}

TEST(DispatchQueue, NormalWaitersAreNeverStarved) {
  boost::asio::io_context io;
  const int streak = 3;
  DispatchQueue queue({100, 0, streak});
  auto normal = queue.enter(io.get_executor(), "m", "alice");
  // An endless supply of fast jobs: each served one is replaced by a new one.
  auto fast = queue.enter(io.get_executor(), "m", "bob", Priority::fast);
  for (int served = 0; served < streak; ++served) {
    auto next = queue.enter(io.get_executor(), "m", "bob", Priority::fast);
    ASSERT_TRUE(queue.may_go("m", "bob", fast.get())) << "fast job " << served;
    ASSERT_FALSE(queue.may_go("m", "alice", normal.get()));
    queue.leave(fast, true);
    fast = next;
  }
  EXPECT_TRUE(queue.may_go("m", "alice", normal.get())) << "after the streak the normal job goes";
  EXPECT_FALSE(queue.may_go("m", "bob", fast.get()));
  queue.leave(normal, true);
  EXPECT_TRUE(queue.may_go("m", "bob", fast.get())) << "and then fast jobs again";
}

TEST(DispatchQueue, AWaiterThatGivesUpDoesNotCountInTheStreak) {
  boost::asio::io_context io;
  DispatchQueue queue({100, 0, 1});
  auto normal = queue.enter(io.get_executor(), "m", "alice");
  auto quitter = queue.enter(io.get_executor(), "m", "bob", Priority::fast);
  auto fast = queue.enter(io.get_executor(), "m", "bob", Priority::fast);
  queue.leave(quitter);  // timed out, was not served
  EXPECT_TRUE(queue.may_go("m", "bob", fast.get()));
  EXPECT_FALSE(queue.may_go("m", "alice", normal.get()));
}

}  // namespace
}  // namespace potluck::coordinator
