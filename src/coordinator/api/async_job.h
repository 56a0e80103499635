#pragma once
// An asynchronous job (POST /v1/jobs): no connection waits for it, so its
// sink tells a JobObserver (the job's record) how it goes, and its result is
// collected like a non-streamed answer. AsyncJob owns everything the run
// needs for the job's whole life, since the submitting request is answered
// (202) before the job runs.
#include "coordinator/api/result_collector.h"
#include "coordinator/jobs/job_run.h"

#include <memory>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

// How an asynchronous job ended, told to its observer once.
struct JobEnding {
  enum class How { completed, failed, cancelled, timed_out };
  How how = How::failed;
  const ApiError* error = nullptr;  // why not completed
  std::string_view result;          // the answer (JSON text), when completed
  std::int64_t prompt_tokens = 0;   // as billed
  std::int64_t completion_tokens = 0;
};

class JobObserver {
 public:
  virtual ~JobObserver() = default;
  virtual void assigned(const AssignedNode& node) = 0;  // dispatched to a node (again, on a retry)
  virtual void running() = 0;                              // its first chunk arrived
  virtual void ended(const JobEnding& ending) = 0;
};

class AsyncJobSink final : public JobSink {
 public:
  AsyncJobSink(ResultCollector& collector, std::shared_ptr<JobObserver> observer)
      : collector_(collector), observer_(std::move(observer)) {}

  bool streams() const override { return false; }
  bool attended() const override { return false; }
  void assigned(const AssignedNode& node) override { observer_->assigned(node); }
  void running() override { observer_->running(); }
  Delivery take(const protocol::Chunk& chunk) override { return collector_.take(chunk); }
  std::int64_t delivered_chunks() const override { return 0; }
  net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) override;
  net::awaitable<void> fail(const JobFailure& failure) override;

 private:
  ResultCollector& collector_;
  std::shared_ptr<JobObserver> observer_;
};

// The job's request, kind policy, collector, sink and run, kept together for
// as long as the job runs.
struct AsyncJob {
  AsyncJob(std::string payload, std::unique_ptr<JobPolicy> policy, std::unique_ptr<ResultCollector> collector,
           std::shared_ptr<JobObserver> observer, JobRun::Deps deps, JobRun::Spec spec);

  std::string payload;
  std::unique_ptr<JobPolicy> policy;
  std::unique_ptr<ResultCollector> collector;
  AsyncJobSink sink;
  JobRun run;
};

}  // namespace potluck::coordinator::api
