#include "node/chunk_coalescer.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using potluck::node::ChunkCoalescer;
using potluck::protocol::JobKind;

namespace {
potluck::protocol::Chunk piece(int index, std::string delta, std::string finish_reason = "") {
  return {.index = index, .delta = std::move(delta), .finish_reason = std::move(finish_reason)};
}
}  // namespace

TEST(ChunkCoalescer, MergesChatTextPerChoice) {
  ChunkCoalescer c(JobKind::chat);
  EXPECT_TRUE(c.absorb(piece(0, R"({"role":"assistant","content":""})", "")));
  EXPECT_TRUE(c.absorb(piece(0, R"({"content":"Hel"})", "")));
  EXPECT_TRUE(c.absorb(piece(1, R"({"content":"B"})", "")));
  EXPECT_TRUE(c.absorb(piece(0, R"({"content":"lo"})", "")));
  EXPECT_TRUE(c.absorb(piece(0, "{}", "stop")));
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
  EXPECT_TRUE(c.absorb(piece(0, R"({"text":"a "})", "")));
  EXPECT_TRUE(c.absorb(piece(0, R"({"text":"b"})", "length")));
  auto chunks = c.take("job");
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(boost::json::parse(chunks[0].delta), boost::json::parse(R"({"text":"a b"})"));
  EXPECT_EQ(chunks[0].finish_reason, "length");
}

TEST(ChunkCoalescer, LeavesRicherDeltasAlone) {
  ChunkCoalescer c(JobKind::chat);
  EXPECT_FALSE(c.absorb(piece(0, R"({"tool_calls":[{"index":0}]})", "")));
  EXPECT_FALSE(c.absorb(piece(0, "not json", "")));
  // A null content stays null: merging would turn it into "".
  EXPECT_FALSE(c.absorb(piece(0, R"({"role":"assistant","content":null})", "")));
  auto with_logprobs = piece(0, R"({"content":"a"})");
  with_logprobs.choice = R"({"logprobs":{"content":[]}})";
  EXPECT_FALSE(c.absorb(with_logprobs));
  auto with_fingerprint = piece(0, R"({"content":"a"})");
  with_fingerprint.response = R"({"system_fingerprint":"fp"})";
  EXPECT_FALSE(c.absorb(with_fingerprint));
  EXPECT_TRUE(c.empty());
}
