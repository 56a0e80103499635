// Translation between an upstream engine's OpenAI stream and the node's chunks.
#include "node/backends/openai_translate.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace openai = potluck::node::openai;
namespace json = boost::json;
using potluck::protocol::JobKind;

TEST(NodeOpenAiTranslate, PrepareKeepsUnknownFieldsAndForcesStreaming) {
  auto body = openai::prepare_request(
      R"({"model":"alias","messages":[],"cluster":"c1","seed":7,"vendor_x":{"a":[1]},"stream":false,"stream_options":{"foo":1}})",
      "llama-3");
  ASSERT_TRUE(body);
  auto v = json::parse(*body).as_object();
  EXPECT_FALSE(v.contains("cluster"));
  EXPECT_EQ(v["model"], "llama-3");
  EXPECT_EQ(v["seed"], 7);
  EXPECT_EQ(json::serialize(v["vendor_x"]), R"({"a":[1]})");
  EXPECT_EQ(v["stream"], true);
  EXPECT_EQ(v["stream_options"].as_object()["include_usage"], true);
  EXPECT_EQ(v["stream_options"].as_object()["foo"], 1);
}

TEST(NodeOpenAiTranslate, PrepareKeepsTheConsumersModelWhenJobHasNone) {
  auto body = openai::prepare_request(R"({"model":"m","prompt":"p"})", "");
  ASSERT_TRUE(body);
  EXPECT_EQ(json::parse(*body).as_object()["model"], "m");
  EXPECT_FALSE(openai::prepare_request("[]", "m"));
}

TEST(NodeOpenAiTranslate, Targets) {
  EXPECT_EQ(openai::completion_target("", JobKind::chat), "/v1/chat/completions");
  EXPECT_EQ(openai::completion_target("/engine", JobKind::completion), "/engine/v1/completions");
}

TEST(NodeOpenAiTranslate, ChatDeltaIsPassedThrough) {
  auto out = openai::translate_event(
      JobKind::chat,
      R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi","tool_calls":null},"finish_reason":null}]})");
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(out.chunks[0].delta, R"({"content":"Hi","tool_calls":null})");
  EXPECT_EQ(out.chunks[0].index, 0);
  EXPECT_TRUE(out.chunks[0].finish_reason.empty());
  EXPECT_TRUE(out.chunks[0].has_content);
  EXPECT_FALSE(out.usage);
}

TEST(NodeOpenAiTranslate, FinishReasonAndSeveralChoices) {
  auto out = openai::translate_event(
      JobKind::chat,
      R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"},{"index":1,"delta":{"role":"assistant"},"finish_reason":null}]})");
  ASSERT_EQ(out.chunks.size(), 2u);
  EXPECT_EQ(out.chunks[0].finish_reason, "stop");
  EXPECT_EQ(out.chunks[0].delta, "{}");
  EXPECT_FALSE(out.chunks[0].has_content);
  EXPECT_EQ(out.chunks[1].index, 1);
}

TEST(NodeOpenAiTranslate, CompletionTextBecomesTextDelta) {
  auto out = openai::translate_event(
      JobKind::completion, R"({"choices":[{"index":0,"text":"a \"q\"","logprobs":null,"finish_reason":"length"}]})");
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(json::parse(out.chunks[0].delta), json::parse(R"({"text":"a \"q\""})"));
  EXPECT_EQ(out.chunks[0].finish_reason, "length");
}

TEST(NodeOpenAiTranslate, UsageDoneAndErrors) {
  auto usage = openai::translate_event(JobKind::chat,
                                       R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}})");
  ASSERT_TRUE(usage.usage);
  EXPECT_EQ(usage.usage->prompt_tokens, 12);
  EXPECT_EQ(usage.usage->completion_tokens, 34);
  EXPECT_TRUE(usage.chunks.empty());

  EXPECT_TRUE(openai::translate_event(JobKind::chat, "[DONE]").done);

  auto error = openai::translate_event(JobKind::chat, R"({"error":{"message":"context too long","code":400}})");
  EXPECT_TRUE(error.error);
  EXPECT_EQ(error.error_status, 400);
  auto garbage = openai::translate_event(JobKind::chat, "not json");
  EXPECT_TRUE(garbage.error);
  EXPECT_EQ(garbage.error_status, 0);
}

TEST(NodeOpenAiTranslate, ParsesAndFiltersModels) {
  const std::string body =
      R"({"object":"list","data":[{"id":"a","object":"model","owned_by":"llamacpp","meta":{"n_ctx_train":4096}},)"
      R"({"id":"b","owned_by":"vllm","max_model_len":32768},{"id":""},{"no":"id"}]})";
  auto all = openai::parse_models(body, {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");
  EXPECT_EQ((*all)[0].owned_by, "llamacpp");
  EXPECT_EQ((*all)[0].context, 4096);
  EXPECT_EQ((*all)[1].context, 32768);
  auto some = openai::parse_models(body, {"b", "zzz"});
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 1u);
  EXPECT_EQ((*some)[0].id, "b");
  EXPECT_FALSE(openai::parse_models("{}", {}));
}

TEST(NodeOpenAiTranslate, PrepareForAWholeAnswerTurnsStreamingOff) {
  auto body = openai::prepare_request(
      R"({"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true},"seed":3})", "llama-3",
      openai::Delivery::whole);
  ASSERT_TRUE(body);
  auto v = json::parse(*body).as_object();
  EXPECT_EQ(v["stream"], false);
  EXPECT_FALSE(v.contains("stream_options"));  // vLLM refuses them without a stream
  EXPECT_EQ(v["seed"], 3);
  EXPECT_EQ(v["model"], "llama-3");
}

TEST(NodeOpenAiTranslate, WholeChatAnswerGivesOneChunkPerChoice) {
  auto out = openai::translate_response(
      JobKind::chat,
      R"({"id":"c","object":"chat.completion","choices":[)"
      R"({"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"},)"
      R"({"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"t"}]},"finish_reason":"tool_calls"}],)"
      R"("usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})");
  ASSERT_FALSE(out.error);
  EXPECT_TRUE(out.done);
  ASSERT_EQ(out.chunks.size(), 2u);
  EXPECT_EQ(out.chunks[0].delta, R"({"role":"assistant","content":"Hello"})");
  EXPECT_EQ(out.chunks[0].finish_reason, "stop");
  EXPECT_TRUE(out.chunks[0].has_content);
  EXPECT_EQ(out.chunks[1].index, 1);
  EXPECT_TRUE(out.chunks[1].has_content);  // a tool call is generated output
  EXPECT_EQ(out.chunks[1].finish_reason, "tool_calls");
  ASSERT_TRUE(out.usage);
  EXPECT_EQ(out.usage->prompt_tokens, 5);
  EXPECT_EQ(out.usage->completion_tokens, 2);
}

TEST(NodeOpenAiTranslate, WholeCompletionAnswerAndErrors) {
  auto out = openai::translate_response(
      JobKind::completion, R"({"choices":[{"index":0,"text":"abc","finish_reason":"length"}]})");
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(out.chunks[0].delta, R"({"text":"abc"})");
  EXPECT_EQ(out.chunks[0].finish_reason, "length");
  EXPECT_FALSE(out.usage);

  auto failed = openai::translate_response(JobKind::chat, R"({"error":{"message":"x","code":503}})");
  EXPECT_TRUE(failed.error);
  EXPECT_FALSE(failed.done);
  EXPECT_EQ(failed.error_status, 503);
  EXPECT_TRUE(openai::translate_response(JobKind::chat, "not json").error);
}

TEST(NodeOpenAiTranslate, CompletionTokenEstimate) {
  EXPECT_EQ(openai::estimate_completion_tokens(0), 0);
  EXPECT_EQ(openai::estimate_completion_tokens(3), 1);
  EXPECT_EQ(openai::estimate_completion_tokens(40), 10);
}

TEST(NodeOpenAiTranslate, TheEnginesExtrasTravelBesideTheDelta) {
  auto out = openai::translate_event(
      JobKind::chat,
      R"({"id":"x","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp","service_tier":null,)"
      R"("choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a"}]},"finish_reason":null,"stop_reason":null}],)"
      R"("usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":1}}})");
  ASSERT_EQ(out.chunks.size(), 1u);
  // Nulls are left out: the coordinator shows them as null anyway.
  EXPECT_EQ(json::parse(out.chunks[0].choice), json::parse(R"({"logprobs":{"content":[{"token":"a"}]}})"));
  EXPECT_EQ(json::parse(out.response), json::parse(R"({"system_fingerprint":"fp"})"));
  ASSERT_TRUE(out.usage);
  EXPECT_EQ(json::parse(out.usage->details), json::parse(R"({"prompt_tokens_details":{"cached_tokens":1}})"));
  auto completion = openai::translate_response(
      JobKind::completion, R"({"choices":[{"index":0,"text":"t","logprobs":{"tokens":["t"]},"finish_reason":"stop"}]})");
  ASSERT_EQ(completion.chunks.size(), 1u);
  EXPECT_EQ(completion.chunks[0].delta, R"({"text":"t"})");
  EXPECT_EQ(json::parse(completion.chunks[0].choice), json::parse(R"({"logprobs":{"tokens":["t"]}})"));
  EXPECT_EQ(completion.response, "");
}

TEST(NodeOpenAiTranslate, AnEnginesErrorMessageAndRetryAfter) {
  EXPECT_EQ(openai::error_detail(R"({"error":{"message":"too long\u001b[0m","code":400}})"), "too long [0m");
  EXPECT_EQ(openai::error_detail(R"({"error":"plain"})"), "plain");
  EXPECT_EQ(openai::error_detail("not json"), "");
  EXPECT_EQ(openai::error_detail(R"({"error":{"message":")" + std::string(2000, 'x') + "\"}}").size(),
            potluck::protocol::kMaxDetailBytes);
  EXPECT_EQ(openai::retry_after_seconds("7"), 7);
  EXPECT_EQ(openai::retry_after_seconds("99999999"), potluck::protocol::kMaxRetryAfterS);
  EXPECT_EQ(openai::retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), 0);
  EXPECT_EQ(openai::retry_after_seconds(""), 0);
  auto failed = openai::translate_event(JobKind::chat, R"({"error":{"message":"overloaded","code":503}})");
  EXPECT_TRUE(failed.error);
  EXPECT_EQ(failed.error_status, 503);
  EXPECT_EQ(failed.error_detail, "overloaded");
}

TEST(NodeOpenAiTranslate, AResponsesJobGoesToTheEngineUnstoredAsItCame) {
  auto body = openai::prepare_responses_request(
      R"({"model":"alias","input":"hi","cluster":"c1","store":true,"max_output_tokens":9,"vendor_x":1})", "m",
      openai::Delivery::streamed);
  ASSERT_TRUE(body);
  auto v = json::parse(*body).as_object();
  EXPECT_FALSE(v.contains("cluster"));
  EXPECT_EQ(v["model"], "m");
  EXPECT_EQ(v["store"], false);
  EXPECT_EQ(v["stream"], true);
  EXPECT_EQ(v["max_output_tokens"], 9);
  EXPECT_EQ(v["vendor_x"], 1);
  EXPECT_EQ(json::parse(*openai::prepare_responses_request(R"({"input":"hi"})", "m", openai::Delivery::whole))
                .as_object()["stream"],
            false);
  EXPECT_EQ(openai::completion_target("/engine", JobKind::responses), "/engine/v1/responses");
}

TEST(NodeOpenAiTranslate, ResponsesEventsPassWholeAndTheFinalOneEndsTheAnswer) {
  const std::string delta = R"({"type":"response.output_text.delta","sequence_number":4,"delta":"hi"})";
  auto out = openai::translate_responses_event(delta);
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(out.chunks[0].delta, delta) << "the event as the engine wrote it";
  EXPECT_TRUE(out.chunks[0].has_content);
  EXPECT_TRUE(out.chunks[0].finish_reason.empty());
  EXPECT_FALSE(out.usage);

  auto done = openai::translate_responses_event(
      R"({"type":"response.incomplete","response":{"status":"incomplete","usage":{"input_tokens":3,"output_tokens":2}}})");
  ASSERT_FALSE(done.error);
  ASSERT_EQ(done.chunks.size(), 1u);
  EXPECT_EQ(done.chunks[0].finish_reason, "length");
  ASSERT_TRUE(done.usage);
  EXPECT_EQ(done.usage->prompt_tokens, 3);
  EXPECT_EQ(done.usage->completion_tokens, 2);
  EXPECT_TRUE(done.done);

  auto failed = openai::translate_responses_event(
      R"({"type":"response.failed","response":{"status":"failed","error":{"message":"out of memory"}}})");
  EXPECT_TRUE(failed.error);
  EXPECT_EQ(failed.error_detail, "out of memory");
  EXPECT_TRUE(openai::translate_responses_event(R"({"type":"error","message":"x"})").error);
  EXPECT_TRUE(openai::translate_responses_event(R"({"no":"type"})").error);
  EXPECT_TRUE(openai::translate_responses_event("not json").error);
  EXPECT_TRUE(openai::translate_responses_event(R"({"type":"response.completed"})").error) << "no response in it";
  auto sentinel = openai::translate_responses_event("[DONE]");
  EXPECT_FALSE(sentinel.error);
  EXPECT_TRUE(sentinel.chunks.empty());
  EXPECT_FALSE(sentinel.done) << "only the final event ends the answer";
}

TEST(NodeOpenAiTranslate, AWholeResponseIsOneChunk) {
  const std::string body =
      R"({"id":"resp_1","object":"response","status":"completed","output":[],"usage":{"input_tokens":1,"output_tokens":5}})";
  auto out = openai::translate_responses_body(body);
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(out.chunks[0].delta, body);
  EXPECT_EQ(out.chunks[0].finish_reason, "stop");
  EXPECT_EQ(out.usage->completion_tokens, 5);
  EXPECT_TRUE(openai::translate_responses_body(R"({"error":{"message":"bad","code":400}})").error);
  EXPECT_TRUE(openai::translate_responses_body(R"({"status":"failed","output":[]})").error);
}
