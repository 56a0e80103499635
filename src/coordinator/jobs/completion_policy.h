#pragma once
// Chat and completion jobs: held at max_tokens (or the coordinator's cap)
// output tokens plus every request byte as an input token, billed by the
// node's reported tokens bounded by what was relayed (metering.h).
#include "coordinator/jobs/job_policy.h"

namespace potluck::coordinator {

class CompletionPolicy final : public JobPolicy {
 public:
  // `max_tokens` as asked (0: not given, then `max_tokens_cap`); `stream`
  // whether the consumer reads a stream.
  CompletionPolicy(protocol::JobKind kind, std::int64_t max_tokens, std::int64_t max_tokens_cap, bool stream)
      : kind_(kind), max_tokens_(max_tokens > 0 ? max_tokens : max_tokens_cap), stream_(stream) {}

  protocol::JobKind kind() const override { return kind_; }
  bool node_streams() const override { return stream_; }
  WorstCase worst_case(const Registry& registry, const Placement& placement,
                       std::int64_t request_bytes) const override;
  ApiError consumer_error(const protocol::Error& error) const override;
  bool node_at_fault(const protocol::Error& error) const override;
  bool times_node() const override { return true; }
  void bill(const JobTally& tally, const Candidate& ran_on, const Placement& placement,
            store::UsageEvent& event) const override;

 private:
  protocol::JobKind kind_;
  std::int64_t max_tokens_;
  bool stream_;
};

}  // namespace potluck::coordinator
