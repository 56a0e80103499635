#include "coordinator/jobs/completion_policy.h"

#include "coordinator/jobs/node_loss.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"

namespace potluck::coordinator {

JobPolicy::WorstCase CompletionPolicy::worst_case(const Registry& registry, const PricingPolicy& pricing,
                                                  const Placement& placement, std::int64_t request_bytes) const {
  if (auto price = registry.max_price(placement))
    return {worst_case_cost(*price, request_bytes, output_tokens_), "max_tokens x price"};
  return {worst_case_cost(pricing.highest_allowed(placement.tier), request_bytes, output_tokens_),
          "max_tokens x the highest price allowed, as no node that fits is online yet"};
}

// An engine's refusal keeps its status class, its Retry-After and its own
// words (error.detail: printable and bounded by decode(); it may quote the
// consumer's request, so it goes only into this answer, never to a log or a row).
ApiError CompletionPolicy::consumer_error(const protocol::Error& error) const {
  const auto with_detail = [&](std::string message) {
    if (!error.detail.empty()) message += ": " + error.detail;
    return message;
  };
  if (error.status >= 400 && error.status < 500) {
    ApiError e{error.status, "invalid_request_error", "upstream_rejected",
               with_detail("the model server rejected the request (status " + std::to_string(error.status) + ")")};
    if (error.status == 404) e.type = "not_found_error";
    if (error.status == 429) e.type = "rate_limit_error";
    e.retry_after_s = error.retry_after_s;
    return e;
  }
  using protocol::ErrorCode;
  if (error.code == ErrorCode::timeout) return ApiError::timeout("the node did not finish the job in time");
  if (auto lost = lost_with_node(error)) return *lost;
  if (error.code == ErrorCode::busy)
    return ApiError{503, "server_error", "no_capacity", "no node could take the job; try again later", 2};
  if (error.status == 503)
    return ApiError{503, "server_error", "upstream_unavailable", with_detail("the model server is unavailable"),
                    error.retry_after_s};
  return ApiError{502, "server_error", std::string(protocol::to_string(error.code)),
                  with_detail("the model server failed to answer")};
}

bool CompletionPolicy::node_at_fault(const protocol::Error& error) const {
  using protocol::ErrorCode;
  const bool consumers_fault = (error.status >= 400 && error.status < 500) || error.code == ErrorCode::cancelled ||
                               error.code == ErrorCode::consumer_too_slow || error.code == ErrorCode::bad_request;
  return !consumers_fault;
}

void CompletionPolicy::bill(const JobTally& tally, const Candidate& ran_on, const Placement& placement,
                            store::UsageEvent& event) const {
  Metered metered = meter(tally.relay);
  // Embeddings are priced by their input alone: the vectors are not tokens.
  if (kind_ == protocol::JobKind::embedding) metered.completion_tokens = 0;
  event.kind = std::string(protocol::to_string(kind_));
  event.model = ran_on.model.empty() ? placement.label() : ran_on.model;
  if (placement.tier) event.tier = placement.tier->name;
  event.prompt_tokens = metered.prompt_tokens;
  event.completion_tokens = metered.completion_tokens;
  event.usage_mismatch = metered.mismatch;
  event.cost = cost_of(ran_on.price, metered.prompt_tokens, metered.completion_tokens);
}

}  // namespace potluck::coordinator
