// CorsPolicy: which origins --cors-origins admits, and the fields it adds.
#include "coordinator/cors_policy.h"

#include <gtest/gtest.h>

namespace potluck::coordinator {
namespace {
namespace http = boost::beast::http;

net::Request request(http::verb method, std::string_view target, std::string_view origin) {
  net::Request r{method, target, 11};
  if (!origin.empty()) r.set(http::field::origin, origin);
  return r;
}

std::string field(const net::HeaderFields& fields, std::string_view name) {
  for (const auto& [n, v] : fields)
    if (n == name) return v;
  return {};
}

TEST(CorsPolicy, ParsesOriginsAndRefusesOtherText) {
  EXPECT_TRUE(CorsPolicy::parse(""));
  EXPECT_TRUE(CorsPolicy::parse("*"));
  EXPECT_TRUE(CorsPolicy::parse("http://localhost:3000, https://app.example"));
  EXPECT_FALSE(CorsPolicy::parse("https://app.example/path"));
  EXPECT_FALSE(CorsPolicy::parse("app.example"));
  EXPECT_FALSE(CorsPolicy::parse("https://app example"));
}

TEST(CorsPolicy, ListedOriginsOnV1Only) {
  const auto policy = *CorsPolicy::parse("https://app.example");
  const auto v1 = policy.response_fields(request(http::verb::post, "/v1/chat/completions", "https://app.example"));
  EXPECT_EQ(field(v1, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(field(v1, "Vary"), "Origin");
  EXPECT_TRUE(policy.response_fields(request(http::verb::post, "/v1/chat/completions", "https://evil.example")).empty());
  EXPECT_TRUE(policy.response_fields(request(http::verb::get, "/api/keys", "https://app.example")).empty());
  EXPECT_TRUE(policy.response_fields(request(http::verb::get, "/v1/models", "")).empty());
}

TEST(CorsPolicy, AnyOriginNeverAllowsCredentials) {
  const auto policy = *CorsPolicy::parse("*");
  const auto fields = policy.response_fields(request(http::verb::get, "/v1/models", "https://x.example"));
  EXPECT_EQ(field(fields, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(field(fields, "Access-Control-Allow-Credentials"), "");
  auto preflight = request(http::verb::options, "/v1/models", "https://x.example");
  EXPECT_TRUE(CorsPolicy::is_preflight(preflight));
  const auto answer = policy.preflight(preflight);
  EXPECT_EQ(answer.result(), http::status::no_content);
  EXPECT_EQ(answer.find(http::field::access_control_allow_credentials), answer.end());
  EXPECT_FALSE(CorsPolicy::is_preflight(request(http::verb::options, "/api/keys", "https://x.example")));
}

TEST(CorsPolicy, RefusesPreflightsFromOtherOriginsAndOddHeaderLists) {
  const auto policy = *CorsPolicy::parse("https://app.example");
  EXPECT_EQ(policy.preflight(request(http::verb::options, "/v1/models", "https://evil.example")).result(),
            http::status::forbidden);
  auto odd = request(http::verb::options, "/v1/models", "https://app.example");
  odd.set(http::field::access_control_request_headers, "authorization;x=\"y\"");
  EXPECT_EQ(policy.preflight(odd).result(), http::status::forbidden);
  EXPECT_EQ(CorsPolicy::parse("")->preflight(request(http::verb::options, "/v1/models", "https://app.example")).result(),
            http::status::forbidden);
}

}  // namespace
}  // namespace potluck::coordinator
