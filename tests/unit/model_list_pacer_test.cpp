// A node's model-list changes are applied at most once per interval; faster
// ones are held, the latest replacing the others, and applied when the
// interval has passed.
#include "coordinator/model_list_pacer.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace potluck::coordinator {
namespace {

ModelListPacer::Models list(const std::string& id) { return {{id, 0, "", {}}}; }

TEST(ModelListPacer, AChangeAfterTheIntervalIsAppliedAtOnce) {
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  ModelListPacer pacer(start);
  auto decision = pacer.offer(list("a"), start + 5s, 5s);
  ASSERT_TRUE(decision.apply);
  EXPECT_EQ(decision.apply->front().id, "a");
  EXPECT_FALSE(decision.wake_at);
}

TEST(ModelListPacer, ABurstIsHeldAndOnlyTheLatestIsApplied) {
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  ModelListPacer pacer(start);
  auto first = pacer.offer(list("a"), start + 1s, 5s);
  EXPECT_FALSE(first.apply) << "within the interval of the hello";
  ASSERT_TRUE(first.wake_at);
  EXPECT_EQ(*first.wake_at, start + 5s);
  for (int i = 0; i < 200; ++i) {
    auto next = pacer.offer(list("burst-" + std::to_string(i)), start + 2s, 5s);
    EXPECT_FALSE(next.apply);
    EXPECT_FALSE(next.wake_at) << "one wake-up per hold";
  }
  auto released = pacer.release(start + 5s);
  ASSERT_TRUE(released);
  EXPECT_EQ(released->front().id, "burst-199");
  EXPECT_FALSE(pacer.release(start + 6s)) << "nothing held any more";

  // The release counts as the last change: the next one waits again.
  auto after = pacer.offer(list("b"), start + 7s, 5s);
  EXPECT_FALSE(after.apply);
  ASSERT_TRUE(after.wake_at);
  EXPECT_EQ(*after.wake_at, start + 10s);
  auto late = pacer.offer(list("c"), start + 7s, 5s);
  EXPECT_FALSE(late.wake_at);
  EXPECT_EQ(pacer.release(start + 10s)->front().id, "c");
}

TEST(ModelListPacer, ZeroIntervalAppliesEveryChange) {
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  ModelListPacer pacer(start);
  EXPECT_TRUE(pacer.offer(list("a"), start, 0ms).apply);
  EXPECT_TRUE(pacer.offer(list("b"), start, 0ms).apply);
}

}  // namespace
}  // namespace potluck::coordinator
