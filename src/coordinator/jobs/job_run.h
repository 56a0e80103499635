#pragma once
// One job's whole life, for every kind (chat, completion, exec) and every
// consumer (a connection or an asynchronous job's record): hold its worst
// case, wait in the dispatch line for a free slot, dispatch to a node, retry
// elsewhere before the first output, deliver the output to its JobSink,
// meter, settle and record exactly one usage event. What differs by kind is
// the JobPolicy's; what differs by consumer is the sink's. Nothing here
// touches a socket.
#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/credit_hold.h"
#include "coordinator/dispatch_queue.h"
#include "coordinator/job.h"
#include "coordinator/jobs/job_policy.h"
#include "coordinator/jobs/job_sink.h"
#include "coordinator/metrics.h"
#include "coordinator/placement.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"
#include "coordinator/store_executor.h"
#include "coordinator/usage_recorder.h"

#include <expected>
#include <set>
#include <string>
#include <string_view>

namespace potluck::coordinator {

class JobRun {
 public:
  // A consumer's connection is watched for a hang-up (which cancels the job
  // on its node) from this long after the job started; an earlier hang-up
  // is noticed then. Jobs that end sooner never pay for the watch.
  static constexpr std::chrono::milliseconds kWatchClientAfter{200};
  // How long a cancelled job whose bill depends on the node's
  // acknowledgement (exec: the CPU time used) waits for it.
  static constexpr std::chrono::milliseconds kCancelAckWait{2000};

  struct Deps {
    const CoordinatorConfig& config;
    Registry& registry;
    Metrics& metrics;
    UsageRecorder& usage;
    StoreExecutor& store;
    const PricingPolicy& pricing;
    DispatchQueue& queue;
  };

  struct Spec {
    std::string id;            // empty: one is made (a new job_... id)
    Principal principal;       // who pays and whose caps apply
    Placement placement;       // where the job may run
    std::string_view payload;  // the request as sent to the node; outlives the run
    Priority priority = Priority::normal;
  };

  JobRun(Deps deps, const JobPolicy& policy, JobSink& sink, Spec spec);

  // reserve(), then run_reserved(); a refusal goes to the sink like any end.
  net::awaitable<void> run();
  // Holds the job's worst case; a 402 (or a storage error) if it cannot.
  // Nothing is told to the sink.
  net::awaitable<std::expected<void, ApiError>> reserve();
  // Runs the reserved job to its end, which goes to the sink.
  net::awaitable<void> run_reserved();
  // Stops the job whether it waits in line or runs (an asynchronous job's
  // DELETE): it ends cancelled.
  void cancel();

  const std::string& id() const { return spec_.id; }

 private:
  // How the job ended, decided once; everything after it (node, bill,
  // record, sink) follows from it.
  struct Ending {
    store::UsageStatus status = store::UsageStatus::error;  // the usage event's status
    std::optional<store::FailureCode> code;                 // the usage event's error code; none when ok
    std::optional<ApiError> error; // what the consumer is told; none when completed
    JobEnd end = JobEnd::failed;
    bool cancel_on_node = false;
    std::optional<protocol::Done> done;  // when completed
  };

  net::awaitable<std::expected<void, ApiError>> wait_for_slot();
  std::expected<void, ApiError> refusal_while_waiting(std::chrono::steady_clock::time_point give_up) const;
  // When the consumer of a stream, still waiting for its first output, is
  // next sent a keep-alive (time_point::max(): never).
  void arm_keep_alive();
  // Sends the keep-alive if it is due and re-arms it.
  net::awaitable<JobSink::Delivery> keep_alive_if_due();
  bool dispatch();  // to the best node not tried yet; false if none
  net::awaitable<Ending> relay();
  // Handles one event; an Ending when the job is over.
  net::awaitable<std::optional<Ending>> on_event(JobEvent& event);
  net::awaitable<std::optional<Ending>> on_chunk(const protocol::Chunk& chunk);
  std::optional<Ending> on_done(const protocol::Done& done);
  std::optional<Ending> on_error(const protocol::Error& error);
  static Ending failed(const ApiError& error, store::UsageStatus status, store::FailureCode code,
                       bool cancel_on_node);
  Ending consumer_gone(JobSink::Delivery why) const;
  Ending unanswered();
  net::awaitable<void> wait_for_cancel_ack();
  void leave_node(bool cancel_on_node);
  // The node's usage report passed the relayed bound: counted on its live
  // link, which may suspend it from the public pool.
  void note_mismatch();
  // Flow control: `cost` more of the job's output reached its consumer (a
  // streaming sink's write went out, a collecting sink took it); the node
  // gets it back as credit once a quarter of its window has gathered.
  void consumed(std::int64_t cost);
  void report_health(const protocol::Error* error);
  store::UsageEvent record(const Ending& ending);
  net::awaitable<void> tell_sink(const Ending& ending, const store::UsageEvent& event);

  Deps deps_;
  const JobPolicy& policy_;
  JobSink& sink_;
  Spec spec_;
  std::shared_ptr<Job> job_;
  CreditHold hold_;
  std::shared_ptr<DispatchQueue::Ticket> ticket_;  // while waiting in line
  NodeLink* node_ = nullptr;  // the current attempt's node, until it is left
  Candidate current_;         // node, model and price of the current attempt (node may be gone)
  std::string provider_;      // the current node's owner, paid for the work
  std::set<std::string> tried_;
  int attempts_ = 0;
  std::uint64_t chunks_ = 0;
  std::int64_t unflushed_cost_ = 0;  // taken by a streaming sink, not written yet
  std::int64_t uncredited_ = 0;      // reached the consumer, not yet credited to the node
  std::int64_t window_ = 0;          // the current node's per-job window; 0: no flow control
  JobTally tally_;
  bool cancelled_ = false;  // by the owner (asynchronous jobs)
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point dispatched_;  // when the job went to its current node
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point first_chunk_;
  std::chrono::steady_clock::time_point keep_alive_at_ = std::chrono::steady_clock::time_point::max();
};

}  // namespace potluck::coordinator
