#include "coordinator/route_table.h"

namespace potluck::coordinator {

std::string_view to_string(Access access) {
  switch (access) {
    case Access::anyone: return "anyone";
    case Access::node_token: return "node_token";
    case Access::session: return "session";
    case Access::key: return "key";
    case Access::scope_inference: return "scope_inference";
    case Access::scope_exec: return "scope_exec";
    case Access::scope_account: return "scope_account";
    case Access::admin: return "admin";
  }
  return "unknown";
}

bool needs_principal(Access access) {
  return access != Access::anyone && access != Access::node_token && access != Access::session;
}

namespace {

// The first route whose pattern matches `path`, or null.
const Route* first_match(std::span<const Route> table, std::string_view path, net::Captures& captures) {
  for (const auto& route : table)
    if (route.pattern.match(path, captures)) return &route;
  return nullptr;
}

}  // namespace

RouteLookup find_route(std::span<const Route> table, net::http::verb method, std::string_view path,
                       net::Captures& captures) {
  const Route* first = first_match(table, path, captures);
  if (!first) return {};
  // The routes of this path share the pattern text; the captures stay valid.
  for (const auto& route : table)
    if (route.method == method && route.pattern.text() == first->pattern.text()) return {&route, true};
  return {nullptr, true};
}

std::string allowed_methods(std::span<const Route> table, std::string_view path) {
  net::Captures captures;
  const Route* first = first_match(table, path, captures);
  std::string allow;
  if (!first) return allow;
  for (const auto& route : table) {
    if (route.pattern.text() != first->pattern.text()) continue;
    if (!allow.empty()) allow += ", ";
    allow += net::http::to_string(route.method);
  }
  return allow;
}

}  // namespace potluck::coordinator
