#include "node/chunk_coalescer.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using potluck::node::ChunkCoalescer;
using potluck::protocol::JobKind;

TEST(ChunkCoalescer, MergesChatTextPerChoice) {
  ChunkCoalescer c(JobKind::chat);
  EXPECT_TRUE(c.absorb(0, R"({"role":"assistant","content":""})", ""));
  EXPECT_TRUE(c.absorb(0, R"({"content":"Hel"})", ""));
  EXPECT_TRUE(c.absorb(1, R"({"content":"B"})", ""));
  EXPECT_TRUE(c.absorb(0, R"({"content":"lo"})", ""));
  EXPECT_TRUE(c.absorb(0, "{}", "stop"));
  auto chunks = c.take("job");
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].index, 0);
  EXPECT_EQ(boost::json::parse(chunks[0].delta), boost::json::parse(R"({"role":"assistant","content":"Hello"})"));
  EXPECT_EQ(chunks[0].finish_reason, "stop");
  EXPECT_EQ(chunks[1].index, 1);
  EXPECT_TRUE(c.empty());
}

TEST(ChunkCoalescer, CompletionText) {
  ChunkCoalescer c(JobKind::completion);
  EXPECT_TRUE(c.absorb(0, R"({"text":"a "})", ""));
  EXPECT_TRUE(c.absorb(0, R"({"text":"b"})", "length"));
  auto chunks = c.take("job");
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(boost::json::parse(chunks[0].delta), boost::json::parse(R"({"text":"a b"})"));
  EXPECT_EQ(chunks[0].finish_reason, "length");
}

TEST(ChunkCoalescer, LeavesRicherDeltasAlone) {
  ChunkCoalescer c(JobKind::chat);
  EXPECT_FALSE(c.absorb(0, R"({"tool_calls":[{"index":0}]})", ""));
  EXPECT_FALSE(c.absorb(0, "not json", ""));
  EXPECT_TRUE(c.empty());
}
