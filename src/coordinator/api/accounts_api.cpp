#include "coordinator/api/accounts_api.h"

#include "common/strings.h"

#include <array>
#include <span>

namespace potluck::coordinator::api {
namespace {

constexpr std::string_view kPrefix = "/api/";
constexpr std::array<std::string_view, 6> kResources = {"signup", "users", "me", "invites", "clusters",
                                                        "node-tokens"};

// "/api/clusters/cl_x/invites" -> {"clusters", "cl_x", "invites"}
std::vector<std::string> segments(std::string_view path) { return split(path.substr(kPrefix.size()), '/'); }

}  // namespace

bool AccountsApi::serves(std::string_view path) {
  if (!path.starts_with(kPrefix)) return false;
  auto rest = path.substr(kPrefix.size());
  auto first = rest.substr(0, rest.find('/'));
  for (auto resource : kResources)
    if (first == resource) return true;
  return false;
}

net::awaitable<std::optional<net::Response>> AccountsApi::handle(net::Exchange& exchange, std::string_view path) {
  const auto parts = segments(path);
  const std::string& resource = parts.front();
  if (resource == "signup") {
    if (parts.size() != 1) co_return net::make_error_response(ApiError::not_found("no such resource"));
    co_return co_await users_.signup(exchange);
  }
  auto caller = co_await auth_.authenticate(exchange.request);
  if (!caller) co_return net::make_error_response(caller.error());
  const std::span<const std::string> rest = std::span(parts).subspan(1);
  if (resource == "clusters") co_return co_await clusters_.handle(exchange, *caller, rest);
  if (resource == "node-tokens") {
    const store::NodeTokenScope own{caller->user_id, ""};
    co_return co_await node_tokens_.handle(exchange, *caller, own, rest);
  }
  co_return co_await users_.handle(exchange, *caller, resource, rest);
}

}  // namespace potluck::coordinator::api
