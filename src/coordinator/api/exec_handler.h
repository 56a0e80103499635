#pragma once
// POST /v1/exec (the router checks the `exec` scope): validate, decide where
// the job may run (as completions do: the request's "cluster", else the
// key's bound cluster, else the public pool; a cluster only for its
// members), check that a node there runs the language, then run the job
// (JobRun with ExecPolicy), which waits in the dispatch line like
// completions, holds and settles its cost. Asynchronous exec jobs
// (JobsHandler) go through the same checks.
#include "coordinator/auth.h"
#include "coordinator/jobs/exec_policy.h"
#include "coordinator/jobs/job_run.h"
#include "net/http_server.h"
#include "protocol/exec.h"

namespace potluck::coordinator::api {

class ExecHandler {
 public:
  explicit ExecHandler(JobRun::Deps deps) : deps_(deps) {}

  // `caller` holds the exec scope (the router checked it).
  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, Principal& caller);

  struct Admitted {
    protocol::ExecRequest request;
    Placement placement;
  };
  // A valid request (400) in a known language (400) where the caller may run
  // it (403). With `may_wait` a language no node runs right now is admitted
  // to wait for one; otherwise that is 503.
  std::expected<Admitted, ApiError> admit(const Principal& caller, std::string_view body, bool may_wait) const;
  // How an admitted job is held and billed, synchronous or not.
  ExecPolicy policy(const Admitted& admitted) const {
    return ExecPolicy(admitted.request.language, admitted.request.timeout_ms, deps_.config.max_exec_processes);
  }
  const JobRun::Deps& job_deps() const { return deps_; }

 private:
  JobRun::Deps deps_;
};

}  // namespace potluck::coordinator::api
