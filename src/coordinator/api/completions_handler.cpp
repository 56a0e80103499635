#include "coordinator/api/completions_handler.h"

#include "coordinator/api/cluster_choice.h"
#include "coordinator/api/responses_passthrough.h"
#include "coordinator/api/responses_request.h"
#include "coordinator/api/collect_sink.h"
#include "coordinator/api/embedding_request.h"
#include "coordinator/api/run_for_connection.h"
#include "coordinator/api/stream_sinks.h"
#include "coordinator/jobs/completion_policy.h"
#include "common/clock.h"

namespace potluck::coordinator::api {
namespace {
constexpr std::string_view kTierPrefix = "tier:";
}  // namespace

net::awaitable<std::optional<net::Response>> CompletionsHandler::handle(net::Exchange& exchange, Principal& caller,
                                                                        protocol::JobKind kind) {
  auto admitted = admit(caller, exchange.request.body(), kind, false);
  if (!admitted) co_return net::make_error_response(admitted.error());

  const CompletionRequest& request = admitted->request;
  const CompletionPolicy policy(kind, request.held_output_tokens(), request.stream);
  ResponseFormat format(kind, new_response_id(kind), unix_now_ms() / 1000, request.model);
  JobRun::Spec spec{{}, std::move(caller), std::move(admitted->placement), request.payload(exchange.request.body())};
  if (request.stream) {
    OpenAiStreamSink sink(exchange, std::move(format), request.include_usage);
    auto answer = co_await run_for_connection(job_deps(), policy, sink, spec);
    co_return answer;
  }
  OpenAiCollector collector(jobs_.config.max_result_bytes, std::move(format));
  auto answer = co_await run_collected(job_deps(), policy, exchange, collector, spec);
  co_return answer;
}

// The Responses API: the request is translated to a chat request
// (responses_request.h), admitted and held as that chat job. Where a node
// whose engine answers the Responses API itself can take it, it runs there
// as a responses job (the request passed through, bounded by the hold);
// otherwise it runs as the chat job. Only the answer's maker differs.
net::awaitable<std::optional<net::Response>> CompletionsHandler::handle_responses(net::Exchange& exchange,
                                                                                  Principal& caller) {
  auto translated = translate_responses_request(exchange.request.body());
  if (!translated) co_return net::make_error_response(translated.error());
  auto admitted = admit(caller, translated->chat_body, protocol::JobKind::chat, false);
  if (!admitted) co_return net::make_error_response(admitted.error());

  const CompletionRequest& request = admitted->request;
  const std::string id = new_responses_id();
  const std::int64_t created_at = unix_now_ms() / 1000;
  Placement native = admitted->placement;
  native.responses = true;
  const bool passthrough = jobs_.registry.online(native);
  const CompletionPolicy policy(passthrough ? protocol::JobKind::responses : protocol::JobKind::chat,
                                request.held_output_tokens(), request.stream);
  std::unique_ptr<ResponsesOutput> output;
  std::string payload;
  if (passthrough) {
    output = std::make_unique<ResponsesPassThrough>(id, created_at, request.model, request.stream);
    payload = passthrough_body(exchange.request.body(), request.held_output_tokens());
  } else {
    output = std::make_unique<ResponsesFormat>(id, created_at, request.model, std::move(translated->echo));
    payload = request.payload(translated->chat_body);
  }
  JobRun::Spec spec{{}, std::move(caller), passthrough ? std::move(native) : std::move(admitted->placement),
                    std::move(payload)};
  if (request.stream) {
    ResponsesStreamSink sink(exchange, jobs_.config.max_result_bytes, std::move(output));
    auto answer = co_await run_for_connection(job_deps(), policy, sink, spec);
    co_return answer;
  }
  ResponsesCollector collector(jobs_.config.max_result_bytes, std::move(output));
  auto answer = co_await run_collected(job_deps(), policy, exchange, collector, spec);
  co_return answer;
}

std::expected<CompletionsHandler::Admitted, ApiError> CompletionsHandler::admit(const Principal& caller,
                                                                                std::string_view body,
                                                                                protocol::JobKind kind,
                                                                                bool may_wait) const {
  auto request = parse_completion_request(body, kind, jobs_.config.max_tokens_cap);
  if (!request) return std::unexpected(request.error());
  auto placement = place(caller, request->model, request->cluster, false, may_wait);
  if (!placement) return std::unexpected(placement.error());
  return Admitted{std::move(*request), std::move(*placement)};
}

net::awaitable<std::optional<net::Response>> CompletionsHandler::embeddings(net::Exchange& exchange,
                                                                            Principal& caller) {
  const auto& body = exchange.request.body();
  auto admitted = admit_embedding(caller, body, false);
  if (!admitted) co_return net::make_error_response(admitted.error());
  const CompletionPolicy policy(protocol::JobKind::embedding, 0, false);
  JobRun::Spec spec{{}, std::move(caller), std::move(admitted->placement), body};
  EmbeddingsCollector collector(jobs_.config.max_result_bytes, admitted->request.model, admitted->request.inputs,
                                jobs_.config.embeddings.max_dimensions);
  auto answer = co_await run_collected(job_deps(), policy, exchange, collector, spec);
  co_return answer;
}

std::expected<CompletionsHandler::AdmittedEmbedding, ApiError> CompletionsHandler::admit_embedding(
    const Principal& caller, std::string_view body, bool may_wait) const {
  auto request = parse_embedding_request(body, jobs_.config.embeddings);
  if (!request) return std::unexpected(request.error());
  auto placement = place(caller, request->model, request->cluster, true, may_wait);
  if (!placement) return std::unexpected(placement.error());
  return AdmittedEmbedding{std::move(*request), std::move(*placement)};
}

std::expected<Placement, ApiError> CompletionsHandler::place(const Principal& caller, const std::string& model,
                                                             const std::string& cluster, bool embeddings,
                                                             bool may_wait) const {
  auto placement = target(caller, model, cluster);
  if (!placement) return std::unexpected(placement.error());
  placement->embeddings = embeddings;
  if (auto reachable = check_reachable(*placement, model, may_wait); !reachable)
    return std::unexpected(reachable.error());
  return placement;
}

bool CompletionsHandler::served_without_embeddings(const Placement& placement) const {
  Placement any_offer = placement;
  any_offer.embeddings = false;
  return jobs_.registry.online(any_offer);
}

// The cluster as choose_cluster decides; a tier is named as "tier:<name>".
std::expected<Placement, ApiError> CompletionsHandler::target(const Principal& caller, const std::string& model,
                                                              const std::string& requested_cluster) const {
  auto cluster = choose_cluster(caller, requested_cluster);
  if (!cluster) return std::unexpected(cluster.error());
  Placement placement;
  placement.cluster_id = std::move(*cluster);

  if (model.starts_with(kTierPrefix)) {
    const std::string name = model.substr(kTierPrefix.size());
    if (placement.in_cluster())
      return std::unexpected(ApiError::bad_request(
          "tiers belong to the public pool; name a model to run in a cluster", "invalid_model"));
    const store::Tier* tier = tiers_.find(name);
    if (!tier)
      return std::unexpected(ApiError::bad_request(
          "unknown tier '" + name.substr(0, 64) + "' (GET /api/tiers lists them)", "unknown_tier"));
    placement.tier = *tier;
  } else {
    placement.model = model;
  }
  return placement;
}

// A model no node serves now is worth waiting for (503, or a job's claim
// timeout) only if it is a tier or a public model some node offered before.
// Known models are remembered by id alone, not by what their engines do, so
// an embeddings request for a known model is worth waiting for while no node
// offers that model at all; while nodes offer it only for chat, it is a 404.
std::expected<void, ApiError> CompletionsHandler::check_reachable(const Placement& placement,
                                                                  const std::string& model,
                                                                  bool may_wait) const {
  if (jobs_.registry.online(placement)) return {};
  const bool known = placement.tier || (!placement.in_cluster() && jobs_.registry.known(model) &&
                                        !(placement.embeddings && served_without_embeddings(placement)));
  if (known && may_wait) return {};
  const std::string what = placement.embeddings ? " with embeddings" : "";
  if (placement.tier)
    return std::unexpected(ApiError::unavailable("no node that fits " + placement.label() + what + " is online; try again later",
                                 jobs_.config.retry_after_s));
  if (known)
    return std::unexpected(ApiError::unavailable(
        "no node serving model '" + model + "'" + what + " is online; try again later", jobs_.config.retry_after_s));
  const std::string where = placement.in_cluster() ? " in this cluster" : "";
  return std::unexpected(ApiError::not_found(
      "The model '" + model + "' does not exist or no node" + where + " serves it" + what, "model_not_found"));
}

}  // namespace potluck::coordinator::api
