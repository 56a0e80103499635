#include "coordinator/api/completions_handler.h"

#include "coordinator/api/cluster_choice.h"

namespace potluck::coordinator::api {
namespace {
constexpr std::string_view kTierPrefix = "tier:";
}  // namespace

net::awaitable<std::optional<net::Response>> CompletionsHandler::handle(net::Exchange& exchange,
                                                                        protocol::JobKind kind) {
  auto principal = co_await deps_.auth.authenticate(exchange.request);
  if (!principal) co_return net::make_error_response(principal.error());
  if (!principal->has_scope("inference"))
    co_return net::make_error_response(ApiError::forbidden("this API key lacks the 'inference' scope"));

  auto request = parse_completion_request(exchange.request.body(), kind);
  if (!request) co_return net::make_error_response(request.error());
  if (request->max_tokens > deps_.config.max_tokens_cap)
    co_return net::make_error_response(ApiError::bad_request(
        "max_tokens " + std::to_string(request->max_tokens) + " is above this coordinator's cap of " +
            std::to_string(deps_.config.max_tokens_cap),
        "max_tokens_too_large"));

  auto placement = place(*principal, *request);
  if (!placement) co_return net::make_error_response(placement.error());

  JobRelay relay({deps_.config, deps_.registry, deps_.metrics, deps_.usage, deps_.store, deps_.pricing,
                  deps_.queue},
                 exchange, std::move(*principal), std::move(*request), std::move(*placement));
  co_return co_await relay.run();
}

// The cluster as choose_cluster decides; a tier is named as "tier:<name>".
std::expected<Placement, ApiError> CompletionsHandler::place(const Principal& caller,
                                                             const CompletionRequest& request) const {
  auto cluster = choose_cluster(caller, request.cluster);
  if (!cluster) return std::unexpected(cluster.error());
  Placement placement;
  placement.cluster_id = std::move(*cluster);

  if (request.model.starts_with(kTierPrefix)) {
    const std::string name = request.model.substr(kTierPrefix.size());
    if (placement.in_cluster())
      return std::unexpected(ApiError::bad_request(
          "tiers belong to the public pool; name a model to run in a cluster", "invalid_model"));
    const store::Tier* tier = deps_.tiers.find(name);
    if (!tier)
      return std::unexpected(ApiError::bad_request(
          "unknown tier '" + name.substr(0, 64) + "' (GET /api/tiers lists them)", "unknown_tier"));
    placement.tier = *tier;
  } else {
    placement.model = request.model;
  }

  if (deps_.registry.online(placement)) return placement;
  if (placement.tier)
    return std::unexpected(ApiError::unavailable(
        "no node that fits " + placement.label() + " is online; try again later", deps_.config.retry_after_s));
  if (!placement.in_cluster() && deps_.registry.known(request.model))
    return std::unexpected(ApiError::unavailable(
        "no node serving model '" + request.model + "' is online; try again later", deps_.config.retry_after_s));
  const std::string where = placement.in_cluster() ? " in this cluster" : "";
  return std::unexpected(ApiError::not_found(
      "The model '" + request.model + "' does not exist or no node" + where + " serves it", "model_not_found"));
}

}  // namespace potluck::coordinator::api
