#include "coordinator/api/keys_handler.h"

#include "common/log.h"
#include "coordinator/accounts.h"
#include "coordinator/api/access.h"
#include "coordinator/api/account_json.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_body.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

json::object key_json(const store::ApiKey& key) {
  return {{"id", key.id},
          {"name", key.name},
          {"scopes", key.scopes},
          {"cluster", optional_text(key.cluster_id)},
          {"created_at", key.created_at / 1000},
          {"last_used_at", optional_time(key.last_used_at)},
          {"revoked_at", optional_time(key.revoked_at)}};
}

}  // namespace

net::awaitable<net::Response> KeysHandler::create(const Principal& caller, const std::string& body) {
  auto obj = read_object(body);
  if (!obj) co_return net::make_error_response(obj.error());
  auto name = read_text(*obj, "name", {}, "unnamed");
  if (!name) co_return net::make_error_response(name.error());
  auto cluster = read_text(*obj, "cluster", {});
  if (!cluster) co_return net::make_error_response(cluster.error());
  std::string scopes_text;
  if (auto* s = obj->if_contains("scopes")) {
    if (s->is_string()) scopes_text = s->get_string();
    else if (s->is_array())
      for (const auto& item : s->get_array())
        if (item.is_string()) scopes_text += std::string(item.get_string()) + " ";
  }
  auto scopes = normalise_scopes(scopes_text.empty() ? caller.scopes : scopes_text);
  if (!scopes) co_return net::make_error_response(ApiError::bad_request(scopes.error(), "invalid_scopes"));
  for (store::Scope scope : store::all_scopes())
    if (store::list_has_scope(*scopes, scope) && !caller.has_scope(scope))
      co_return net::make_error_response(ApiError::forbidden("a key cannot grant the '" +
                                                             std::string(to_string(scope)) +
                                                             "' scope it does not hold"));

  // A key bound to a cluster: only a member may bind one (404 to others, as
  // every cluster endpoint answers outsiders).
  if (!cluster->empty()) {
    auto membership = co_await member_of(store_, *cluster, caller);
    if (!membership) co_return std::move(membership.error());
  }
  auto issue = [&caller, &name, &scopes, &cluster](store::Store& s) {
    return issue_api_key(s, caller.user_id, *name, *scopes, *cluster);
  };
  auto issued = co_await store_.call(issue);
  if (!issued) co_return store_error_response(issued.error(), "API key");
  spdlog::info("user {} created api key {}", caller.user_id, issued->id);
  json::object out{{"id", issued->id}, {"key", issued->secret}, {"name", *name}, {"scopes", *scopes},
                   {"cluster", optional_text(*cluster)}};
  co_return net::make_response(http::status::created, json::serialize(out));
}

net::awaitable<net::Response> KeysHandler::list(const Principal& caller) {
  auto list_keys = [&caller](store::Store& s) { return s.list_api_keys(caller.user_id); };
  auto keys = co_await store_.call(list_keys);
  if (!keys) co_return store_error_response(keys.error(), "API key");
  json::array data;
  for (const auto& key : *keys) data.push_back(key_json(key));
  co_return net::make_response(http::status::ok,
                               json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}}));
}

net::awaitable<net::Response> KeysHandler::revoke(const Principal& caller, const std::string& key_id) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto revoke_key = [&caller, &key_id, now](store::Store& s) {
    return s.revoke_api_key(caller.user_id, key_id, now);
  };
  auto key = co_await store_.call(revoke_key);
  if (!key) co_return store_error_response(key.error(), "API key");
  auth_.invalidate(key_id);
  spdlog::info("user {} revoked api key {}", caller.user_id, key_id);
  co_return net::make_response(http::status::ok, json::serialize(key_json(*key)));
}

}  // namespace potluck::coordinator::api
