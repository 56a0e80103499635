// The node's outbox takes one frame from each job in turn, so a job with a
// long queue cannot hold back another's frame; one job's frames keep their order.
#include "net/fair_outbox.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using potluck::net::FairOutbox;

namespace {
std::vector<std::string> drain(FairOutbox& outbox) {
  std::vector<std::string> out;
  while (auto frame = outbox.try_pop()) out.push_back(*frame);
  return out;
}
}  // namespace

TEST(FairOutbox, LanesTakeTurnsAndKeepTheirOrder) {
  boost::asio::io_context io;
  FairOutbox outbox(io.get_executor());
  for (int i = 1; i <= 4; ++i) outbox.push("big", "big" + std::to_string(i));
  outbox.push("small", "small1");
  outbox.push("", "status");
  outbox.push("small", "small2");
  EXPECT_EQ(outbox.size(), 7u);
  ASSERT_NE(outbox.front(), nullptr);
  EXPECT_EQ(*outbox.front(), "big1");
  EXPECT_EQ(drain(outbox),
            (std::vector<std::string>{"big1", "small1", "status", "big2", "small2", "big3", "big4"}));
  EXPECT_EQ(outbox.size(), 0u);
  EXPECT_EQ(outbox.front(), nullptr);
}

TEST(FairOutbox, ALaneThatEmptiedJoinsAtTheBackWhenItReturns) {
  boost::asio::io_context io;
  FairOutbox outbox(io.get_executor());
  outbox.push("a", "a1");
  outbox.push("b", "b1");
  outbox.push("b", "b2");
  EXPECT_EQ(*outbox.try_pop(), "a1");
  outbox.push("a", "a2");  // a had emptied: it waits behind b
  EXPECT_EQ(drain(outbox), (std::vector<std::string>{"b1", "a2", "b2"}));
}

TEST(FairOutbox, FramesPushedAfterCloseAreDropped) {
  boost::asio::io_context io;
  FairOutbox outbox(io.get_executor());
  outbox.push("a", "kept");
  outbox.close();
  outbox.push("a", "dropped");
  EXPECT_TRUE(outbox.closed());
  EXPECT_EQ(drain(outbox), (std::vector<std::string>{"kept"}));
}
