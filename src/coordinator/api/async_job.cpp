#include "coordinator/api/async_job.h"

namespace potluck::coordinator::api {
namespace {

JobEnding::How how_of(JobEnd end) {
  switch (end) {
    case JobEnd::cancelled: return JobEnding::How::cancelled;
    case JobEnd::timed_out: return JobEnding::How::timed_out;
    case JobEnd::failed: break;
  }
  return JobEnding::How::failed;
}

}  // namespace

net::awaitable<void> AsyncJobSink::complete(const protocol::Done& done, const protocol::Usage& billed) {
  const std::string result = collector_.render(done, billed);
  observer_->ended(JobEnding{JobEnding::How::completed, nullptr, result, billed.prompt_tokens,
                             billed.completion_tokens});
  co_return;
}

net::awaitable<void> AsyncJobSink::fail(const JobFailure& failure) {
  observer_->ended(JobEnding{how_of(failure.end), &failure.error, {}, failure.billed.prompt_tokens,
                             failure.billed.completion_tokens});
  co_return;
}

AsyncJob::AsyncJob(std::string payload_text, std::unique_ptr<JobPolicy> job_policy,
                   std::unique_ptr<ResultCollector> result_collector, std::shared_ptr<JobObserver> observer,
                   JobRun::Deps deps, JobRun::Spec spec)
    : payload(std::move(payload_text)),
      policy(std::move(job_policy)),
      collector(std::move(result_collector)),
      sink(*collector, std::move(observer)),
      run(deps, *policy, sink, (spec.payload = payload, std::move(spec))) {}

}  // namespace potluck::coordinator::api
