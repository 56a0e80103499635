#pragma once
// The coordinator's routes, declared in one table (routes.cpp): method, path
// pattern, who may call it, handler. The router (router.cpp) looks a request
// up here, answers 404 for an unknown path and 405 (with Allow) for a known
// path with another method, enforces the declared access, and only then calls
// the handler with the captures and the caller's Principal.
//
// Lookup and access need only the method, the path and the headers, so they
// can run before the body is read.
#include "coordinator/auth.h"
#include "net/http_server.h"
#include "net/route_pattern.h"

#include <span>
#include <string>
#include <string_view>

namespace potluck::coordinator {

struct Services;

// Who may call a route. The router enforces it; a handler adds only finer
// rules of its own (cluster member or owner, own object), noted in the table.
enum class Access {
  anyone,           // no credentials (health, sign-up, signing in)
  node_token,       // a node's token, checked by the node hub itself
  session,          // the dashboard's session cookie, checked by the session handler
  key,              // any valid API key or session
  scope_inference,  // a key with the `inference` scope
  scope_exec,       // a key with the `exec` scope
  scope_account,    // a key with the `account` scope (keys, node tokens, export, deletion)
  admin,            // the admin role AND a key with the `admin` scope
};

std::string_view to_string(Access access);
// Whether the router authenticates the caller (and so passes a Principal).
bool needs_principal(Access access);

// What a handler gets besides the exchange.
struct RouteCall {
  net::Captures captures;
  Principal principal;  // empty unless needs_principal(route.access)
};

using RouteHandler = net::awaitable<std::optional<net::Response>> (*)(const Services&, net::Exchange&, RouteCall&);

struct Route {
  net::http::verb method;
  net::RoutePattern pattern;
  Access access;
  RouteHandler handler;
};

// The coordinator's table (routes.cpp).
std::span<const Route> routes();

// The route for `method` and `path` in `table`. The first pattern in table
// order that matches the path decides which routes the path has (so a literal
// such as /api/clusters/join listed before /api/clusters/{id} wins); among
// those, the one with the method. `path_known` tells a 405 from a 404.
struct RouteLookup {
  const Route* route = nullptr;
  bool path_known = false;
};
RouteLookup find_route(std::span<const Route> table, net::http::verb method, std::string_view path,
                       net::Captures& captures);

// The value of the Allow header for a known path: its routes' methods.
std::string allowed_methods(std::span<const Route> table, std::string_view path);

}  // namespace potluck::coordinator
