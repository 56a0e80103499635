#pragma once
// What differs between kinds of job, for JobRun: how the worst case is held
// before dispatch, how a node's error reads to the consumer and whether it
// counts against the node, and what the usage event records and costs. One
// small policy per kind: CompletionPolicy (chat, completion) and ExecPolicy.
#include "common/api_error.h"
#include "coordinator/metering.h"
#include "coordinator/placement.h"
#include "protocol/exec.h"
#include "protocol/frames.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace potluck::coordinator {

class Registry;
struct PricingPolicy;

// What a run saw of its job, the basis of its bill.
struct JobTally {
  RelayRecord relay;                          // bytes relayed and delivered, the node's report
  std::optional<protocol::ExecResult> exec;   // exec jobs: how the program ended (done)
  std::optional<std::int64_t> cancelled_cpu_ms;  // exec jobs: CPU used before a cancel, as acknowledged
  std::int64_t wall_ms = 0;  // from dispatch to its current node to the end, as the coordinator saw it
};

class JobPolicy {
 public:
  virtual ~JobPolicy() = default;

  virtual protocol::JobKind kind() const = 0;
  // Whether the node streams its output (false: one merged chunk per choice).
  virtual bool node_streams() const = 0;

  struct WorstCase {
    std::int64_t amount = 0;  // micro-credits held before dispatch
    std::string_view basis;   // how it was reckoned, for the 402's message
  };
  // At the dearest node that could take the job, so a retry is covered too;
  // with no such node online (an asynchronous job that waits for one), at the
  // highest price the placement allows, so the node that runs it is paid.
  virtual WorstCase worst_case(const Registry& registry, const PricingPolicy& pricing, const Placement& placement,
                               std::int64_t request_bytes) const = 0;

  // A node's error as the consumer sees it, when nothing was streamed yet.
  virtual ApiError consumer_error(const protocol::Error& error) const = 0;
  // Whether the error says something about the node (a consumer's bad
  // request, a cancel or a slow reader does not).
  virtual bool node_at_fault(const protocol::Error& error) const = 0;
  // Whether a success feeds the node's time-to-first-token and latency
  // averages (a program's run time says nothing about the node).
  virtual bool times_node() const = 0;
  // Whether a cancelled job waits for the node's acknowledgement before it
  // is billed (exec: the acknowledgement reports the CPU time used).
  virtual bool bills_cancel_ack() const { return false; }

  // Whether a done frame carries what the kind needs (exec: the program's result).
  virtual bool done_is_complete(const protocol::Done& done) const { (void)done; return true; }

  // Fills the usage event's kind-specific fields, its token or CPU counts
  // and its cost at `ran_on`'s price (before the cap at the hold).
  virtual void bill(const JobTally& tally, const Candidate& ran_on, const Placement& placement,
                    store::UsageEvent& event) const = 0;
};

}  // namespace potluck::coordinator
