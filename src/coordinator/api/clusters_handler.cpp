#include "coordinator/api/clusters_handler.h"

#include "common/clock.h"
#include "common/log.h"
#include "coordinator/api/access.h"
#include "coordinator/api/account_json.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/invite_endpoints.h"
#include "coordinator/api/request_body.h"
#include "crypto/secret_token.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

constexpr std::size_t kMaxClusterName = 64;

// Names show up in listings and CLI tables: letters, digits, space and . _ -
bool name_character(unsigned char c) { return std::isalnum(c) || c == ' ' || c == '.' || c == '_' || c == '-'; }

std::expected<std::string, ApiError> read_cluster_name(const json::object& body) {
  return read_text(body, "name", {true, kMaxClusterName, name_character, "letters, digits, spaces and . _ -"});
}

struct ClusterView {
  store::Cluster cluster;
  std::vector<store::Member> members;
};

store::Result<ClusterView> read_cluster(store::Store& s, const std::string& cluster_id) {
  auto cluster = s.clusters().find_cluster(cluster_id);
  if (!cluster) return std::unexpected(cluster.error());
  auto members = s.clusters().members(cluster_id);
  if (!members) return std::unexpected(members.error());
  return ClusterView{std::move(*cluster), std::move(*members)};
}

}  // namespace

net::awaitable<net::Response> ClustersHandler::create(const Principal& caller, const std::string& body_text) {
  auto body = read_object(body_text);
  if (!body) co_return net::make_error_response(body.error());
  auto name = read_cluster_name(*body);
  if (!name) co_return net::make_error_response(name.error());
  auto create_cluster = [&caller, &name](store::Store& s) { return s.clusters().create_cluster(caller.user_id, *name); };
  auto cluster = co_await store_.call(create_cluster);
  if (!cluster) co_return store_error_response(cluster.error(), "cluster");
  auth_.invalidate_user(caller.user_id);
  spdlog::info("user {} created cluster {}", caller.user_id, cluster->id);
  auto out = cluster_json(*cluster);
  out["role"] = to_string(store::ClusterRole::owner);
  co_return json_response(http::status::created, out);
}

net::awaitable<net::Response> ClustersHandler::list(const Principal& caller) {
  auto memberships = [&caller](store::Store& s) { return s.clusters().memberships(caller.user_id); };
  auto clusters = co_await store_.call(memberships);
  if (!clusters) co_return store_error_response(clusters.error(), "cluster");
  co_return net::make_response(http::status::ok, list_json(*clusters, membership_json));
}

net::awaitable<net::Response> ClustersHandler::join(const Principal& caller, const std::string& body_text) {
  auto body = read_object(body_text);
  if (!body) co_return net::make_error_response(body.error());
  auto code = read_text(*body, "code", {true, 200});
  if (!code) co_return net::make_error_response(code.error());
  auto parsed = crypto::parse_token(*code, crypto::kInviteCodePrefix);
  if (!parsed)
    co_return net::make_error_response(ApiError::bad_request("'code' is not an invite code (pli_...)", "invalid_invite"));
  const store::InviteClaim claim{std::string(parsed->id), *code, unix_now_ms()};
  auto join_cluster = [&caller, &claim](store::Store& s) { return s.clusters().join(caller.user_id, claim); };
  auto joined = co_await store_.call(join_cluster);
  // A sign-up invite used here is a mistake of the request: 400.
  if (!joined) co_return store_error_response(joined.error(), "invite code", 400);
  auth_.invalidate_user(caller.user_id);
  spdlog::info("user {} joined cluster {} with invite {}", caller.user_id, joined->cluster_id, claim.invite_id);
  co_return json_response(http::status::ok, membership_json(*joined));
}

net::awaitable<std::expected<store::Membership, net::Response>> ClustersHandler::admit(
    const Principal& caller, const std::string& cluster_id, bool owner_only) {
  auto membership = co_await member_of(store_, cluster_id, caller);
  if (!membership) co_return std::move(membership);
  if (owner_only) {
    if (auto owner = require_owner(*membership); !owner)
      co_return std::unexpected(net::make_error_response(owner.error()));
  }
  co_return membership;
}

net::awaitable<net::Response> ClustersHandler::show(const Principal& caller, const std::string& cluster_id) {
  auto membership = co_await admit(caller, cluster_id, false);
  if (!membership) co_return std::move(membership.error());
  const store::Membership& member = *membership;
  auto read = [&member](store::Store& s) { return read_cluster(s, member.cluster_id); };
  auto view = co_await store_.call(read);
  if (!view) co_return store_error_response(view.error(), "cluster");
  auto out = cluster_json(view->cluster);
  out["role"] = to_string(member.role);
  json::array members;
  for (const auto& m : view->members) members.push_back(member_json(m));
  out["members"] = std::move(members);
  co_return json_response(http::status::ok, out);
}

net::awaitable<net::Response> ClustersHandler::delete_cluster(const Principal& caller,
                                                              const std::string& cluster_id) {
  auto membership = co_await admit(caller, cluster_id, true);
  if (!membership) co_return std::move(membership.error());
  const std::int64_t now = unix_now_ms();
  auto erase = [&caller, &cluster_id, now](store::Store& s) {
    return s.clusters().delete_cluster(caller.user_id, cluster_id, now);
  };
  auto deleted = co_await store_.call(erase);
  if (!deleted) co_return store_error_response(deleted.error(), "cluster", 403);
  // Cached keys still list the membership, and connected nodes still serve it.
  for (const auto& user_id : deleted->former_members) auth_.invalidate_user(user_id);
  std::size_t disconnected = 0;
  for (const auto& token_id : deleted->node_token_ids) disconnected += hub_.disconnect_token(token_id);
  spdlog::info("user {} deleted cluster {}: {} members removed, {} nodes disconnected", caller.user_id,
               cluster_id, deleted->former_members.size(), disconnected);
  co_return json_response(http::status::ok,
                          {{"id", cluster_id},
                           {"deleted", true},
                           {"members_removed", deleted->former_members.size()},
                           {"node_tokens_revoked", deleted->node_token_ids.size()},
                           {"nodes_disconnected", disconnected},
                           {"invites_revoked", deleted->invites_revoked},
                           {"node_records_deleted", deleted->node_records_deleted},
                           {"usage_events_anonymised", deleted->usage_events_anonymised}});
}

net::awaitable<net::Response> ClustersHandler::leave(const Principal& caller, const std::string& cluster_id) {
  auto membership = co_await admit(caller, cluster_id, false);
  if (!membership) co_return std::move(membership.error());
  auto leave_cluster = [&caller, &cluster_id](store::Store& s) { return s.clusters().leave(cluster_id, caller.user_id); };
  auto left = co_await store_.call(leave_cluster);
  if (!left) co_return store_error_response(left.error(), "cluster");
  auth_.invalidate_user(caller.user_id);
  spdlog::info("user {} left cluster {}", caller.user_id, cluster_id);
  co_return json_response(http::status::ok, {{"id", cluster_id}, {"left", true}});
}

net::awaitable<net::Response> ClustersHandler::remove_member(const Principal& caller, const std::string& cluster_id,
                                                             const std::string& user_id) {
  auto membership = co_await admit(caller, cluster_id, true);
  if (!membership) co_return std::move(membership.error());
  auto remove = [&caller, &cluster_id, &user_id](store::Store& s) {
    return s.clusters().remove_member(caller.user_id, cluster_id, user_id);
  };
  auto removed = co_await store_.call(remove);
  if (!removed) co_return store_error_response(removed.error(), "member");
  auth_.invalidate_user(user_id);
  spdlog::info("user {} removed user {} from cluster {}", caller.user_id, user_id, cluster_id);
  co_return json_response(http::status::ok, {{"id", cluster_id}, {"removed", user_id}});
}

net::awaitable<net::Response> ClustersHandler::invites(net::Exchange& exchange, const Principal& caller,
                                                       const std::string& cluster_id) {
  auto membership = co_await admit(caller, cluster_id, true);
  if (!membership) co_return std::move(membership.error());
  if (exchange.request.method() == http::verb::post)
    co_return co_await create_invite(store_, caller, cluster_id, exchange.request.body());
  co_return co_await list_invites(store_, cluster_id);
}

net::awaitable<net::Response> ClustersHandler::revoke_invite(const Principal& caller, const std::string& cluster_id,
                                                             const std::string& invite_id) {
  auto membership = co_await admit(caller, cluster_id, true);
  if (!membership) co_return std::move(membership.error());
  co_return co_await api::revoke_invite(store_, caller, cluster_id, invite_id);
}

net::awaitable<net::Response> ClustersHandler::node_tokens(net::Exchange& exchange, const Principal& caller,
                                                           const std::string& cluster_id) {
  auto membership = co_await admit(caller, cluster_id, true);
  if (!membership) co_return std::move(membership.error());
  const store::NodeTokenScope scope{caller.user_id, cluster_id};
  if (exchange.request.method() == http::verb::post)
    co_return co_await node_tokens_.create(caller, scope, exchange.request.body());
  co_return co_await node_tokens_.list(scope);
}

net::awaitable<net::Response> ClustersHandler::revoke_node_token(const Principal& caller,
                                                                 const std::string& cluster_id,
                                                                 const std::string& token_id) {
  auto membership = co_await admit(caller, cluster_id, true);
  if (!membership) co_return std::move(membership.error());
  const store::NodeTokenScope scope{caller.user_id, cluster_id};
  co_return co_await node_tokens_.revoke(caller, scope, token_id);
}

}  // namespace potluck::coordinator::api
