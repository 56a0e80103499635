#pragma once
// Asynchronous jobs: POST /v1/jobs submits one and answers 202 with its id at
// once; GET /v1/jobs/{id} shows its state and, once completed, its result;
// DELETE /v1/jobs/{id} cancels it (409 once it has finished). Who may call:
// a key with the `inference` scope; a job is visible to its submitter only
// (anyone else gets 404). Validation, placement, holds and billing are the
// synchronous endpoints' (CompletionsHandler, JobRelay).
#include "coordinator/api/completions_handler.h"
#include "coordinator/api/job_store.h"

namespace potluck::coordinator::api {

class JobsHandler {
 public:
  JobsHandler(CompletionsHandler& completions, JobStore& jobs) : completions_(completions), jobs_(jobs) {}

  // `caller` holds the inference scope (the router checked it).
  net::awaitable<std::optional<net::Response>> submit(net::Exchange& exchange, Principal& caller);
  // GET or DELETE on one job; `id` is the path after /v1/jobs/.
  net::awaitable<std::optional<net::Response>> one(net::Exchange& exchange, const Principal& caller,
                                                   const std::string& id);

 private:
  CompletionsHandler& completions_;
  JobStore& jobs_;
};

}  // namespace potluck::coordinator::api
