#pragma once
// Runs one consumer request as a job: hold its worst-case cost, dispatch to a
// node, re-dispatch before the first chunk if the node fails, relay chunks
// (SSE) or collect them (non-streamed), and end with exactly one usage event
// that carries the job's settlement. The answer goes to the consumer's
// connection, or, for an asynchronous job (POST /v1/jobs), which no
// connection waits for, to a JobObserver (the job's record).
#include "coordinator/api/openai_request.h"
#include "coordinator/api/openai_response.h"
#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/credit_hold.h"
#include "coordinator/dispatch_queue.h"
#include "coordinator/job.h"
#include "coordinator/metering.h"
#include "coordinator/metrics.h"
#include "coordinator/placement.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"
#include "coordinator/store_executor.h"
#include "coordinator/usage_recorder.h"
#include "net/http_server.h"
#include "net/sse.h"

#include <set>

namespace potluck::coordinator::api {

// How an asynchronous job ended, told to its observer once.
struct JobEnding {
  enum class How { completed, failed, cancelled, timed_out };
  How how = How::failed;
  const ApiError* error = nullptr;  // why not completed
  std::string_view result;          // the OpenAI response object, when completed
  std::int64_t prompt_tokens = 0;   // as billed
  std::int64_t completion_tokens = 0;
};

class JobObserver {
 public:
  virtual ~JobObserver() = default;
  virtual void assigned(const std::string& node_id) = 0;  // dispatched to a node (again, on a retry)
  virtual void running() = 0;                              // its first chunk arrived
  virtual void ended(const JobEnding& ending) = 0;
};

class JobRelay {
 public:
  // The consumer's connection is watched for a hang-up (which cancels the
  // job on its node) from this long after the job started; an earlier
  // hang-up is noticed then. Jobs that end sooner never pay for the watch.
  static constexpr std::chrono::milliseconds kWatchClientAfter{200};

  struct Deps {
    const CoordinatorConfig& config;
    Registry& registry;
    Metrics& metrics;
    UsageRecorder& usage;
    StoreExecutor& store;
    const PricingPolicy& pricing;
    DispatchQueue& queue;
  };

  JobRelay(Deps deps, net::Exchange& exchange, Principal principal, CompletionRequest request,
           Placement placement);
  // An asynchronous job: `body` is its request (not streamed); it waits up to
  // the claim timeout for a node, in line at `priority`.
  struct Detached {
    std::string id;
    std::string body;
    Priority priority = Priority::normal;
    std::shared_ptr<JobObserver> observer;
  };
  JobRelay(Deps deps, Detached job, Principal principal, CompletionRequest request, Placement placement);

  net::awaitable<std::optional<net::Response>> run();  // reserve(), then run_reserved()
  // Creates the job and holds its cost; an error (402) if it cannot.
  net::awaitable<std::optional<ApiError>> reserve();
  // Dispatches and relays the reserved job to its end.
  net::awaitable<std::optional<net::Response>> run_reserved();
  // Asynchronous jobs: stops the job whether it waits in line or runs.
  void cancel();
  const std::string& id() const { return job_->id; }

 private:
  // Takes the worst-case cost into escrow; an error (402) if it cannot.
  net::awaitable<std::optional<ApiError>> hold_credits();
  // Dispatches, waiting in line for a free slot if need be; an error (503)
  // when no node is online, the line is full or no slot freed up in time.
  net::awaitable<std::optional<ApiError>> wait_for_slot(std::chrono::steady_clock::time_point deadline);
  bool dispatch();  // to the best node not tried yet; false if none
  // Tells the current node's health how its attempt went.
  void report_health(const protocol::Error* error);
  void watch_client();
  void stop_watching_client();
  // Handles one event; returns false when the job is over.
  // Coroutine parameters are references throughout: g++ 12 destroys a
  // by-value parameter of a coroutine called inside co_await twice.
  net::awaitable<bool> on_event(JobEvent& event);
  net::awaitable<bool> on_chunk(const protocol::Chunk& chunk);
  net::awaitable<bool> on_done(const protocol::Done& done);
  net::awaitable<bool> on_error(const protocol::Error& error);
  net::awaitable<void> fail(const ApiError& error, const store::UsageStatus& status, const store::FailureCode& code);
  net::awaitable<bool> flush();
  net::awaitable<void> finish_stream();  // flush, then end the chunked body
  void end_job(bool cancel_on_node);
  void record(store::UsageStatus status, std::optional<store::FailureCode> error_code);
  bool stream_started() const { return sse_ && sse_->started(); }
  void tell_observer(const std::optional<ApiError>& no_slot);

  Deps deps_;
  net::Exchange* exchange_;  // null for an asynchronous job
  std::string job_id_;       // an asynchronous job's id, chosen by its submitter
  std::string owned_body_;   // an asynchronous job's request
  std::string_view body_;    // the request as sent to the node
  Priority priority_ = Priority::normal;
  std::shared_ptr<JobObserver> observer_;  // asynchronous jobs only
  std::shared_ptr<DispatchQueue::Ticket> ticket_;  // while waiting in line
  bool cancelled_ = false;
  std::optional<ApiError> failure_;   // why the job did not complete
  std::optional<store::UsageStatus> recorded_status_;  // the usage event's status, once recorded
  Principal principal_;
  CompletionRequest request_;
  Placement placement_;
  std::shared_ptr<Job> job_;
  ResponseFormat format_;
  NodeLink* node_ = nullptr;
  Candidate current_;        // node, model and price of the current attempt (node may be gone)
  std::string provider_;     // the current node's owner, paid for the work
  CreditHold hold_;          // micro-credits in escrow for this job
  RelayRecord relay_;
  std::int64_t pending_chunks_ = 0;  // relayed, not yet written to the consumer
  std::set<std::string> tried_;
  int attempts_ = 0;
  std::uint64_t chunks_ = 0;
  protocol::Usage usage_;
  std::optional<net::SseWriter> sse_;  // only with a connection
  std::string out_;  // SSE bytes not yet written
  std::optional<net::Response> response_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point first_chunk_;
  bool client_gone_ = false;
  bool recorded_ = false;
};

}  // namespace potluck::coordinator::api
