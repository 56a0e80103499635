#include "protocol/frames.h"
#include "protocol/node_text.h"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <functional>

using namespace potluck::protocol;

template <class T>
T round_trip(const T& frame) {
  auto decoded = decode(encode(frame));
  EXPECT_TRUE(decoded) << (decoded ? "" : decoded.error().reason);
  EXPECT_TRUE(std::holds_alternative<T>(*decoded));
  return std::get<T>(*decoded);
}

TEST(Frames, HelloRoundTrip) {
  Hello h;
  h.node_id = "node_abc";
  h.name = "box";
  h.os = "linux";
  h.arch = "x86_64";
  h.agent_version = "0.1.0";
  h.max_jobs = 4;
  h.models = {{"llama", 8192, "potluck-mock"}};
  h.exec_languages = {"python3"};
  h.exec_price = 250'000;
  auto back = round_trip(h);
  EXPECT_EQ(back.protocol, "potluck.v1");
  EXPECT_EQ(back.node_id, "node_abc");
  EXPECT_EQ(back.max_jobs, 4);
  ASSERT_EQ(back.models.size(), 1u);
  EXPECT_EQ(back.models[0].id, "llama");
  EXPECT_EQ(back.models[0].context, 8192);
  EXPECT_EQ(back.models[0].owned_by, "potluck-mock");
  EXPECT_EQ(back.exec_languages, std::vector<std::string>{"python3"});
  EXPECT_EQ(back.exec_price, 250'000);
}

TEST(Frames, JobKeepsPayloadVerbatim) {
  Job j{"job_1", JobKind::completion, "m\"odel", 1500, R"({"prompt":"hi","x_unknown":[1,2]})"};
  auto text = encode(j);
  EXPECT_NE(text.find(R"("payload":{"prompt":"hi","x_unknown":[1,2]})"), std::string::npos);
  auto back = round_trip(j);
  EXPECT_EQ(back.kind, JobKind::completion);
  EXPECT_EQ(back.model, "m\"odel");
  EXPECT_EQ(back.deadline_ms, 1500);
  EXPECT_EQ(back.payload, R"({"prompt":"hi","x_unknown":[1,2]})");
}

TEST(Frames, ChunkDoneErrorCancelStatusRoundTrip) {
  auto c = round_trip(Chunk{"j", 7, 1, R"({"content":"é\n"})", "stop"});
  EXPECT_EQ(c.seq, 7u);
  EXPECT_EQ(c.index, 1);
  EXPECT_EQ(c.delta, R"({"content":"é\n"})");
  EXPECT_EQ(c.finish_reason, "stop");
  auto d = round_trip(Done{"j", {3, 5}, 12, 40});
  EXPECT_EQ(d.usage.prompt_tokens, 3);
  EXPECT_EQ(d.usage.completion_tokens, 5);
  EXPECT_EQ(d.ttft_ms, 12);
  auto e = round_trip(Error{"j", ErrorCode::upstream_error, "upstream answered 500", true, 500});
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.status, 500);
  EXPECT_EQ(round_trip(Cancel{"j"}).id, "j");
  Status s{2, true, std::vector<ModelOffer>{{"a", 0, ""}}};
  auto sb = round_trip(s);
  EXPECT_TRUE(sb.draining);
  ASSERT_TRUE(sb.models);
  EXPECT_EQ(sb.models->size(), 1u);
  EXPECT_FALSE(round_trip(Status{1, false, std::nullopt}).models);
}

TEST(Frames, ErrorCarriesTheCpuOfAStoppedExecJob) {
  EXPECT_FALSE(round_trip(Error{"j", ErrorCode::cancelled, "job cancelled"}).cpu_ms);
  EXPECT_EQ(encode(Error{"j", ErrorCode::cancelled, "job cancelled"}).find("cpu_ms"), std::string::npos);
  auto e = round_trip(Error{"j", ErrorCode::cancelled, "job cancelled", false, 0, 1234});
  ASSERT_TRUE(e.cpu_ms);
  EXPECT_EQ(*e.cpu_ms, 1234);
  EXPECT_EQ(round_trip(Error{"j", ErrorCode::timeout, "t", false, 0, 0}).cpu_ms, 0);
  EXPECT_EQ(round_trip(Error{"j", ErrorCode::timeout, "t", false, 0, kMaxStoppedCpuMs}).cpu_ms, kMaxStoppedCpuMs);
  // Whatever the node measured, what it sends decodes.
  EXPECT_EQ(round_trip(Error{"j", ErrorCode::draining, "d", false, 0, kMaxStoppedCpuMs + 1}).cpu_ms, kMaxStoppedCpuMs);
  EXPECT_EQ(round_trip(Error{"j", ErrorCode::draining, "d", false, 0, -5}).cpu_ms, 0);
  auto null_cpu = decode(R"({"type":"error","id":"j","code":"cancelled","cpu_ms":null})");
  ASSERT_TRUE(null_cpu);
  EXPECT_FALSE(std::get<Error>(*null_cpu).cpu_ms);
}

TEST(Frames, ErrorRefusesACpuFigureOutOfBounds) {
  for (const char* bad : {R"({"type":"error","id":"j","code":"cancelled","cpu_ms":-1})",
                          R"({"type":"error","id":"j","code":"cancelled","cpu_ms":86400001})",
                          R"({"type":"error","id":"j","code":"cancelled","cpu_ms":18446744073709551615})",
                          R"({"type":"error","id":"j","code":"cancelled","cpu_ms":1.5})",
                          R"({"type":"error","id":"j","code":"cancelled","cpu_ms":"10"})"}) {
    auto frame = decode(bad);
    ASSERT_FALSE(frame) << bad;
    EXPECT_NE(frame.error().reason.find("cpu_ms"), std::string::npos) << frame.error().reason;
  }
}

TEST(Frames, UnknownTypeIsIgnoredNotAnError) {
  auto frame = decode(R"({"type":"telemetry","x":1})");
  ASSERT_TRUE(frame);
  ASSERT_TRUE(std::holds_alternative<Unknown>(*frame));
  EXPECT_EQ(std::get<Unknown>(*frame).type, "telemetry");
}

TEST(Frames, MalformedFramesAreRejectedWithAReason) {
  for (const char* bad : {"", "not json", "[1,2]", R"({"id":"x"})", R"({"type":5})",
                          R"({"type":"chunk","seq":1,"delta":{}})", R"({"type":"chunk","id":"j","seq":"1"})",
                          R"({"type":"chunk","id":"j","seq":1,"delta":"text"})",
                          R"({"type":"chunk","id":"j","seq":-1,"delta":{}})",
                          R"({"type":"job","id":"j","kind":"dance","payload":{}})",
                          R"({"type":"hello","protocol":"potluck.v1","node_id":""})",
                          R"({"type":"hello","protocol":"potluck.v1","node_id":"n","exec":{"price":-1}})",
                          R"({"type":"hello","protocol":"potluck.v1","node_id":"n","exec":{"price":"1"}})"}) {
    auto frame = decode(bad);
    EXPECT_FALSE(frame) << bad;
    if (!frame) {
      EXPECT_FALSE(frame.error().reason.empty());
    }
  }
}

TEST(Frames, ErrorReasonNeverEchoesValues) {
  auto frame = decode(R"({"type":"chunk","id":"j","seq":1,"delta":"SECRET-CANARY"})");
  ASSERT_FALSE(frame);
  EXPECT_EQ(frame.error().reason.find("SECRET-CANARY"), std::string::npos);
}

TEST(Frames, EveryErrorCodeRoundTrips) {
  for (ErrorCode code : all_error_codes()) {
    EXPECT_EQ(error_code_from(to_string(code)), code) << to_string(code);
    // Codes only the coordinator sets read as node_error when a node sends them.
    const ErrorCode as_decoded = code > ErrorCode::node_error ? ErrorCode::node_error : code;
    EXPECT_EQ(round_trip(Error{"j", code, "m", false}).code, as_decoded) << to_string(code);
    EXPECT_NE(encode(Error{"j", code}).find("\"code\":\"" + std::string(to_string(code)) + "\""), std::string::npos);
  }
}

// A node cannot pass its own failure off as the consumer's (consumer_too_slow
// is not held against a node's health) or as a broken link.
TEST(Frames, CodesOnlyTheCoordinatorSetsAreNotTakenFromANode) {
  for (const char* code : {"consumer_too_slow", "node_disconnected", "result_too_large"}) {
    auto frame = decode(std::string(R"({"type":"error","id":"j","code":")") + code + R"(","retryable":false})");
    ASSERT_TRUE(frame) << code;
    EXPECT_EQ(std::get<Error>(*frame).code, ErrorCode::node_error) << code;
  }
  EXPECT_EQ(error_code_from_node("busy"), ErrorCode::busy);
}

// A node cannot put free text where a code goes: whatever it sends that is
// not a known code reads as node_error, and the text is gone.
TEST(Frames, AnUnknownOrHostileErrorCodeDecodesAsNodeError) {
  const std::string hostile[] = {
      "no_such_code",
      "",
      "TIMEOUT",
      "timeout ",
      std::string(100000, 'x'),
      "upstream_error\nFAKE LOG LINE",
      "\x1b[31mred\x1b[0m",
      std::string("bad\0request", 11),
  };
  for (const auto& code : hostile) {
    const std::string text = boost::json::serialize(
        boost::json::object{{"type", "error"}, {"id", "j"}, {"code", code}, {"retryable", true}});
    auto frame = decode(text);
    ASSERT_TRUE(frame) << text.substr(0, 60);
    const auto& error = std::get<Error>(*frame);
    EXPECT_EQ(error.code, ErrorCode::node_error) << text.substr(0, 60);
    EXPECT_TRUE(error.retryable);
    EXPECT_NE(encode(error).find(R"("code":"node_error")"), std::string::npos);
  }
}

TEST(Frames, AnErrorWithoutACodeIsMalformed) {
  EXPECT_FALSE(decode(R"({"type":"error","id":"j","message":"m"})"));
  EXPECT_FALSE(decode(R"({"type":"error","id":"j","code":7})"));
}

TEST(Frames, JobStreamFlagDefaultsToTrue) {
  Job streamed{"j", JobKind::chat, "m", 0, "{}"};
  EXPECT_EQ(encode(streamed).find("\"stream\""), std::string::npos);
  EXPECT_TRUE(round_trip(streamed).stream);
  Job whole{"j", JobKind::chat, "m", 0, "{}", false};
  EXPECT_FALSE(round_trip(whole).stream);
}

TEST(Frames, ABatchDecodesToItsFramesInOrder) {
  const std::vector<std::string> frames{
      encode(Chunk{"job_1", 0, 0, R"({"content":"hi"})", "stop"}),
      encode(Done{"job_1", {3, 1}, 5, 9, std::nullopt}),
      encode(Job{"job_2", JobKind::chat, "m", 1000, R"({"messages":[]})", false})};
  auto decoded = decode_message(encode_batch(frames));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), 3u);
  EXPECT_EQ(std::get<Chunk>((*decoded)[0]).delta, R"({"content":"hi"})");
  EXPECT_EQ(std::get<Done>((*decoded)[1]).usage.prompt_tokens, 3);
  EXPECT_EQ(std::get<Job>((*decoded)[2]).payload, R"({"messages":[]})");
}

TEST(Frames, AMessageWithOneFrameIsNotABatch) {
  auto decoded = decode_message(encode(Cancel{"job_9"}));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ(std::get<Cancel>(decoded->front()).id, "job_9");
  EXPECT_EQ(encode_batch({}), "[]");
  EXPECT_TRUE(decode_message("[]")->empty());
}

TEST(Frames, ABatchWithAMalformedFrameFailsWhole) {
  EXPECT_FALSE(decode_message(R"([{"type":"cancel","id":"a"},{"type":"chunk"}])"));
  EXPECT_FALSE(decode_message(R"([{"type":"cancel","id":"a"},7])"));
  EXPECT_FALSE(decode_message("[{"));
}

TEST(Frames, HelloAndWelcomeSayWhetherTheyReadBatches) {
  Hello hello;
  hello.node_id = "n1";
  auto plain = decode(encode(hello));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(std::get<Hello>(*plain).batches);
  hello.batches = true;
  EXPECT_TRUE(std::get<Hello>(*decode(encode(hello))).batches);
  EXPECT_TRUE(std::get<Welcome>(*decode(encode(Welcome{"s", 20, "v", true}))).batches);
  EXPECT_FALSE(std::get<Welcome>(*decode(encode(Welcome{"s", 20, "v", false}))).batches);
}

TEST(Frames, FlowControlIsOfferedInHelloAndGrantedInWelcomeAndCredit) {
  Hello hello;
  hello.node_id = "n1";
  EXPECT_FALSE(std::get<Hello>(*decode(encode(hello))).flow);
  hello.flow = true;
  EXPECT_TRUE(std::get<Hello>(*decode(encode(hello))).flow);

  Welcome welcome{"s", 20, "v", true};
  EXPECT_EQ(std::get<Welcome>(*decode(encode(welcome))).window, 0);
  welcome.window = 262144;
  EXPECT_EQ(std::get<Welcome>(*decode(encode(welcome))).window, 262144);
  EXPECT_FALSE(decode(R"({"type":"welcome","session":"s","window":-1})"));

  auto credit = decode(encode(Credit{"job_1", 65536}));
  ASSERT_TRUE(credit);
  EXPECT_EQ(std::get<Credit>(*credit).id, "job_1");
  EXPECT_EQ(std::get<Credit>(*credit).bytes, 65536);
  EXPECT_FALSE(decode(R"({"type":"credit","id":"job_1","bytes":0})"));
  EXPECT_FALSE(decode(R"({"type":"credit","id":"job_1","bytes":-5})"));
  EXPECT_FALSE(decode(R"({"type":"credit","id":"job_1","bytes":67108865})"));
  EXPECT_FALSE(decode(R"({"type":"credit","id":"job_1"})"));
}

TEST(Frames, AChunkCostsItsTextAndAFixedShareForItsFrame) {
  const Chunk chunk{"job_1", 0, 0, R"({"content":"hi"})", "stop"};
  EXPECT_EQ(flow_cost(chunk), static_cast<std::int64_t>(chunk.delta.size() + 4) + kChunkFrameCost);
}

// Text a node sends is checked when its frame is decoded (protocol/node_text.h):
// each refusal names the field and never echoes its value.
namespace {

std::string hello_with(const std::function<void(boost::json::object&)>& edit) {
  Hello h;
  h.node_id = "node_abc";
  h.name = "box";
  h.models = {{"llama", 8192, "potluck-mock"}};
  auto object = boost::json::parse(encode(h)).as_object();
  edit(object);
  return boost::json::serialize(object);
}

std::string refusal(const std::string& text) {
  auto decoded = decode(text);
  EXPECT_FALSE(decoded) << "accepted: " << text;
  return decoded ? std::string() : decoded.error().reason;
}

}  // namespace

TEST(NodeText, HelloAtEachCapIsAccepted) {
  auto text = hello_with([](boost::json::object& o) {
    o["node_id"] = std::string(kMaxNodeIdBytes, 'n');
    o["name"] = std::string(kMaxNodeNameBytes - 3, 'x') + "\xC3\xA9";  // é: 2 bytes
    o["agent_version"] = std::string(kMaxVersionBytes, '1');
    boost::json::array models;
    for (std::size_t i = 0; i < kMaxModels; ++i)
      models.push_back(boost::json::object{{"id", std::to_string(i) + std::string(kMaxModelIdBytes - 3, 'm')}});
    o["models"] = std::move(models);
  });
  auto decoded = decode(text);
  ASSERT_TRUE(decoded) << decoded.error().reason;
  EXPECT_EQ(std::get<Hello>(*decoded).models.size(), kMaxModels);
}

TEST(NodeText, OverlongFieldsAreRefusedByName) {
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["node_id"] = std::string(kMaxNodeIdBytes + 1, 'n'); })),
            "field 'node_id' is longer than 64 bytes");
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["name"] = std::string(kMaxNodeNameBytes + 1, 'x'); })),
            "field 'name' is longer than 64 bytes");
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["agent_version"] = std::string(kMaxVersionBytes + 1, '1'); })),
            "field 'agent_version' is longer than 64 bytes");
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["os"] = std::string(kMaxPlatformBytes + 1, 'l'); })),
            "field 'os' is longer than 32 bytes");
  EXPECT_EQ(refusal(hello_with([](auto& o) {
              o["models"] = boost::json::array{boost::json::object{{"id", std::string(kMaxModelIdBytes + 1, 'm')}}};
            })),
            "field 'id' is longer than 128 bytes");
}

TEST(NodeText, TooManyModelsOrLanguagesAreRefused) {
  boost::json::array models;
  for (std::size_t i = 0; i <= kMaxModels; ++i) models.push_back(boost::json::object{{"id", "m" + std::to_string(i)}});
  EXPECT_EQ(refusal(hello_with([&](auto& o) { o["models"] = models; })), "field 'models' has more than 256 entries");
  EXPECT_EQ(refusal(boost::json::serialize(boost::json::object{{"type", "status"}, {"models", models}})),
            "field 'models' has more than 256 entries");
  boost::json::array languages;
  for (std::size_t i = 0; i <= kMaxLanguages; ++i) languages.push_back(boost::json::string("l" + std::to_string(i)));
  EXPECT_EQ(refusal(hello_with([&](auto& o) { o["exec"] = boost::json::object{{"languages", languages}}; })),
            "field 'languages' has more than 64 entries");
}

TEST(NodeText, ControlCharactersEscapesAndBadUtf8AreRefusedWithoutEcho) {
  const std::string secret = "SECRET";
  for (const std::string& bad : {secret + "\x1b[31m", secret + "\n", secret + "\x7f", secret + "\xC2\x9B" + "31m",
                                 secret + "\xE2\x80\xAE" /* U+202E right-to-left override */}) {
    auto reason = refusal(hello_with([&](auto& o) { o["name"] = bad; }));
    EXPECT_EQ(reason, "field 'name' has a control character");
    EXPECT_EQ(reason.find(secret), std::string::npos);
  }
  // Boost.JSON refuses invalid UTF-8 in the document itself; the rule holds on its own too.
  EXPECT_EQ(printable_text_fault("\xC0\xAF", 64), TextFault::not_utf8);        // overlong '/'
  EXPECT_EQ(printable_text_fault("\xED\xA0\x80", 64), TextFault::not_utf8);    // a surrogate
  EXPECT_EQ(printable_text_fault("\xF0\x9F\x8D", 64), TextFault::not_utf8);    // cut short
  EXPECT_EQ(printable_text_fault("caf\xC3\xA9 \xF0\x9F\x8D\xB2", 64), std::nullopt);
}

TEST(NodeText, IdsAreIdentifiers) {
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["node_id"] = "node abc"; })),
            "field 'node_id' may hold only letters, digits and _-.:");
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["node_id"] = "node_\x1b[2J"; })),
            "field 'node_id' may hold only letters, digits and _-.:");
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["node_id"] = ""; })), "field 'node_id' must not be empty");
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["exec"] = boost::json::object{{"languages", {"py\x1bthon"}}}; })),
            "field 'languages' has a control character");
  EXPECT_EQ(refusal(hello_with([](auto& o) { o["exec"] = boost::json::object{{"languages", {""}}}; })),
            "field 'languages' must not be empty");
  auto cpp = decode(hello_with([](auto& o) { o["exec"] = boost::json::object{{"languages", {"c++", "python3"}}}; }));
  ASSERT_TRUE(cpp) << cpp.error().reason;
  EXPECT_EQ(refusal(R"({"type":"chunk","id":"job_1\u001b[0m","seq":0,"delta":{}})"),
            "field 'id' may hold only letters, digits and _-.:");
}

TEST(NodeText, TokenCountsAreBounded) {
  auto done = [](std::int64_t prompt, std::int64_t completion) {
    return R"({"type":"done","id":"job_1","usage":{"prompt_tokens":)" + std::to_string(prompt) +
           R"(,"completion_tokens":)" + std::to_string(completion) + "}}";
  };
  ASSERT_TRUE(decode(done(0, kMaxReportedTokens)));
  EXPECT_EQ(refusal(done(-1, 5)), "field 'prompt_tokens' must be between 0 and 100000000");
  EXPECT_EQ(refusal(done(5, kMaxReportedTokens + 1)), "field 'completion_tokens' must be between 0 and 100000000");
  EXPECT_EQ(refusal(done(5, INT64_MAX)), "field 'completion_tokens' must be between 0 and 100000000");
}

TEST(Frames, ChunkAndDoneCarryTheEnginesExtras) {
  Chunk c{.id = "j", .seq = 3, .index = 1, .delta = R"({"content":"a"})", .finish_reason = "",
          .choice = R"({"logprobs":{"content":[]}})", .response = R"({"system_fingerprint":"fp"})"};
  auto back = round_trip(c);
  EXPECT_EQ(back.choice, c.choice);
  EXPECT_EQ(back.response, c.response);
  Done d{"j", Usage{1, 2, R"({"prompt_tokens_details":{"cached_tokens":1}})"}};
  EXPECT_EQ(round_trip(d).usage.details, d.usage.details);
  // Absent extras stay absent.
  EXPECT_EQ(encode(Chunk{.id = "j", .delta = "{}"}).find("choice"), std::string::npos);
}

TEST(Frames, ExtrasPastTheirBoundAreRefused) {
  const std::string big = "{\"x\":\"" + std::string(kMaxExtrasBytes, 'a') + "\"}";
  auto chunk = decode(R"({"type":"chunk","id":"j","seq":0,"delta":{},"response":)" + big + "}");
  ASSERT_FALSE(chunk);
  EXPECT_EQ(chunk.error().reason, "field 'response' is longer than 16384 bytes");
  auto done = decode(R"({"type":"done","id":"j","usage":{"details":)" + big + "}}");
  ASSERT_FALSE(done);
  EXPECT_FALSE(decode(R"({"type":"chunk","id":"j","seq":0,"delta":{},"choice":[1]})"));
}

TEST(Frames, ErrorCarriesTheEnginesDetailAndRetryAfter) {
  Error e{"j", ErrorCode::upstream_error, "upstream answered 429", true, 429};
  e.detail = "Rate limit reached";
  e.retry_after_s = 7;
  auto back = round_trip(e);
  EXPECT_EQ(back.detail, "Rate limit reached");
  EXPECT_EQ(back.retry_after_s, 7);
  // A hostile node's detail: control characters or too long, or a Retry-After out of range.
  for (const std::string& field : std::vector<std::string>{R"("detail":"a\u001b[31m")", R"("detail":")" + std::string(kMaxDetailBytes + 1, 'a') + "\"",
                                                           R"("retry_after_s":3601)", R"("retry_after_s":-1)"}) {
    auto bad = decode(R"({"type":"error","id":"j","code":"upstream_error","message":"m",)" + field + "}");
    EXPECT_FALSE(bad) << field;
  }
}

TEST(NodeText, PrintableExcerptCleansAndCaps) {
  EXPECT_EQ(printable_excerpt("ctx \x1b[31mred\x07 \xe2\x80\xae!", 64), "ctx  [31mred   !");
  EXPECT_EQ(printable_excerpt("bad \xff\xfe utf8", 64), "bad  utf8");
  // Cut at a character boundary: "é" is two bytes.
  EXPECT_EQ(printable_excerpt("ab\xc3\xa9", 3), "ab");
  EXPECT_FALSE(printable_text_fault(printable_excerpt(std::string(600, '\n'), kMaxDetailBytes), kMaxDetailBytes));
}
