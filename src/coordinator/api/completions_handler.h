#pragma once
// POST /v1/chat/completions and POST /v1/completions: authenticate, validate,
// decide where the job may run (the caller's cluster or the public pool, a
// model or a tier), hold its cost, relay the job and its stream, meter it.
// Who may call: a key with the `inference` scope; a cluster only for members.
#include "coordinator/api/job_relay.h"
#include "coordinator/tier_catalog.h"

namespace potluck::coordinator::api {

class CompletionsHandler {
 public:
  struct Deps {
    const CoordinatorConfig& config;
    KeyAuthenticator& auth;
    Registry& registry;
    Metrics& metrics;
    UsageRecorder& usage;
    StoreExecutor& store;
    const PricingPolicy& pricing;
    const TierCatalog& tiers;
    DispatchQueue& queue;
  };
  explicit CompletionsHandler(Deps deps) : deps_(deps) {}

  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, protocol::JobKind kind);

 private:
  std::expected<Placement, ApiError> place(const Principal& caller, const CompletionRequest& request) const;

  Deps deps_;
};

}  // namespace potluck::coordinator::api
