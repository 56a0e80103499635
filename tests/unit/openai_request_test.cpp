// The output bounds of a completion request (issue 14, "Money"): the engine
// may not write more than was held, so every field that bounds or multiplies
// an answer is checked against the cap, and the body the node gets says the
// held bound in every such field.
#include "coordinator/api/openai_request.h"
#include "coordinator/pricing.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace potluck::coordinator::api {
namespace {

namespace json = boost::json;
constexpr std::int64_t kCap = 1000;

CompletionRequest parse_ok(const std::string& body) {
  auto parsed = parse_completion_request(body, protocol::JobKind::chat, kCap);
  EXPECT_TRUE(parsed) << body << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : CompletionRequest{};
}

ApiError parse_refused(const std::string& body) {
  auto parsed = parse_completion_request(body, protocol::JobKind::chat, kCap);
  EXPECT_FALSE(parsed) << body;
  return parsed ? ApiError{} : parsed.error();
}

std::string chat(const std::string& extra) {
  return R"({"model":"m","messages":[{"role":"user","content":"hi"}])" + extra + "}";
}

json::object sent(const CompletionRequest& request, const std::string& body) {
  return json::parse(request.payload(body)).as_object();
}

TEST(OutputBounds, ABodyIsAlwaysSentWithItsBoundWrittenOnce) {
  const auto request = parse_ok(chat(R"(,"max_tokens":16)"));
  EXPECT_EQ(request.max_tokens, 16);
  EXPECT_EQ(request.choices, 1);
  EXPECT_EQ(request.held_output_tokens(), 16);
  // A key given twice: whichever one an engine would read, it reads the held bound.
  const std::string twice = chat(R"(,"max_tokens":16,"max_tokens":900)");
  const auto doubled = parse_ok(twice);
  const std::string sent_text(doubled.payload(twice));
  const auto first = sent_text.find("\"max_tokens\"");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(sent_text.find("\"max_tokens\"", first + 1), std::string::npos) << sent_text;
  EXPECT_EQ(sent(doubled, twice).at("max_tokens").as_int64(), doubled.max_tokens);
}

TEST(OutputBounds, WithoutABoundTheCapIsHeldAndSent) {
  const std::string body = chat("");
  const auto request = parse_ok(body);
  EXPECT_EQ(request.max_tokens, kCap);
  EXPECT_EQ(sent(request, body).at("max_tokens").as_int64(), kCap);
  // Everything else is relayed untouched.
  EXPECT_EQ(sent(request, body).at("messages").as_array().size(), 1u);
}

TEST(OutputBounds, TheSmallestBoundWinsAndEveryBoundSaysIt) {
  const std::string body =
      chat(R"(,"max_tokens":500,"max_completion_tokens":300,"n_predict":900,"options":{"num_predict":700})");
  const auto request = parse_ok(body);
  EXPECT_EQ(request.max_tokens, 300);
  const auto out = sent(request, body);
  EXPECT_EQ(out.at("max_tokens").as_int64(), 300);
  EXPECT_EQ(out.at("max_completion_tokens").as_int64(), 300);
  EXPECT_EQ(out.at("n_predict").as_int64(), 300);
  EXPECT_EQ(out.at("options").at("num_predict").as_int64(), 300);
}

TEST(OutputBounds, AnEngineOnlyBoundIsHeldAndForwardedAsMaxTokens) {
  const std::string body = chat(R"(,"num_predict":40)");
  const auto request = parse_ok(body);
  EXPECT_EQ(request.max_tokens, 40);
  EXPECT_EQ(sent(request, body).at("max_tokens").as_int64(), 40);
  EXPECT_EQ(sent(request, body).at("num_predict").as_int64(), 40);
}

TEST(OutputBounds, ZeroReadsAsNotGiven) {
  const std::string body = chat(R"(,"max_tokens":0)");
  const auto request = parse_ok(body);
  EXPECT_EQ(request.max_tokens, kCap);
  EXPECT_EQ(sent(request, body).at("max_tokens").as_int64(), kCap);
}

TEST(OutputBounds, SeveralAnswersAreHeldForEach) {
  const std::string body = chat(R"(,"max_tokens":10,"n":3,"best_of":4)");
  const auto request = parse_ok(body);
  EXPECT_EQ(request.choices, 4);
  EXPECT_EQ(request.held_output_tokens(), 40);
}

TEST(OutputBounds, BoundsAboveTheCapAreRefused) {
  for (const std::string extra : {R"(,"max_tokens":1001)", R"(,"max_completion_tokens":1001)",
                                  R"(,"n_predict":5000)", R"(,"num_predict":1001)",
                                  R"(,"options":{"num_predict":1001})"}) {
    const ApiError e = parse_refused(chat(extra));
    EXPECT_EQ(e.status, 400) << extra;
    EXPECT_EQ(e.code, "max_tokens_too_large") << extra;
  }
}

TEST(OutputBounds, UnboundedNegativeAndMalformedBoundsAreRefused) {
  // llama.cpp reads n_predict -1 as "no limit"; Ollama num_predict -1 too.
  for (const std::string extra : {R"(,"n_predict":-1)", R"(,"num_predict":-2)", R"(,"max_tokens":-5)",
                                  R"(,"max_tokens":"10")", R"(,"max_tokens":1.5)",
                                  R"(,"max_tokens":18446744073709551615)"}) {
    const ApiError e = parse_refused(chat(extra));
    EXPECT_EQ(e.status, 400) << extra;
    EXPECT_EQ(e.type, "invalid_request_error") << extra;
  }
}

TEST(OutputBounds, TooManyAnswersAreRefused) {
  EXPECT_EQ(parse_refused(chat(R"(,"n":9)")).code, "too_many_choices");
  EXPECT_EQ(parse_refused(chat(R"(,"best_of":100)")).code, "too_many_choices");
  EXPECT_EQ(parse_refused(chat(R"(,"n":0)")).status, 400);
  EXPECT_EQ(parse_refused(chat(R"(,"n":-1)")).status, 400);
}

TEST(Pricing, TheHighestAllowedPriceIsTheTiersBandWithinTheBounds) {
  PricingPolicy policy{100, 1000, 5};
  EXPECT_EQ(policy.highest_allowed(std::nullopt), (protocol::Price{1000, 1000}));
  store::Tier tier{"fast", {}, store::Trust::community, 500, 5000};
  EXPECT_EQ(policy.highest_allowed(tier), (protocol::Price{500, 1000}));
}

}  // namespace
}  // namespace potluck::coordinator::api
