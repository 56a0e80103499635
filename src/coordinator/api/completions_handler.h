#pragma once
// POST /v1/chat/completions, POST /v1/completions and POST /v1/responses
// (translated to a chat job): authenticate, validate,
// decide where the job may run (the caller's cluster or the public pool, a
// model or a tier), hold its cost, relay the job and its stream, meter it.
// Who may call: a key with the `inference` scope; a cluster only for members.
// Asynchronous jobs (JobsHandler) go through the same checks.
#include "coordinator/api/embedding_request.h"
#include "coordinator/api/openai_request.h"
#include "coordinator/auth.h"
#include "coordinator/jobs/job_run.h"
#include "net/http_server.h"
#include "coordinator/tier_catalog.h"

namespace potluck::coordinator::api {

class CompletionsHandler {
 public:
  // `jobs`: what every job it runs needs; `tiers`: the public tiers a
  // request may name.
  CompletionsHandler(JobRun::Deps jobs, const TierCatalog& tiers) : jobs_(jobs), tiers_(tiers) {}

  // `caller` holds the inference scope (the router checked it).
  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, Principal& caller,
                                                      protocol::JobKind kind);
  // POST /v1/responses, stateless: run as the chat job it translates to.
  net::awaitable<std::optional<net::Response>> handle_responses(net::Exchange& exchange, Principal& caller);

  // POST /v1/embeddings: placed and priced like a completion (input tokens
  // only), on nodes whose offer says they answer embeddings; always collected.
  net::awaitable<std::optional<net::Response>> embeddings(net::Exchange& exchange, Principal& caller);
  struct Admitted {
    CompletionRequest request;
    Placement placement;
  };
  // A valid request (400), for a model or tier that exists (404) where the
  // caller may run it (403). With `may_wait` a job for a model or tier that
  // no node serves right now is admitted to wait for one; otherwise that is 503.
  std::expected<Admitted, ApiError> admit(const Principal& caller, std::string_view body,
                                          protocol::JobKind kind, bool may_wait) const;
  struct AdmittedEmbedding {
    EmbeddingRequest request;
    Placement placement;
  };
  // The same for an embeddings request, placed on nodes that answer embeddings.
  std::expected<AdmittedEmbedding, ApiError> admit_embedding(const Principal& caller, std::string_view body,
                                                             bool may_wait) const;
  const JobRun::Deps& job_deps() const { return jobs_; }

 private:
  // Where a request for `model` (or "tier:NAME") in `cluster` may run, and
  // whether it is reachable now (or, with `may_wait`, worth waiting for).
  std::expected<Placement, ApiError> place(const Principal& caller, const std::string& model,
                                           const std::string& cluster, bool embeddings, bool may_wait) const;
  std::expected<Placement, ApiError> target(const Principal& caller, const std::string& model,
                                            const std::string& cluster) const;
  // Refused when no node can take the request now and it is not worth waiting for.
  std::expected<void, ApiError> check_reachable(const Placement& placement, const std::string& model,
                                                bool may_wait) const;
  // Nodes online offer the placement's model, none of them for embeddings.
  bool served_without_embeddings(const Placement& placement) const;

  JobRun::Deps jobs_;
  const TierCatalog& tiers_;
};

}  // namespace potluck::coordinator::api
