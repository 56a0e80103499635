#include "coordinator/router.h"

#include "net/forwarded_for.h"

#include "coordinator/api/access.h"
#include "coordinator/route_table.h"

namespace potluck::coordinator {
namespace http = boost::beast::http;
namespace {

net::Response not_found(std::string_view path) {
  return net::make_error_response(ApiError::not_found(
      "no route for '" + std::string(path.substr(0, 200)) + "'", "unknown_url"));
}

net::Response method_not_allowed(std::string_view path) {
  auto response = net::make_error_response(
      {405, "invalid_request_error", "method_not_allowed", "method not allowed on this path"});
  response.set(http::field::allow, allowed_methods(routes(), path));
  return response;
}

// The route table's paths: everything under these belongs to the API, and
// /readyz; the rest of the GET paths are the dashboard's.
bool is_routed_path(std::string_view path) {
  return path.starts_with("/v1/") || path.starts_with("/api/") || path == "/v1" || path == "/api" ||
         path == "/readyz";
}

// Nodes are limited by their token and connection caps, not by rate.
bool rate_limited_per_ip(std::string_view path) {
  return (path.starts_with("/v1/") || path.starts_with("/api/")) && path != "/v1/nodes/connect";
}

// The route's declared access, from the request's headers only: the caller,
// or the answer that refuses it. Routes that need no Principal get an empty one.
net::awaitable<std::expected<Principal, net::Response>> authorize(KeyAuthenticator& auth, Access access,
                                                                  const net::Request& request) {
  if (!needs_principal(access)) co_return Principal{};
  auto caller = co_await auth.authenticate(request);
  if (!caller) co_return std::unexpected(net::make_error_response(caller.error()));
  std::expected<void, ApiError> admitted;
  if (access == Access::scope_inference) admitted = api::require_scope(*caller, store::Scope::inference);
  if (access == Access::scope_exec) admitted = api::require_scope(*caller, store::Scope::exec);
  if (access == Access::scope_account) admitted = api::require_scope(*caller, store::Scope::account);
  if (access == Access::admin) admitted = api::require_admin(*caller);
  if (!admitted) co_return std::unexpected(net::make_error_response(admitted.error()));
  co_return std::move(*caller);
}

// The address a request's per-address limit counts against: behind a
// trusted proxy, the client it names in X-Forwarded-For.
std::string request_address(const Services& s, const net::Request& head, const std::string& peer) {
  const auto& trusted = s.config.limits.trusted_proxies;
  if (!trusted.contains(peer)) return peer;
  std::string forwarded;
  for (auto [it, end] = head.equal_range("X-Forwarded-For"); it != end; ++it) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded += it->value();
  }
  return net::client_address(peer, forwarded, trusted);
}

// Everything the route table decides from the head alone: the per-IP rate
// limit, a CORS preflight's answer, the route (404, 405) and the caller the
// route admits. Paths outside
// the API (health, metrics, the dashboard's files) go on with no caller.
net::awaitable<std::expected<Principal, net::Response>> admit(const Services& s, const net::Request& head,
                                                              const std::string& client_ip) {
  std::string_view target = head.target();
  std::string_view path = target.substr(0, target.find('?'));
  const auto method = head.method();
  if (path == "/healthz" || path == "/metrics") co_return Principal{};
  if (method == http::verb::get && !is_routed_path(path)) co_return Principal{};
  if (rate_limited_per_ip(path)) {
    if (const int wait_s = s.per_ip.take(request_address(s, head, client_ip)))
      co_return std::unexpected(net::make_error_response(
          ApiError::rate_limited("too many requests from this address; slow down", wait_s)));
  }
  // A browser's preflight carries no key: it is answered here, for any
  // path under /v1, before a route, a key or a body is looked at.
  if (CorsPolicy::is_preflight(head)) co_return std::unexpected(s.cors.preflight(head));
  net::Captures unused;
  const RouteLookup found = find_route(routes(), method, path, unused);
  if (!found.route) co_return std::unexpected(found.path_known ? method_not_allowed(path) : not_found(path));
  auto caller = co_await authorize(s.auth, found.route->access, head);
  co_return caller;
}

}  // namespace

net::HeadCheck make_head_check(Services s) {
  return [s](const net::Request& head, const std::string& client_ip,
             std::any& admission) -> net::awaitable<std::optional<net::Response>> {
    auto admitted = co_await admit(s, head, client_ip);
    if (!admitted) co_return std::move(admitted.error());
    admission = std::move(*admitted);
    co_return std::nullopt;
  };
}

net::Handler make_router(Services s) {
  return [s](net::Exchange& ex) -> net::awaitable<std::optional<net::Response>> {
    std::string_view target = ex.request.target();
    std::string_view path = target.substr(0, target.find('?'));
    auto method = ex.request.method();

    // Public, any method: liveness and metrics.
    if (path == "/healthz") co_return net::make_response(http::status::ok, R"({"status":"ok"})");
    if (path == "/metrics") {
      co_return net::make_response(http::status::ok,
                                   s.metrics.render(s.open_connections(), s.registry.size()),
                                   "text/plain; version=0.0.4");
    }
    // Public: the dashboard's files (it signs in through /api/session).
    if (method == http::verb::get && !is_routed_path(path)) {
      if (auto page = s.web.serve(path)) co_return std::move(*page);
      co_return not_found(path);
    }

    RouteCall call;
    if (auto* admitted = std::any_cast<Principal>(&ex.admission)) {
      call.principal = std::move(*admitted);
    } else {
      // No head check ran in front of this handler: admit here.
      auto caller = co_await admit(s, ex.request, ex.client_ip);
      if (!caller) co_return std::move(caller.error());
      call.principal = std::move(*caller);
    }
    const RouteLookup found = find_route(routes(), method, path, call.captures);
    if (!found.route) co_return found.path_known ? method_not_allowed(path) : not_found(path);
    co_return co_await found.route->handler(s, ex, call);
  };
}

}  // namespace potluck::coordinator
