// ResponseFormat: the engine's fields reach the consumer where the engine had
// them, streamed and collected, and a node cannot inflate every event.
#include "coordinator/api/openai_response.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using potluck::coordinator::api::ResponseFormat;
using potluck::protocol::Chunk;
using potluck::protocol::JobKind;
using potluck::protocol::Usage;
namespace json = boost::json;

namespace {
ResponseFormat chat_format() { return ResponseFormat(JobKind::chat, "chatcmpl-1", 100, "m"); }

json::object event_json(const std::string& event) {
  EXPECT_TRUE(event.starts_with("data: "));
  return json::parse(event.substr(6)).as_object();
}
}  // namespace

TEST(ResponseFormat, ACollectedAnswerKeepsWhatTheEngineReturned) {
  auto format = chat_format();
  format.collect(Chunk{.index = 0,
                       .delta = R"({"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]})",
                       .finish_reason = "tool_calls",
                       .choice = R"({"logprobs":{"content":[]},"index":9,"stop_reason":7})",
                       .response = R"({"system_fingerprint":"fp","id":"engine-id","model":"engine-model"})"});
  format.collect(Chunk{.index = 2, .delta = R"({"role":"assistant","content":"b"})", .finish_reason = "stop"});
  auto answer = json::parse(format.complete_response(Usage{1, 2, R"({"prompt_tokens_details":{"cached_tokens":1},"total_tokens":99})"})).as_object();
  EXPECT_EQ(answer["id"], "chatcmpl-1");  // the coordinator's, not the engine's
  EXPECT_EQ(answer["model"], "m");
  EXPECT_EQ(answer["system_fingerprint"], "fp");
  EXPECT_EQ(answer["usage"].at("total_tokens"), 3);
  EXPECT_EQ(answer["usage"].at("prompt_tokens_details").at("cached_tokens"), 1);
  const auto& choices = answer["choices"].as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("index"), 0);
  EXPECT_TRUE(choices[0].at("message").at("content").is_null());
  EXPECT_EQ(choices[0].at("message").at("tool_calls").as_array().size(), 1u);
  EXPECT_EQ(choices[0].at("logprobs").at("content").as_array().size(), 0u);
  EXPECT_EQ(choices[0].at("stop_reason"), 7);
  EXPECT_EQ(choices[1].at("index"), 2);
  EXPECT_EQ(choices[1].at("message").at("content"), "b");
}

TEST(ResponseFormat, StreamedEventsCarryTheChoiceAndSmallTopLevelExtras) {
  auto format = chat_format();
  std::string first, second;
  format.append_chunk_event(first, Chunk{.delta = R"({"content":"a"})", .choice = R"({"logprobs":{"content":[{"token":"a"}]}})",
                                         .response = R"({"system_fingerprint":"fp","object":"forged"})"});
  format.append_chunk_event(second, Chunk{.delta = R"({"content":"b"})"});
  auto one = event_json(first), two = event_json(second);
  EXPECT_EQ(one["object"], "chat.completion.chunk");
  EXPECT_EQ(one["choices"].at(0).at("logprobs").at("content").at(0).at("token"), "a");
  EXPECT_EQ(one["system_fingerprint"], "fp");
  EXPECT_EQ(two["system_fingerprint"], "fp");
  EXPECT_TRUE(two["choices"].at(0).at("logprobs").is_null());
}

TEST(ResponseFormat, LargeTopLevelExtrasGoOnlyIntoTheirOwnEvent) {
  auto format = chat_format();
  const std::string big(2000, 'x');
  std::string first, second;
  format.append_chunk_event(first, Chunk{.delta = R"({"content":"a"})", .response = R"({"prompt_logprobs":")" + big + "\"}"});
  format.append_chunk_event(second, Chunk{.delta = R"({"content":"b"})"});
  EXPECT_EQ(event_json(first)["prompt_logprobs"].as_string(), big);
  EXPECT_FALSE(event_json(second).contains("prompt_logprobs"));
  EXPECT_LT(second.size(), 200u);
}
