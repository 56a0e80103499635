#include "coordinator/router.h"

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

// Everything under these belongs to the API; the rest of the GET paths are
// the dashboard's.
bool is_api_path(std::string_view path) {
  return path.starts_with("/v1/") || path.starts_with("/api/") || path == "/v1" || path == "/api";
}

// Nodes are limited by their token and connection caps, not by rate.
bool rate_limited_per_ip(std::string_view path) {
  return (path.starts_with("/v1/") || path.starts_with("/api/")) && path != "/v1/nodes/connect";
}

std::optional<net::Response> refuse_scope(const Principal& caller, std::string_view scope) {
  if (caller.has_scope(scope)) return std::nullopt;
  return net::make_error_response(ApiError::forbidden("this API key lacks the '" + std::string(scope) + "' scope"));
}

// The route's declared access, from the request's headers only: the caller,
// or the answer that refuses it. Routes that need no Principal get an empty one.
net::awaitable<std::expected<Principal, net::Response>> authorize(KeyAuthenticator& auth, Access access,
                                                                  const net::Request& request) {
  if (!needs_principal(access)) co_return Principal{};
  auto caller = co_await auth.authenticate(request);
  if (!caller) co_return std::unexpected(net::make_error_response(caller.error()));
  std::optional<net::Response> refused;
  if (access == Access::scope_inference) refused = refuse_scope(*caller, "inference");
  if (access == Access::scope_exec) refused = refuse_scope(*caller, "exec");
  if (access == Access::admin) refused = api::refuse_unless_admin(*caller);
  if (refused) co_return std::unexpected(std::move(*refused));
  co_return std::move(*caller);
}

}  // namespace

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
    if (method == http::verb::get && !is_api_path(path)) {
      if (auto page = s.web.serve(path)) co_return std::move(*page);
      co_return not_found(path);
    }
    if (rate_limited_per_ip(path)) {
      if (const int wait_s = s.per_ip.take(ex.client_ip))
        co_return net::make_error_response(
            ApiError::rate_limited("too many requests from this address; slow down", wait_s));
    }

    RouteCall call;
    const RouteLookup found = find_route(routes(), method, path, call.captures);
    if (!found.route) co_return found.path_known ? method_not_allowed(path) : not_found(path);
    auto caller = co_await authorize(s.auth, found.route->access, ex.request);
    if (!caller) co_return std::move(caller.error());
    call.principal = std::move(*caller);
    co_return co_await found.route->handler(s, ex, call);
  };
}

}  // namespace potluck::coordinator
