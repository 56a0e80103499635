#pragma once
// Exec jobs: held at the job's CPU-time limit at the dearest price per CPU
// second that could run it, billed by the CPU time the program used (from
// the node's result, or from its acknowledgement of a cancel), capped at
// what the run could have used (a larger report flags the node, as a token
// count above the relayed text does) and at the hold.
#include "coordinator/jobs/job_policy.h"

#include <string>

namespace potluck::coordinator {

class ExecPolicy final : public JobPolicy {
 public:
  // `max_processes`: the coordinator's bound on a node's process limit.
  ExecPolicy(std::string language, std::int64_t timeout_ms, std::int64_t max_processes)
      : language_(std::move(language)), timeout_ms_(timeout_ms), max_processes_(max_processes) {}

  protocol::JobKind kind() const override { return protocol::JobKind::exec; }
  // Output goes on as it is produced whatever the consumer asked: the node
  // never merges it.
  bool node_streams() const override { return true; }
  WorstCase worst_case(const Registry& registry, const PricingPolicy& pricing, const Placement& placement,
                       std::int64_t request_bytes) const override;
  ApiError consumer_error(const protocol::Error& error) const override;
  bool node_at_fault(const protocol::Error& error) const override;
  bool times_node() const override { return false; }
  bool bills_cancel_ack() const override { return true; }
  bool done_is_complete(const protocol::Done& done) const override { return done.exec.has_value(); }
  void bill(const JobTally& tally, const Candidate& ran_on, const Placement& placement,
            store::UsageEvent& event) const override;

  // The most CPU time the program can have used: each process it may run
  // busy for the whole run, as the coordinator timed it (from dispatch, so
  // never shorter than the program's own run).
  std::int64_t possible_cpu_ms(const JobTally& tally, const Candidate& ran_on) const;

 private:
  std::string language_;
  std::int64_t timeout_ms_;
  std::int64_t max_processes_;
};

}  // namespace potluck::coordinator
