// The mock backend's reply: deterministic, sized by max_tokens, never echoing the prompt.
#include "node/backends/mock_generator.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using potluck::node::mock::count_words;
using potluck::node::mock::plan_reply;
using potluck::node::mock::reply_chunks;
using potluck::protocol::JobKind;

namespace {
std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += w + " ";
  return out;
}
}  // namespace

TEST(NodeMockGenerator, SamePromptSameReply) {
  const std::string payload = R"({"messages":[{"role":"user","content":"tell me a story"}]})";
  auto a = plan_reply(JobKind::chat, payload);
  auto b = plan_reply(JobKind::chat, payload);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->words, b->words);
  auto c = plan_reply(JobKind::chat, R"({"messages":[{"role":"user","content":"something else"}]})");
  ASSERT_TRUE(c);
  EXPECT_NE(a->words, c->words);
}

TEST(NodeMockGenerator, DefaultsToSixteenTokensAndStop) {
  auto reply = plan_reply(JobKind::chat, R"({"messages":[{"role":"user","content":"a b  c"}]})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->words.size(), 16u);
  EXPECT_EQ(reply->finish_reason, "stop");
  EXPECT_EQ(reply->prompt_tokens, 3);
  EXPECT_EQ(reply->words[0], "mock");
  EXPECT_EQ(reply->words[1], "reply");
}

TEST(NodeMockGenerator, MaxTokensCutsWithLength) {
  auto reply = plan_reply(JobKind::completion, R"({"prompt":"x","max_tokens":5})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->words.size(), 5u);
  EXPECT_EQ(reply->finish_reason, "length");
  auto chat = plan_reply(JobKind::chat, R"({"messages":[],"max_completion_tokens":2})");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->words.size(), 2u);
  auto roomy = plan_reply(JobKind::chat, R"({"messages":[],"max_tokens":100})");
  ASSERT_TRUE(roomy);
  EXPECT_EQ(roomy->words.size(), 16u);
  EXPECT_EQ(roomy->finish_reason, "stop");
}

TEST(NodeMockGenerator, NeverEchoesThePrompt) {
  const std::string canary = "zebracanary42";
  auto reply = plan_reply(JobKind::chat, R"({"messages":[{"role":"user","content":[{"type":"text","text":")" +
                                             canary + R"("}]}],"mock_tokens":200})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->prompt_tokens, 1);
  EXPECT_EQ(join(reply->words).find(canary), std::string::npos);
}

TEST(NodeMockGenerator, ChatChunksFollowTheOpenAiShape) {
  auto reply = plan_reply(JobKind::chat, R"({"messages":[],"max_tokens":2,"mock_delay_ms":7})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->delay.count(), 7);
  auto chunks = reply_chunks(JobKind::chat, *reply);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[0].delta, R"({"role":"assistant","content":""})");
  EXPECT_EQ(chunks[1].delta, R"({"content":"mock "})");
  EXPECT_EQ(chunks[2].delta, R"({"content":"reply "})");
  EXPECT_EQ(chunks[3].delta, "{}");
  EXPECT_EQ(chunks[3].finish_reason, "length");
  for (const auto& c : chunks) EXPECT_TRUE(boost::json::parse(c.delta).is_object());
}

TEST(NodeMockGenerator, CompletionChunksCarryText) {
  auto reply = plan_reply(JobKind::completion, R"({"prompt":["a b","c"],"max_tokens":1})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->prompt_tokens, 3);
  auto chunks = reply_chunks(JobKind::completion, *reply);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].delta, R"({"text":"mock "})");
  EXPECT_EQ(chunks[1].delta, R"({"text":""})");
  EXPECT_EQ(chunks[1].finish_reason, "length");
}

TEST(NodeMockGenerator, RejectsANonObjectPayload) {
  EXPECT_FALSE(plan_reply(JobKind::chat, "[1,2]"));
  EXPECT_FALSE(plan_reply(JobKind::chat, "{"));
}

TEST(NodeMockGenerator, CountsWords) {
  EXPECT_EQ(count_words(""), 0);
  EXPECT_EQ(count_words("  one\ttwo\nthree  "), 3);
}
