// The route matcher (net/route_pattern.h) and the coordinator's route table
// lookup (coordinator/route_table.h): captures, 404, 405 with Allow, and the
// declared access of the routes that guard money and accounts.
#include "coordinator/route_table.h"
#include "net/route_pattern.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace potluck {
namespace {
using coordinator::Access;
using coordinator::find_route;
using coordinator::routes;
using net::Captures;
using net::RoutePattern;
using verb = net::http::verb;

TEST(RoutePattern, MatchesLiteralPathsExactly) {
  const RoutePattern pattern("/api/keys");
  Captures captures;
  EXPECT_TRUE(pattern.match("/api/keys", captures));
  EXPECT_EQ(captures.size(), 0u);
  EXPECT_FALSE(pattern.match("/api/key", captures));
  EXPECT_FALSE(pattern.match("/api/keysx", captures));
  EXPECT_FALSE(pattern.match("/api/keys/x", captures));
  EXPECT_FALSE(pattern.match("/api", captures));
  EXPECT_FALSE(pattern.match("", captures));
  EXPECT_FALSE(pattern.match("api/keys", captures));
}

TEST(RoutePattern, CapturesNamedSegments) {
  const RoutePattern pattern("/api/clusters/{id}/members/{user}");
  Captures captures;
  ASSERT_TRUE(pattern.match("/api/clusters/cl_1/members/u_2", captures));
  EXPECT_EQ(captures.size(), 2u);
  EXPECT_EQ(captures["id"], "cl_1");
  EXPECT_EQ(captures["user"], "u_2");
  EXPECT_EQ(captures["other"], "");
}

TEST(RoutePattern, CaptureIsOneNonEmptySegment) {
  const RoutePattern pattern("/api/nodes/{id}/trust");
  Captures captures;
  EXPECT_FALSE(pattern.match("/api/nodes//trust", captures));
  EXPECT_FALSE(pattern.match("/api/nodes/a/b/trust", captures));
  EXPECT_FALSE(pattern.match("/api/nodes/trust", captures));
  EXPECT_TRUE(pattern.match("/api/nodes/n1/trust", captures));
  EXPECT_EQ(captures["id"], "n1");
}

TEST(RoutePattern, TrailingSlashIsAnotherPath) {
  Captures captures;
  EXPECT_FALSE(RoutePattern("/api/keys").match("/api/keys/", captures));
  EXPECT_FALSE(RoutePattern("/v1/jobs/{id}").match("/v1/jobs/j1/", captures));
  EXPECT_FALSE(RoutePattern("/v1/jobs/{id}").match("/v1/jobs/", captures));
}

TEST(RoutePattern, LeavesPercentEncodingAsItCame) {
  const RoutePattern pattern("/v1/jobs/{id}");
  Captures captures;
  ASSERT_TRUE(pattern.match("/v1/jobs/a%2Fb", captures));
  EXPECT_EQ(captures["id"], "a%2Fb");
  EXPECT_FALSE(RoutePattern("/api/keys").match("/api/%6Beys", captures));
}

TEST(RoutePattern, RefusesOverlyLongPaths) {
  const RoutePattern pattern("/v1/jobs/{id}");
  Captures captures;
  const std::string at_limit = "/v1/jobs/" + std::string(net::kMaxRoutePathLength - 9, 'a');
  EXPECT_TRUE(pattern.match(at_limit, captures));
  EXPECT_FALSE(pattern.match(at_limit + "a", captures));
  EXPECT_EQ(captures.size(), 0u);
}

TEST(RoutePattern, RejectsMalformedPatterns) {
  EXPECT_THROW(RoutePattern("api/keys"), std::logic_error);
  EXPECT_THROW(RoutePattern("/api/{}"), std::logic_error);
  EXPECT_THROW(RoutePattern("/api/{id"), std::logic_error);
  EXPECT_THROW(RoutePattern("/api/x{id}"), std::logic_error);
  EXPECT_THROW(RoutePattern("/{a}/{b}/{c}/{d}/{e}"), std::logic_error);
}

TEST(RouteTable, FindsTheRouteForMethodAndPath) {
  Captures captures;
  const auto found = find_route(routes(), verb::delete_, "/api/keys/k_1", captures);
  ASSERT_NE(found.route, nullptr);
  EXPECT_EQ(found.route->access, Access::scope_account);
  EXPECT_EQ(captures["id"], "k_1");
}

TEST(RouteTable, UnknownPathIsNotKnown) {
  Captures captures;
  for (const char* path : {"/api/nope", "/v1/jobs/a/b", "/api/keys/", "/api/clusters/c/unknown", "/v1"}) {
    const auto found = find_route(routes(), verb::get, path, captures);
    EXPECT_EQ(found.route, nullptr) << path;
    EXPECT_FALSE(found.path_known) << path;
  }
}

TEST(RouteTable, KnownPathWithAnotherMethodListsTheAllowedOnes) {
  Captures captures;
  const auto found = find_route(routes(), verb::patch, "/api/keys", captures);
  EXPECT_EQ(found.route, nullptr);
  EXPECT_TRUE(found.path_known);
  EXPECT_EQ(coordinator::allowed_methods(routes(), "/api/keys"), "GET, POST");
  EXPECT_EQ(coordinator::allowed_methods(routes(), "/v1/jobs/j1"), "GET, DELETE");
  EXPECT_EQ(coordinator::allowed_methods(routes(), "/api/nope"), "");
}

TEST(RouteTable, LiteralSegmentWinsOverCapture) {
  Captures captures;
  const auto join = find_route(routes(), verb::post, "/api/clusters/join", captures);
  ASSERT_NE(join.route, nullptr);
  EXPECT_EQ(join.route->pattern.text(), "/api/clusters/join");
  // GET on the literal path is a 405, not the cluster called "join".
  const auto get = find_route(routes(), verb::get, "/api/clusters/join", captures);
  EXPECT_EQ(get.route, nullptr);
  EXPECT_TRUE(get.path_known);
}

TEST(RouteTable, DeclaresWhoMayCall) {
  Captures captures;
  auto access = [&captures](verb method, std::string_view path) {
    const auto found = find_route(routes(), method, path, captures);
    return found.route ? to_string(found.route->access) : std::string_view("none");
  };
  EXPECT_EQ(access(verb::post, "/v1/chat/completions"), "scope_inference");
  EXPECT_EQ(access(verb::post, "/v1/exec"), "scope_exec");
  EXPECT_EQ(access(verb::get, "/v1/nodes/connect"), "node_token");
  EXPECT_EQ(access(verb::post, "/api/admin/grants"), "admin");
  EXPECT_EQ(access(verb::get, "/api/pricing"), "key");
  EXPECT_EQ(access(verb::put, "/api/pricing"), "admin");
  EXPECT_EQ(access(verb::put, "/api/nodes/n1/trust"), "admin");
  EXPECT_EQ(access(verb::post, "/api/signup"), "anyone");
  EXPECT_EQ(access(verb::get, "/api/session"), "session");
}

TEST(RouteTable, EveryPatternIsDeclaredOncePerMethod) {
  const auto table = routes();
  for (std::size_t i = 0; i < table.size(); ++i)
    for (std::size_t j = i + 1; j < table.size(); ++j)
      EXPECT_FALSE(table[i].method == table[j].method && table[i].pattern.text() == table[j].pattern.text())
          << table[i].pattern.text();
}

}  // namespace
}  // namespace potluck
