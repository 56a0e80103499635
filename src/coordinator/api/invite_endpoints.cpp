#include "coordinator/api/invite_endpoints.h"

#include "common/clock.h"
#include "common/log.h"
#include "coordinator/accounts.h"
#include "coordinator/api/account_json.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_body.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

constexpr std::int64_t kMaxInviteUses = 10'000;
constexpr std::int64_t kMaxInviteLifetimeS = 365LL * 24 * 3600;

std::expected<InviteTerms, ApiError> read_terms(const std::string& body, const std::string& cluster_id) {
  auto object = read_object(body);
  if (!object) return std::unexpected(object.error());
  InviteTerms terms;
  terms.cluster_id = cluster_id;
  auto uses = read_integer(*object, "max_uses", {1, kMaxInviteUses, terms.max_uses});
  if (!uses) return std::unexpected(uses.error());
  auto lifetime = read_integer(*object, "expires_in_s", {1, kMaxInviteLifetimeS, terms.expires_in_s});
  if (!lifetime) return std::unexpected(lifetime.error());
  terms.max_uses = *uses;
  terms.expires_in_s = *lifetime;
  return terms;
}

}  // namespace

net::awaitable<net::Response> create_invite(StoreExecutor& store, const Principal& caller,
                                            const std::string& cluster_id, const std::string& body) {
  auto terms = read_terms(body, cluster_id);
  if (!terms) co_return net::make_error_response(terms.error());
  auto issue = [&caller, &terms](store::Store& s) { return issue_invite(s, caller.user_id, *terms); };
  auto issued = co_await store.call(issue);
  if (!issued) co_return store_error_response(issued.error(), "cluster");
  spdlog::info("user {} created invite {} (cluster {}, {} uses)", caller.user_id, issued->id,
               cluster_id.empty() ? "-" : cluster_id, terms->max_uses);
  const auto expires_at = unix_now_ms() / 1000 + terms->expires_in_s;
  co_return json_response(http::status::created,
                          {{"id", issued->id}, {"code", issued->secret}, {"cluster", optional_text(cluster_id)},
                           {"max_uses", terms->max_uses}, {"expires_at", expires_at}});
}

net::awaitable<net::Response> list_invites(StoreExecutor& store, const std::string& cluster_id) {
  auto list = [&cluster_id](store::Store& s) { return s.clusters().list_invites(cluster_id); };
  auto invites = co_await store.call(list);
  if (!invites) co_return store_error_response(invites.error(), "cluster");
  const auto now = unix_now_ms();
  co_return net::make_response(
      http::status::ok, list_json(*invites, [now](const store::Invite& i) { return invite_json(i, now); }));
}

net::awaitable<net::Response> revoke_invite(StoreExecutor& store, const Principal& caller,
                                            const std::string& cluster_id, const std::string& invite_id) {
  const auto now = unix_now_ms();
  auto revoke = [&caller, &cluster_id, &invite_id, now](store::Store& s) {
    return s.clusters().revoke_invite(caller.user_id, cluster_id, invite_id, now);
  };
  auto invite = co_await store.call(revoke);
  if (!invite) co_return store_error_response(invite.error(), "invite");
  spdlog::info("user {} revoked invite {}", caller.user_id, invite_id);
  co_return json_response(http::status::ok, invite_json(*invite, now));
}

}  // namespace potluck::coordinator::api
