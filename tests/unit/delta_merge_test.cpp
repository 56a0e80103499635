// The rule a collected answer is built by: a whole answer comes out as the
// engine sent it; streamed deltas fold as the OpenAI SDKs fold them.
#include "coordinator/api/delta_merge.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using potluck::coordinator::api::DeltaMerge;
namespace json = boost::json;

namespace {
json::object fold(std::initializer_list<std::string_view> deltas) {
  DeltaMerge merge;
  json::object into;
  for (auto d : deltas) merge.merge(into, json::parse(d).as_object());
  return into;
}
}  // namespace

TEST(DeltaMerge, AWholeMessageIsUnchanged) {
  const auto* whole =
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}],"reasoning_content":"r","vendor":{"x":[1]}})";
  EXPECT_EQ(fold({whole}), json::parse(whole).as_object());
}

TEST(DeltaMerge, StreamedDeltasFoldLikeTheSdks) {
  auto message = fold({R"({"role":"assistant","content":null})",
                       R"({"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"get","arguments":""}}]})",
                       R"({"tool_calls":[{"index":1,"id":"c2","type":"function","function":{"name":"put","arguments":"{"}}]})",
                       R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]})",
                       R"({"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]})",
                       R"({"tool_calls":[{"index":1,"type":"function","function":{"arguments":"}"}}]})"});
  EXPECT_EQ(message["role"], "assistant");
  EXPECT_TRUE(message["content"].is_null());
  const auto& calls = message["tool_calls"].as_array();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].at("function").at("name"), "get");
  EXPECT_EQ(calls[0].at("function").at("arguments"), R"({"a":1})");
  EXPECT_EQ(calls[1].at("type"), "function");  // repeated, not doubled
  EXPECT_EQ(calls[1].at("function").at("arguments"), "{}");
}

TEST(DeltaMerge, TextAndLogprobsAreAppended) {
  auto choice = fold({R"({"content":"He","logprobs":{"content":[{"token":"He"}]}})",
                      R"({"content":"llo","logprobs":{"content":[{"token":"llo"}]}})", R"({"content":null})"});
  EXPECT_EQ(choice["content"], "Hello");
  EXPECT_EQ(choice["logprobs"].at("content").as_array().size(), 2u);
}
