// The coordinator's route table. Each route says who may call it (Access,
// enforced by the router before the handler runs); a comment names any finer
// rule the handler adds. The handlers below only adapt the captures and the
// caller to the handler objects' calls. A string captured from the path is
// named before the co_await (g++ 12, see store_executor.h).
#include "coordinator/route_table.h"
#include "coordinator/router.h"

#include "coordinator/api/invite_endpoints.h"
#include "coordinator/api/models_handler.h"
#include "coordinator/readiness.h"

namespace potluck::coordinator {
namespace {
using Answer = net::awaitable<std::optional<net::Response>>;
using verb = net::http::verb;

// /v1: the OpenAI-compatible API and the node link.
Answer chat(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.completions.handle(ex, c.principal, protocol::JobKind::chat);
}
Answer completion(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.completions.handle(ex, c.principal, protocol::JobKind::completion);
}
Answer responses(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.completions.handle_responses(ex, c.principal);
}
// Nothing is stored (the privacy promise): no response to fetch, list the
// input of, delete or cancel.
Answer stored_response(const Services&, net::Exchange&, RouteCall&) {
  co_return net::make_error_response(ApiError::bad_request(
      "responses are not stored (Potluck stores nothing), so there is none to retrieve, delete or cancel",
      "response_not_stored"));
}
Answer embeddings(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.completions.embeddings(ex, c.principal);
}
Answer submit_job(const Services& s, net::Exchange& ex, RouteCall& c) { co_return co_await s.jobs.submit(ex, c.principal); }
Answer one_job(const Services& s, net::Exchange& ex, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.jobs.one(ex, c.principal, id);
}
Answer exec(const Services& s, net::Exchange& ex, RouteCall& c) { co_return co_await s.exec.handle(ex, c.principal); }
Answer models(const Services& s, net::Exchange&, RouteCall& c) { co_return api::list_models(c.principal, s.registry); }
Answer one_model(const Services& s, net::Exchange&, RouteCall& c) {
  co_return api::retrieve_model(c.principal, s.registry, c.captures["id"]);
}
Answer node_connect(const Services& s, net::Exchange& ex, RouteCall&) { co_return co_await s.hub.connect(ex); }

// Keys, wallet, pricing, tiers, nodes.
Answer list_keys(const Services& s, net::Exchange&, RouteCall& c) { co_return co_await s.keys.list(c.principal); }
Answer create_key(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.keys.create(c.principal, ex.request.body());
}
Answer revoke_key(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.keys.revoke(c.principal, id);
}
Answer wallet(const Services& s, net::Exchange& ex, RouteCall& c) { co_return co_await s.wallet.wallet(ex, c.principal); }
Answer grant(const Services& s, net::Exchange& ex, RouteCall& c) { co_return co_await s.wallet.grant(ex, c.principal); }
Answer create_topup(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.payments.create_topup(ex, c.principal);
}
Answer one_topup(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.payments.topup(c.principal, id);
}
Answer create_payout(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.payments.create_payout(ex, c.principal);
}
Answer one_payout(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.payments.payout(c.principal, id);
}
Answer pricing(const Services& s, net::Exchange&, RouteCall&) { co_return s.pricing.pricing(); }
Answer set_pricing(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.pricing.set_pricing(ex, c.principal);
}
Answer tiers(const Services& s, net::Exchange&, RouteCall&) { co_return s.pricing.tiers(); }
Answer put_tier(const Services& s, net::Exchange& ex, RouteCall& c) {
  const std::string name(c.captures["name"]);
  co_return co_await s.pricing.put_tier(c.principal, name, ex.request.body());
}
Answer delete_tier(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string name(c.captures["name"]);
  co_return co_await s.pricing.delete_tier(c.principal, name);
}
Answer list_nodes(const Services& s, net::Exchange&, RouteCall& c) { co_return co_await s.nodes.list(c.principal); }
Answer node_clear_mismatches(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.nodes.clear_mismatches(c.principal, id);
}
Answer node_trust(const Services& s, net::Exchange& ex, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.pricing.node_trust(ex, c.principal, id);
}

// Audit, usage, overview, the caller's own account, the dashboard's session.
Answer audit(const Services& s, net::Exchange& ex, RouteCall& c) { co_return co_await s.audit.list(ex, c.principal); }
Answer audit_verify(const Services& s, net::Exchange&, RouteCall& c) { co_return co_await s.audit.verify(c.principal); }
Answer usage(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.usage.report(ex, c.principal, api::UsageHandler::Format::json);
}
Answer usage_csv(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.usage.report(ex, c.principal, api::UsageHandler::Format::csv);
}
Answer overview(const Services& s, net::Exchange&, RouteCall& c) { co_return co_await s.overview.handle(c.principal); }
Answer me(const Services& s, net::Exchange&, RouteCall& c) { co_return co_await s.accounts.users.me(c.principal); }
Answer export_me(const Services& s, net::Exchange&, RouteCall& c) { co_return co_await s.me.export_data(c.principal); }
Answer delete_me(const Services& s, net::Exchange&, RouteCall& c) { co_return co_await s.me.delete_account(c.principal); }
Answer sign_in(const Services& s, net::Exchange& ex, RouteCall&) { co_return co_await s.session.sign_in(ex.request); }
Answer current_session(const Services& s, net::Exchange& ex, RouteCall&) { co_return co_await s.session.current(ex.request); }
Answer sign_out(const Services& s, net::Exchange& ex, RouteCall&) { co_return co_await s.session.sign_out(ex.request); }

// Sign-up, users, platform invites.
Answer signup(const Services& s, net::Exchange& ex, RouteCall&) { co_return co_await s.accounts.users.signup(ex); }
Answer list_users(const Services& s, net::Exchange&, RouteCall&) { co_return co_await s.accounts.users.list_users(); }
Answer create_user(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.accounts.users.create_user(c.principal, ex.request.body());
}
// Platform invites belong to no cluster.
Answer list_platform_invites(const Services& s, net::Exchange&, RouteCall&) {
  const std::string platform;
  co_return co_await api::list_invites(s.accounts.executor, platform);
}
Answer create_platform_invite(const Services& s, net::Exchange& ex, RouteCall& c) {
  const std::string platform;
  co_return co_await api::create_invite(s.accounts.executor, c.principal, platform, ex.request.body());
}
Answer revoke_platform_invite(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string platform;
  const std::string id(c.captures["id"]);
  co_return co_await api::revoke_invite(s.accounts.executor, c.principal, platform, id);
}

// A provider's own public-pool node tokens.
Answer list_own_tokens(const Services& s, net::Exchange&, RouteCall& c) {
  const store::NodeTokenScope own{c.principal.user_id, ""};
  co_return co_await s.accounts.node_tokens.list(own);
}
Answer create_own_token(const Services& s, net::Exchange& ex, RouteCall& c) {
  const store::NodeTokenScope own{c.principal.user_id, ""};
  co_return co_await s.accounts.node_tokens.create(c.principal, own, ex.request.body());
}
Answer revoke_own_token(const Services& s, net::Exchange&, RouteCall& c) {
  const store::NodeTokenScope own{c.principal.user_id, ""};
  const std::string id(c.captures["id"]);
  co_return co_await s.accounts.node_tokens.revoke(c.principal, own, id);
}

// Clusters. ClustersHandler answers non-members 404 and members 403 where
// the owner is needed.
Answer list_clusters(const Services& s, net::Exchange&, RouteCall& c) {
  co_return co_await s.accounts.clusters.list(c.principal);
}
Answer create_cluster(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.accounts.clusters.create(c.principal, ex.request.body());
}
Answer join_cluster(const Services& s, net::Exchange& ex, RouteCall& c) {
  co_return co_await s.accounts.clusters.join(c.principal, ex.request.body());
}
Answer show_cluster(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.accounts.clusters.show(c.principal, id);
}
Answer delete_cluster(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.accounts.clusters.delete_cluster(c.principal, id);
}
Answer leave_cluster(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.accounts.clusters.leave(c.principal, id);
}
Answer remove_member(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  const std::string user(c.captures["user"]);
  co_return co_await s.accounts.clusters.remove_member(c.principal, id, user);
}
Answer cluster_invites(const Services& s, net::Exchange& ex, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.accounts.clusters.invites(ex, c.principal, id);
}
Answer revoke_cluster_invite(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  const std::string invite(c.captures["invite"]);
  co_return co_await s.accounts.clusters.revoke_invite(c.principal, id, invite);
}
Answer cluster_tokens(const Services& s, net::Exchange& ex, RouteCall& c) {
  const std::string id(c.captures["id"]);
  co_return co_await s.accounts.clusters.node_tokens(ex, c.principal, id);
}
Answer revoke_cluster_token(const Services& s, net::Exchange&, RouteCall& c) {
  const std::string id(c.captures["id"]);
  const std::string token(c.captures["token"]);
  co_return co_await s.accounts.clusters.revoke_node_token(c.principal, id, token);
}

// Probes: /healthz (alive) is answered by the router itself, for any method.
Answer readyz(const Services& s, net::Exchange&, RouteCall&) {
  co_return readiness_response(s.storage, s.registry.size());
}

using P = net::RoutePattern;
using enum Access;

}  // namespace

std::span<const Route> routes() {
  static const std::vector<Route> table = {
      // Whether this coordinator can serve jobs now (for a load balancer).
      {verb::get, P("/readyz"), anyone, readyz},

      // Consumers' inference and code execution.
      {verb::post, P("/v1/chat/completions"), scope_inference, chat},
      {verb::post, P("/v1/completions"), scope_inference, completion},
      {verb::post, P("/v1/responses"), scope_inference, responses},  // stateless: translated to a chat job
      {verb::get, P("/v1/responses/{id}"), key, stored_response},     // 400: nothing is stored
      {verb::delete_, P("/v1/responses/{id}"), key, stored_response},
      {verb::get, P("/v1/responses/{id}/input_items"), key, stored_response},
      {verb::post, P("/v1/responses/{id}/cancel"), key, stored_response},
      {verb::post, P("/v1/embeddings"), scope_inference, embeddings},
      {verb::post, P("/v1/jobs"), key, submit_job},     // the kind's scope: inference, or exec (JobsHandler)
      {verb::get, P("/v1/jobs/{id}"), key, one_job},     // the submitter's jobs only (404)
      {verb::delete_, P("/v1/jobs/{id}"), key, one_job},  // the submitter's jobs only (404)
      {verb::post, P("/v1/exec"), scope_exec, exec},
      {verb::get, P("/v1/models"), key, models},  // public models and the caller's clusters' models
      {verb::get, P("/v1/models/{id...}"), key, one_model},  // the same models; ids may hold '/' (404)
      {verb::get, P("/v1/nodes/connect"), node_token, node_connect},

      {verb::get, P("/api/keys"), key, list_keys},             // the caller's own keys
      {verb::post, P("/api/keys"), scope_account, create_key},  // only scopes the key holds itself
      {verb::delete_, P("/api/keys/{id}"), scope_account, revoke_key},  // the caller's own keys (404)
      {verb::get, P("/api/wallet"), key, wallet},              // the caller's own wallet
      {verb::post, P("/api/admin/grants"), admin, grant},
      // Lightning (404 payments_disabled with --payments none); the caller's own only (404).
      {verb::post, P("/api/wallet/topups"), scope_account, create_topup},
      {verb::get, P("/api/wallet/topups/{id}"), key, one_topup},
      {verb::post, P("/api/wallet/payouts"), scope_account, create_payout},
      {verb::get, P("/api/wallet/payouts/{id}"), key, one_payout},
      {verb::get, P("/api/pricing"), key, pricing},
      {verb::put, P("/api/pricing"), admin, set_pricing},
      {verb::get, P("/api/tiers"), key, tiers},
      {verb::put, P("/api/tiers/{name}"), admin, put_tier},
      {verb::delete_, P("/api/tiers/{name}"), admin, delete_tier},
      {verb::get, P("/api/nodes"), key, list_nodes},  // own and own clusters' nodes; an admin all
      {verb::put, P("/api/nodes/{id}/trust"), admin, node_trust},
      {verb::post, P("/api/nodes/{id}/clear-mismatches"), admin, node_clear_mismatches},

      {verb::get, P("/api/audit"), key, audit},                // admin: all; a cluster's owner: ?cluster=ID
      {verb::get, P("/api/audit/verify"), key, audit_verify},  // AuditHandler: admins only
      {verb::get, P("/api/usage"), key, usage},                // own usage; an admin anyone's
      {verb::get, P("/api/usage.csv"), key, usage_csv},        // own usage; an admin anyone's
      {verb::get, P("/api/overview"), key, overview},          // own usage; an admin everyone's
      {verb::get, P("/api/me"), key, me},
      {verb::delete_, P("/api/me"), scope_account, delete_me},
      {verb::get, P("/api/me/export"), scope_account, export_me},
      {verb::post, P("/api/session"), anyone, sign_in},  // the key in the body is the credential
      {verb::get, P("/api/session"), session, current_session},
      {verb::delete_, P("/api/session"), session, sign_out},

      {verb::post, P("/api/signup"), anyone, signup},  // the invite code in the body is the credential
      {verb::get, P("/api/users"), admin, list_users},
      {verb::post, P("/api/users"), admin, create_user},
      {verb::get, P("/api/invites"), admin, list_platform_invites},
      {verb::post, P("/api/invites"), admin, create_platform_invite},
      {verb::delete_, P("/api/invites/{id}"), admin, revoke_platform_invite},
      {verb::get, P("/api/node-tokens"), key, list_own_tokens},  // the caller's own tokens
      {verb::post, P("/api/node-tokens"), scope_account, create_own_token},
      {verb::delete_, P("/api/node-tokens/{id}"), scope_account, revoke_own_token},  // own tokens only (404)

      // Clusters: a non-member gets 404 for any {id}, as for an unknown one;
      // "owner" routes answer a member 403 (ClustersHandler checks both).
      {verb::get, P("/api/clusters"), key, list_clusters},
      {verb::post, P("/api/clusters"), key, create_cluster},
      {verb::post, P("/api/clusters/join"), key, join_cluster},  // before {id}: a literal wins
      {verb::get, P("/api/clusters/{id}"), key, show_cluster},                 // members
      {verb::delete_, P("/api/clusters/{id}"), key, delete_cluster},           // owner
      {verb::post, P("/api/clusters/{id}/leave"), key, leave_cluster},         // members; the owner 409
      {verb::delete_, P("/api/clusters/{id}/members/{user}"), key, remove_member},  // owner
      {verb::get, P("/api/clusters/{id}/invites"), key, cluster_invites},           // owner
      {verb::post, P("/api/clusters/{id}/invites"), key, cluster_invites},          // owner
      {verb::delete_, P("/api/clusters/{id}/invites/{invite}"), key, revoke_cluster_invite},  // owner
      {verb::get, P("/api/clusters/{id}/node-tokens"), key, cluster_tokens},                  // owner
      {verb::post, P("/api/clusters/{id}/node-tokens"), scope_account, cluster_tokens},       // owner
      {verb::delete_, P("/api/clusters/{id}/node-tokens/{token}"), scope_account, revoke_cluster_token},  // owner
  };
  return table;
}

}  // namespace potluck::coordinator
