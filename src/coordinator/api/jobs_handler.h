#pragma once
// Asynchronous jobs: POST /v1/jobs submits one and answers 202 with its id at
// once; GET /v1/jobs/{id} shows its state and, once completed, its result;
// DELETE /v1/jobs/{id} cancels it (409 once it has finished). Who may call:
// submitting, a key with the `inference` scope (kind chat or completion) or
// the `exec` scope (kind exec); reading and cancelling, any valid key, and a
// job is visible to its submitter only (anyone else gets 404). Validation, placement, holds and billing are the
// synchronous endpoints' (CompletionsHandler or ExecHandler, and JobRun).
#include "coordinator/api/completions_handler.h"
#include "coordinator/api/exec_handler.h"
#include "coordinator/api/job_request.h"
#include "coordinator/api/job_store.h"

namespace potluck::coordinator::api {

class JobsHandler {
 public:
  JobsHandler(CompletionsHandler& completions, ExecHandler& exec, JobStore& jobs)
      : completions_(completions), exec_(exec), jobs_(jobs) {}

  // `caller` holds a valid key; the kind's scope is checked here.
  net::awaitable<std::optional<net::Response>> submit(net::Exchange& exchange, Principal& caller);
  // GET or DELETE on one job; `id` is the path after /v1/jobs/.
  net::awaitable<std::optional<net::Response>> one(net::Exchange& exchange, const Principal& caller,
                                                   const std::string& id);

 private:
  // The kind's checks and its policy and collector, or the refusal.
  struct Prepared {
    Placement placement;
    std::unique_ptr<JobPolicy> policy;
    std::unique_ptr<ResultCollector> collector;
    std::string model;  // as asked, for the record
    std::string bounded_body;  // completions: the payload with its output bounds set; empty for exec and embeddings
  };
  std::expected<Prepared, ApiError> prepare(const Principal& caller, const JobRequest& job) const;

  CompletionsHandler& completions_;
  ExecHandler& exec_;
  JobStore& jobs_;
};

}  // namespace potluck::coordinator::api
