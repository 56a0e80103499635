#pragma once
// Exec jobs: held at the job's CPU-time limit at the dearest price per CPU
// second that could run it, billed by the CPU time the program used (from
// the node's result, or from its acknowledgement of a cancel), capped at
// the hold since several processes may each use the limit.
#include "coordinator/jobs/job_policy.h"

#include <string>

namespace potluck::coordinator {

class ExecPolicy final : public JobPolicy {
 public:
  ExecPolicy(std::string language, std::int64_t timeout_ms)
      : language_(std::move(language)), timeout_ms_(timeout_ms) {}

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

 private:
  std::string language_;
  std::int64_t timeout_ms_;
};

}  // namespace potluck::coordinator
