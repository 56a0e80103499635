#include "coordinator/api/node_tokens_handler.h"

#include "common/clock.h"
#include "common/log.h"
#include "coordinator/accounts.h"
#include "coordinator/api/account_json.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_body.h"

namespace potluck::coordinator::api {
namespace http = boost::beast::http;

net::awaitable<net::Response> NodeTokensHandler::create(const Principal& caller,
                                                        const store::NodeTokenScope& scope,
                                                        const std::string& body) {
  auto object = read_object(body);
  if (!object) co_return net::make_error_response(object.error());
  auto name = read_text(*object, "name", {}, "node");
  if (!name) co_return net::make_error_response(name.error());
  auto issue = [&caller, &name, &scope](store::Store& s) {
    return issue_node_token(s, caller.user_id, *name, scope.cluster_id);
  };
  auto issued = co_await store_.call(issue);
  if (!issued) co_return store_error_response(issued.error(), "cluster");
  spdlog::info("user {} created node token {} (cluster {})", caller.user_id, issued->id,
               scope.cluster_id.empty() ? "-" : scope.cluster_id);
  co_return json_response(http::status::created, {{"id", issued->id},
                                                  {"token", issued->secret},
                                                  {"name", *name},
                                                  {"cluster", optional_text(scope.cluster_id)}});
}

net::awaitable<net::Response> NodeTokensHandler::list(const store::NodeTokenScope& scope) {
  auto list_tokens = [&scope](store::Store& s) { return s.list_node_tokens(scope); };
  auto tokens = co_await store_.call(list_tokens);
  if (!tokens) co_return store_error_response(tokens.error(), "node token");
  co_return net::make_response(http::status::ok, list_json(*tokens, node_token_json));
}

net::awaitable<net::Response> NodeTokensHandler::revoke(const Principal& caller,
                                                        const store::NodeTokenScope& scope,
                                                        const std::string& token_id) {
  const auto now = unix_now_ms();
  auto revoke_token = [&caller, &scope, &token_id, now](store::Store& s) {
    return s.revoke_node_token(caller.user_id, scope, token_id, now);
  };
  auto token = co_await store_.call(revoke_token);
  if (!token) co_return store_error_response(token.error(), "node token");
  const auto disconnected = hub_.disconnect_token(token_id);
  spdlog::info("user {} revoked node token {}; {} nodes disconnected", caller.user_id, token_id, disconnected);
  co_return json_response(http::status::ok, node_token_json(*token));
}

}  // namespace potluck::coordinator::api
