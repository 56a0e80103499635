#include "net/event_queue.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace asio = boost::asio;
using potluck::net::EventQueue;

TEST(EventQueue, DeliversInOrderAcrossSuspensions) {
  asio::io_context io;
  EventQueue<int> queue(io.get_executor());
  std::vector<int> seen;
  bool finished = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      auto item = co_await queue.pop_until(deadline);
      if (!item) break;
      seen.push_back(*item);
    }
    finished = true;
  }, asio::detached);
  // Producers run between the consumer's suspensions, sometimes in bursts.
  for (int i = 0; i < 100; ++i) {
    asio::post(io, [&queue, i] {
      queue.push(2 * i);
      queue.push(2 * i + 1);
    });
  }
  asio::post(io, [&queue] { queue.close(); });
  io.run();
  EXPECT_TRUE(finished);
  ASSERT_EQ(seen.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen[i], i);
}

TEST(EventQueue, PopUntilTimesOut) {
  asio::io_context io;
  EventQueue<int> queue(io.get_executor());
  bool timed_out = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto item = co_await queue.pop_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
    timed_out = !item && item.error() == EventQueue<int>::End::timed_out;
  }, asio::detached);
  io.run();
  EXPECT_TRUE(timed_out);
}
