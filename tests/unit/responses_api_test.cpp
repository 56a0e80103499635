// The Responses API's translation layer: a request becomes the chat request
// it means (responses_request), and chat chunks become the response object
// and its typed events (responses_format), including a whole answer's tool
// calls, which carry no index.
#include "coordinator/api/responses_format.h"
#include "coordinator/api/responses_passthrough.h"
#include "coordinator/api/responses_request.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using potluck::coordinator::api::ResponsesFormat;
using potluck::coordinator::api::translate_responses_request;
using potluck::protocol::Chunk;
using potluck::protocol::Usage;
namespace json = boost::json;

namespace {

json::object chat_of(std::string_view body) {
  auto translated = translate_responses_request(body);
  EXPECT_TRUE(translated.has_value()) << (translated ? "" : translated.error().message);
  return translated ? json::parse(translated->chat_body).as_object() : json::object{};
}

// The (type, data) of each "event: T\ndata: {...}\n\n" in `events`.
std::vector<json::object> parse_events(const std::string& events) {
  std::vector<json::object> out;
  std::size_t at = 0;
  while ((at = events.find("event: ", at)) != std::string::npos) {
    const auto line_end = events.find('\n', at);
    const std::string type = events.substr(at + 7, line_end - at - 7);
    const auto data = line_end + 1 + 6;  // "data: "
    const auto data_end = events.find("\n\n", data);
    out.push_back(json::parse(events.substr(data, data_end - data)).as_object());
    EXPECT_EQ(out.back()["type"], type.c_str());
    at = data_end;
  }
  return out;
}

ResponsesFormat format() { return ResponsesFormat("resp_1", 100, "m", json::object{{"instructions", nullptr}}); }

}  // namespace

TEST(ResponsesRequest, InputItemsBecomeChatMessages) {
  auto chat = chat_of(R"({"model":"m","instructions":"sys","temperature":0.5,"fake_hook":1,"store":false,
    "input":[{"role":"developer","content":"dev"},
             {"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_text","text":"b"}]},
             {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
             {"type":"function_call","call_id":"c2","name":"g","arguments":"[]"},
             {"type":"function_call_output","call_id":"c1","output":"r1"},
             {"type":"reasoning","summary":[]}],
    "tools":[{"type":"function","name":"f","parameters":{"type":"object"},"strict":true}],
    "tool_choice":{"type":"function","name":"f"},
    "text":{"format":{"type":"json_schema","name":"p","schema":{"type":"object"}}},
    "max_output_tokens":7})");
  const auto& messages = chat["messages"].as_array();
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[0], json::parse(R"({"role":"system","content":"sys"})"));
  EXPECT_EQ(messages[1], json::parse(R"({"role":"system","content":"dev"})"));
  EXPECT_EQ(messages[2], json::parse(R"({"role":"user","content":"ab"})"));
  // Consecutive calls are one assistant message.
  EXPECT_EQ(messages[3].at("tool_calls").as_array().size(), 2u);
  EXPECT_EQ(messages[3].at("tool_calls").at(1).at("function").at("arguments"), "[]");
  EXPECT_EQ(messages[4], json::parse(R"({"role":"tool","tool_call_id":"c1","content":"r1"})"));
  EXPECT_EQ(chat["tools"], json::parse(R"([{"type":"function","function":{"name":"f","parameters":{"type":"object"},"strict":true}}])"));
  EXPECT_EQ(chat["tool_choice"], json::parse(R"({"type":"function","function":{"name":"f"}})"));
  EXPECT_EQ(chat["response_format"].at("type"), "json_schema");
  EXPECT_EQ(chat["response_format"].at("json_schema").at("name"), "p");
  EXPECT_EQ(chat["max_tokens"], 7);
  EXPECT_EQ(chat["temperature"], 0.5);
  EXPECT_EQ(chat["fake_hook"], 1);  // unknown members pass through, as on chat
  for (const char* gone : {"input", "instructions", "text", "store", "max_output_tokens"}) EXPECT_FALSE(chat.contains(gone)) << gone;
}

TEST(ResponsesRequest, StateIsRefusedAndNothingEchoesTheRequest) {
  for (const char* body : {R"({"model":"m","input":"x","previous_response_id":"resp_secret_text"})",
                           R"({"model":"m","input":"x","store":true})",
                           R"({"model":"m","input":[{"type":"item_reference","id":"msg_secret_text"}]})",
                           R"({"model":"m","input":[{"type":"secret_text_kind"}]})"}) {
    auto translated = translate_responses_request(body);
    ASSERT_FALSE(translated.has_value()) << body;
    EXPECT_EQ(translated.error().status, 400);
    EXPECT_EQ(translated.error().message.find("secret_text"), std::string::npos) << translated.error().message;
  }
}

TEST(ResponsesFormat, StreamedTextEventsInOrder) {
  auto f = format();
  std::string events;
  f.take(Chunk{.delta = R"({"role":"assistant","content":""})"}, &events);
  f.take(Chunk{.delta = R"({"content":"he"})"}, &events);
  f.take(Chunk{.delta = R"({"content":"llo"})"}, &events);
  f.take(Chunk{.delta = "{}", .finish_reason = "stop"}, &events);
  f.append_end_events(events, Usage{3, 2, R"({"completion_tokens_details":{"reasoning_tokens":1}})"});
  const auto parsed = parse_events(events);
  std::vector<std::string> types;
  for (const auto& e : parsed) types.emplace_back(e.at("type").as_string());
  EXPECT_EQ(types, (std::vector<std::string>{"response.created", "response.in_progress", "response.output_item.added",
                                             "response.content_part.added", "response.output_text.delta",
                                             "response.output_text.delta", "response.output_text.done",
                                             "response.content_part.done", "response.output_item.done",
                                             "response.completed"}));
  for (std::size_t i = 0; i < parsed.size(); ++i) EXPECT_EQ(parsed[i].at("sequence_number"), static_cast<std::int64_t>(i));
  const auto& done = parsed.back().at("response");
  EXPECT_EQ(done.at("output").at(0).at("content").at(0).at("text"), "hello");
  EXPECT_EQ(done.at("usage").at("output_tokens_details").at("reasoning_tokens"), 1);
  EXPECT_EQ(done.at("usage").at("total_tokens"), 5);
}

TEST(ResponsesFormat, AWholeAnswersToolCallsWithoutIndexesAreSeparateItems) {
  auto f = format();
  f.take(Chunk{.delta = R"({"role":"assistant","content":"thinking","tool_calls":[
             {"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},
             {"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]})",
               .finish_reason = "tool_calls"},
         nullptr);
  const auto r = json::parse(f.complete_response(Usage{1, 1, {}})).as_object();
  const auto& output = r.at("output").as_array();
  ASSERT_EQ(output.size(), 3u);
  EXPECT_EQ(output[0].at("type"), "message");
  EXPECT_EQ(output[1].at("call_id"), "a");
  EXPECT_EQ(output[1].at("arguments"), "{\"x\":1}");
  EXPECT_EQ(output[2].at("call_id"), "b");
  EXPECT_EQ(r.at("status"), "completed");
}

TEST(ResponsesFormat, AnAnswerCutAtItsLengthIsIncomplete) {
  auto f = format();
  f.take(Chunk{.delta = R"({"content":"cut"})", .finish_reason = "length"}, nullptr);
  const auto r = json::parse(f.complete_response(Usage{1, 1, {}})).as_object();
  EXPECT_EQ(r.at("status"), "incomplete");
  EXPECT_EQ(r.at("incomplete_details").at("reason"), "max_output_tokens");
}

TEST(ResponsesRequest, LogprobsAreAskedOfTheEngineOnlyWhenIncluded) {
  auto asked = chat_of(R"({"input":"x","include":["message.output_text.logprobs"],"top_logprobs":3})");
  EXPECT_EQ(asked["logprobs"], true);
  EXPECT_EQ(asked["top_logprobs"], 3);
  EXPECT_FALSE(asked.contains("include"));

  auto not_included = chat_of(R"({"input":"x","top_logprobs":3,"include":["reasoning.encrypted_content"]})");
  EXPECT_FALSE(not_included.contains("logprobs"));
  EXPECT_FALSE(not_included.contains("top_logprobs")) << "chat refuses top_logprobs without logprobs";

  for (const char* bad : {R"({"input":"x","top_logprobs":21})", R"({"input":"x","top_logprobs":-1})",
                          R"({"input":"x","top_logprobs":"2"})", R"({"input":"x","include":"message.output_text.logprobs"})",
                          R"({"input":"x","include":[1]})"}) {
    auto refused = translate_responses_request(bad);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().status, 400);
  }
}

TEST(ResponsesFormat, TokenLogprobsFollowTheTextIntoDeltasAndTheFinishedPart) {
  auto f = format();
  std::string events;
  const auto entry = [](const char* token, double logprob) {
    return json::object{{"token", token}, {"logprob", logprob}, {"bytes", json::array{}},
                        {"top_logprobs", json::array{json::object{{"token", "z"}, {"logprob", -9.0}, {"bytes", nullptr}}}}};
  };
  const auto choice = [&](const char* token, double logprob) {
    return json::serialize(json::object{{"logprobs", json::object{{"content", json::array{entry(token, logprob)}}}}});
  };
  f.take(Chunk{.delta = R"({"content":"he"})", .choice = choice("he", -0.5)}, &events);
  f.take(Chunk{.delta = R"({"content":"llo"})", .choice = choice("llo", -1.5)}, &events);
  f.take(Chunk{.delta = "{}", .finish_reason = "stop"}, &events);
  f.append_end_events(events, Usage{1, 2, {}});
  std::vector<json::value> deltas;
  json::value text_done;
  for (const auto& e : parse_events(events)) {
    if (e.at("type") == "response.output_text.delta") deltas.push_back(e.at("logprobs"));
    if (e.at("type") == "response.output_text.done") text_done = e.at("logprobs");
  }
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0], json::array{entry("he", -0.5)});
  EXPECT_EQ(deltas[1], json::array{entry("llo", -1.5)});
  const json::array both{entry("he", -0.5), entry("llo", -1.5)};
  EXPECT_EQ(text_done, both);
  const auto r = json::parse(f.complete_response(Usage{1, 2, {}})).as_object();
  EXPECT_EQ(r.at("output").at(0).at("content").at(0).at("logprobs"), both);
}

TEST(ResponsesPassThrough, TheEnginesEventsPassWithWhatTheCoordinatorOwnsReplaced) {
  potluck::coordinator::api::ResponsesPassThrough p("resp_ours", 1700000000, "m", true);
  std::string events;
  const auto chunk = [](std::string delta) { return Chunk{.delta = std::move(delta)}; };
  const Chunk created = chunk(R"({"type":"response.created","sequence_number":7,"response":{"id":"resp_engine","model":"engine-name","store":true,"status":"in_progress"}})");
  const Chunk delta = chunk(R"({"type":"response.output_text.delta","sequence_number":9,"delta":"hi","engine_extra":1})");
  const Chunk final_event = chunk(R"({"type":"response.completed","response":{"id":"resp_engine","status":"completed","output":[],"usage":{"input_tokens":50,"output_tokens":60,"output_tokens_details":{"reasoning_tokens":2}}}})");
  for (const auto* c : {&created, &delta, &final_event}) {
    ASSERT_TRUE(p.admits(*c));
    p.take(*c, &events);
  }
  EXPECT_FALSE(p.admits(delta)) << "nothing after the final event";
  EXPECT_TRUE(p.whole());
  auto parsed = parse_events(events);
  ASSERT_EQ(parsed.size(), 2u) << "the final event waits for the usage";
  p.append_end_events(events, Usage{3, 4, {}});
  parsed = parse_events(events);
  ASSERT_EQ(parsed.size(), 3u);
  for (std::size_t i = 0; i < parsed.size(); ++i) EXPECT_EQ(parsed[i].at("sequence_number"), static_cast<std::int64_t>(i));
  EXPECT_EQ(parsed[0].at("response").at("id"), "resp_ours");
  EXPECT_EQ(parsed[0].at("response").at("model"), "m");
  EXPECT_EQ(parsed[0].at("response").at("store"), false);
  EXPECT_EQ(parsed[1].at("engine_extra"), 1);
  const auto& done = parsed[2].at("response").as_object();
  EXPECT_EQ(done.at("id"), "resp_ours");
  EXPECT_EQ(done.at("usage").at("input_tokens"), 3) << "the billed usage, not the engine's claim";
  EXPECT_EQ(done.at("usage").at("output_tokens"), 4);
  EXPECT_EQ(done.at("usage").at("total_tokens"), 7);
  EXPECT_EQ(done.at("usage").at("output_tokens_details").at("reasoning_tokens"), 2);
}

TEST(ResponsesPassThrough, WhatANodeMaySend) {
  using potluck::coordinator::api::ResponsesPassThrough;
  ResponsesPassThrough streamed("r", 1, "m", true);
  for (const char* bad : {"[]", "not json", R"({"no":"type"})", R"({"type":"error","message":"x"})",
                          R"({"type":"response.failed","response":{}})", R"({"type":7})"})
    EXPECT_FALSE(streamed.admits(Chunk{.delta = bad})) << bad;
  EXPECT_FALSE(streamed.admits(Chunk{.index = 1, .delta = R"({"type":"response.created"})"})) << "one answer only";
  EXPECT_FALSE(streamed.whole()) << "no final event yet";

  ResponsesPassThrough whole("r", 1, "m", false);
  EXPECT_FALSE(whole.admits(Chunk{.delta = R"({"type":"response.completed","response":{}})"}));
  const Chunk answer{.delta = R"({"id":"resp_engine","object":"response","output":[],"usage":{"input_tokens":9}})"};
  ASSERT_TRUE(whole.admits(answer));
  whole.take(answer, nullptr);
  const auto r = json::parse(whole.complete_response(Usage{1, 2, {}})).as_object();
  EXPECT_EQ(r.at("id"), "r");
  EXPECT_EQ(r.at("usage").at("input_tokens"), 1);
  EXPECT_EQ(r.at("usage").at("output_tokens"), 2);
}
