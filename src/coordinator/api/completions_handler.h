#pragma once
// POST /v1/chat/completions, POST /v1/completions and POST /v1/responses
// (translated to a chat job): authenticate, validate,
// decide where the job may run (the caller's cluster or the public pool, a
// model or a tier), hold its cost, relay the job and its stream, meter it.
// Who may call: a key with the `inference` scope; a cluster only for members.
// Asynchronous jobs (JobsHandler) go through the same checks.
#include "coordinator/api/openai_request.h"
#include "coordinator/auth.h"
#include "coordinator/jobs/job_run.h"
#include "net/http_server.h"
#include "coordinator/tier_catalog.h"

namespace potluck::coordinator::api {

class CompletionsHandler {
 public:
  struct Deps {
    const CoordinatorConfig& config;
    Registry& registry;
    Metrics& metrics;
    UsageRecorder& usage;
    StoreExecutor& store;
    const PricingPolicy& pricing;
    const TierCatalog& tiers;
    DispatchQueue& queue;
  };
  explicit CompletionsHandler(Deps deps) : deps_(deps) {}

  // `caller` holds the inference scope (the router checked it).
  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, Principal& caller,
                                                      protocol::JobKind kind);
  // POST /v1/responses, stateless: run as the chat job it translates to.
  net::awaitable<std::optional<net::Response>> handle_responses(net::Exchange& exchange, Principal& caller);
  struct Admitted {
    CompletionRequest request;
    Placement placement;
  };
  // A valid request (400), for a model or tier that exists (404) where the
  // caller may run it (403). With `may_wait` a job for a model or tier that
  // no node serves right now is admitted to wait for one; otherwise that is 503.
  std::expected<Admitted, ApiError> admit(const Principal& caller, std::string_view body,
                                          protocol::JobKind kind, bool may_wait) const;
  JobRun::Deps job_deps() const;

 private:
  std::expected<Placement, ApiError> target(const Principal& caller, const CompletionRequest& request) const;
  // Refused when no node can take the request now and it is not worth waiting for.
  std::expected<void, ApiError> check_reachable(const Placement& placement, const CompletionRequest& request,
                                                bool may_wait) const;

  Deps deps_;
};

}  // namespace potluck::coordinator::api
