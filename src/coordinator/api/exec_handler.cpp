#include "coordinator/api/exec_handler.h"

#include "coordinator/api/cluster_choice.h"

namespace potluck::coordinator::api {

net::awaitable<std::optional<net::Response>> ExecHandler::handle(net::Exchange& exchange) {
  auto principal = co_await auth_.authenticate(exchange.request);
  if (!principal) co_return net::make_error_response(principal.error());
  if (!principal->has_scope(store::Scope::exec))
    co_return net::make_error_response(ApiError::forbidden("this API key lacks the 'exec' scope"));

  auto request = protocol::parse_exec_request(exchange.request.body());
  if (!request) co_return net::make_error_response(ApiError::bad_request(request.error()));
  if (!protocol::is_known_language(request->language))
    co_return net::make_error_response(ApiError::bad_request(
        "unknown language (known: python3, node, bash, c, c++)", "unknown_language"));
  auto cluster = choose_cluster(*principal, request->cluster);
  if (!cluster) co_return net::make_error_response(cluster.error());
  Placement placement = Placement::exec(request->language, std::move(*cluster));
  if (!deps_.registry.online(placement)) {
    const std::string where = placement.in_cluster() ? " in this cluster" : "";
    co_return net::make_error_response(ApiError::unavailable(
        "no node running '" + request->language + "' is online" + where + "; try again later",
        deps_.config.retry_after_s));
  }

  ExecRelay relay(deps_, exchange, std::move(*principal), std::move(*request), std::move(placement));
  co_return co_await relay.run();
}

}  // namespace potluck::coordinator::api
