#pragma once
// Runs a job whose consumer waits on this connection, and gives the handler
// what to return to the server.
#include "coordinator/api/collect_sink.h"
#include "coordinator/api/connection_sink.h"
#include "coordinator/jobs/job_run.h"

namespace potluck::coordinator::api {

// Coroutine parameters are references (g++ 12 destroys a by-value parameter
// of a coroutine called inside co_await twice).
inline net::awaitable<std::optional<net::Response>> run_for_connection(const JobRun::Deps& deps,
                                                                      const JobPolicy& policy,
                                                                      ConnectionSink& sink, JobRun::Spec& spec) {
  JobRun run(deps, policy, sink, std::move(spec));
  co_await run.run();
  co_return sink.take_answer();
}

// A consumer who did not ask for a stream: `collector` gathers the output and
// its rendering is the answer.
inline net::awaitable<std::optional<net::Response>> run_collected(const JobRun::Deps& deps, const JobPolicy& policy,
                                                                 net::Exchange& exchange, ResultCollector& collector,
                                                                 JobRun::Spec& spec) {
  CollectSink sink(exchange, collector);
  auto answer = co_await run_for_connection(deps, policy, sink, spec);
  co_return answer;
}

}  // namespace potluck::coordinator::api
