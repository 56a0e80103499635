#include "coordinator/router.h"

#include "coordinator/api/models_handler.h"

namespace potluck::coordinator {
namespace http = boost::beast::http;
namespace {

net::Response not_found(std::string_view path) {
  return net::make_error_response(ApiError::not_found(
      "no route for '" + std::string(path.substr(0, 200)) + "'", "unknown_url"));
}

net::Response method_not_allowed() {
  return net::make_error_response(
      {405, "invalid_request_error", "method_not_allowed", "method not allowed on this path"});
}

// Everything under these belongs to the API; the rest of the GET paths are
// the dashboard's.
bool is_api_path(std::string_view path) {
  return path.starts_with("/v1/") || path.starts_with("/api/") || path == "/v1" || path == "/api";
}

}  // namespace

net::Handler make_router(Services s) {
  return [s](net::Exchange& ex) -> net::awaitable<std::optional<net::Response>> {
    std::string_view target = ex.request.target();
    std::string_view path = target.substr(0, target.find('?'));
    auto method = ex.request.method();

    // Public: liveness and metrics.
    if (path == "/healthz") co_return net::make_response(http::status::ok, R"({"status":"ok"})");
    if (path == "/metrics") {
      co_return net::make_response(http::status::ok,
                                   s.metrics.render(s.open_connections(), s.registry.size()),
                                   "text/plain; version=0.0.4");
    }
    // Public: the dashboard's files (it signs in through /api/session).
    if (method == http::verb::get && !is_api_path(path)) {
      if (auto page = s.web.serve(path)) co_return std::move(*page);
      co_return not_found(path);
    }

    // Nodes are limited by their token and connection caps, not by rate.
    if ((path.starts_with("/v1/") || path.starts_with("/api/")) && path != "/v1/nodes/connect") {
      if (const int wait_s = s.per_ip.take(ex.client_ip))
        co_return net::make_error_response(
            ApiError::rate_limited("too many requests from this address; slow down", wait_s));
    }
    // Consumers with an API key holding the inference scope.
    if (path == "/v1/chat/completions" || path == "/v1/completions") {
      if (method != http::verb::post) co_return method_not_allowed();
      co_return co_await s.completions.handle(
          ex, path == "/v1/chat/completions" ? protocol::JobKind::chat : protocol::JobKind::completion);
    }
    // Consumers with an API key holding the exec scope.
    if (path == "/v1/exec") {
      if (method != http::verb::post) co_return method_not_allowed();
      co_return co_await s.exec.handle(ex);
    }
    // Any valid API key.
    if (path == "/v1/models") {
      if (method != http::verb::get) co_return method_not_allowed();
      co_return co_await api::list_models(ex, s.auth, s.registry);
    }
    // Nodes, with a node token.
    if (path == "/v1/nodes/connect") {
      if (method != http::verb::get) co_return method_not_allowed();
      co_return co_await s.hub.connect(ex);
    }
    // Any valid API key, on its own user's keys.
    if (path == "/api/keys" || path.starts_with("/api/keys/")) {
      // Computed outside the co_await: g++ 12 evaluates both arms of a
      // conditional operator inside a co_await expression.
      std::string_view rest = path.size() > 10 ? path.substr(10) : std::string_view{};
      co_return co_await s.keys.handle(ex, rest);
    }
    // Any valid API key: the caller's own wallet. Admins: grants.
    if (path == "/api/wallet") {
      if (method != http::verb::get) co_return method_not_allowed();
      co_return co_await s.wallet.wallet(ex);
    }
    if (path == "/api/admin/grants") {
      if (method != http::verb::post) co_return method_not_allowed();
      co_return co_await s.wallet.grant(ex);
    }
    // Reading: any valid key. Changing: admins.
    if (path == "/api/pricing") co_return co_await s.pricing.pricing(ex);
    if (path == "/api/tiers" || path.starts_with("/api/tiers/")) {
      const std::string_view rest = path.substr(10);
      co_return co_await s.pricing.tiers(ex, rest);
    }
    // Any valid key; what each caller sees is filtered by the handler.
    if (path == "/api/nodes") {
      if (method != http::verb::get) co_return method_not_allowed();
      co_return co_await s.nodes.list(ex);
    }
    if (path.starts_with("/api/nodes/") && path.ends_with("/trust")) {
      const std::string node_id(path.substr(11, path.size() - 11 - 6));
      co_return co_await s.pricing.node_trust(ex, node_id);
    }
    // An admin; a cluster's owner for that cluster's rows (see AuditHandler).
    if (path == "/api/audit" || path == "/api/audit/verify") {
      if (method != http::verb::get) co_return method_not_allowed();
      co_return co_await s.audit.handle(ex, path);
    }
    // Anyone (signing in with a key); the signed-in session (reading, signing out).
    if (path == "/api/session") co_return co_await s.session.handle(ex);
    // Any valid API key: its own usage, the nodes and models it may see; an admin: everyone's.
    if (path == "/api/overview") {
      if (method != http::verb::get) co_return method_not_allowed();
      co_return co_await s.overview.handle(ex);
    }
    // Any valid API key, on its own usage; an admin on anyone's.
    if (path == "/api/usage" || path == "/api/usage.csv") {
      if (method != http::verb::get) co_return method_not_allowed();
      co_return co_await s.usage.handle(ex, path);
    }
    // Any valid API key, on its own account.
    if (path == "/api/me/export" || (path == "/api/me" && method == http::verb::delete_))
      co_return co_await s.me.handle(ex, path);
    // Sign-up (an invite code), users, clusters, node tokens: see accounts_api.h.
    if (api::AccountsApi::serves(path)) co_return co_await s.accounts.handle(ex, path);
    co_return not_found(path);
  };
}

}  // namespace potluck::coordinator
