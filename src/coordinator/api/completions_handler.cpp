#include "coordinator/api/completions_handler.h"

#include "coordinator/api/job_relay.h"

namespace potluck::coordinator::api {

net::awaitable<std::optional<net::Response>> CompletionsHandler::handle(net::Exchange& exchange,
                                                                        protocol::JobKind kind) {
  auto principal = co_await auth_.authenticate(exchange.request);
  if (!principal) co_return net::make_error_response(principal.error());
  if (!principal->has_scope("inference"))
    co_return net::make_error_response(ApiError::forbidden("this API key lacks the 'inference' scope"));

  auto request = parse_completion_request(exchange.request.body(), kind);
  if (!request) co_return net::make_error_response(request.error());

  if (!registry_.online(request->model)) {
    if (registry_.known(request->model))
      co_return net::make_error_response(ApiError::unavailable(
          "no node serving model '" + request->model + "' is online; try again later",
          config_.retry_after_s));
    co_return net::make_error_response(ApiError::not_found(
        "The model '" + request->model + "' does not exist or no node serves it",
        "model_not_found"));
  }

  JobRelay relay({config_, registry_, metrics_, usage_}, exchange, std::move(*principal),
                 std::move(*request));
  co_return co_await relay.run();
}

}  // namespace potluck::coordinator::api
