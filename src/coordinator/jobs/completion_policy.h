#pragma once
// Chat, completion and embedding jobs: held at their output budget
// (max_tokens or the coordinator's cap, times the answers asked for; none for
// embeddings) plus every request byte as an input token, billed by the
// node's reported tokens bounded by what was relayed (metering.h); an
// embedding's vectors are not output tokens and are never billed.
#include "coordinator/jobs/job_policy.h"

namespace potluck::coordinator {

class CompletionPolicy final : public JobPolicy {
 public:
  // `output_tokens`: the most the engine may write, all answers together
  // (CompletionRequest::held_output_tokens); `stream` whether the consumer
  // reads a stream.
  CompletionPolicy(protocol::JobKind kind, std::int64_t output_tokens, bool stream)
      : kind_(kind), output_tokens_(output_tokens), stream_(stream) {}

  protocol::JobKind kind() const override { return kind_; }
  bool node_streams() const override { return stream_; }
  WorstCase worst_case(const Registry& registry, const PricingPolicy& pricing, const Placement& placement,
                       std::int64_t request_bytes) const override;
  ApiError consumer_error(const protocol::Error& error) const override;
  bool node_at_fault(const protocol::Error& error) const override;
  bool times_node() const override { return true; }
  void bill(const JobTally& tally, const Candidate& ran_on, const Placement& placement,
            store::UsageEvent& event) const override;

 private:
  protocol::JobKind kind_;
  std::int64_t output_tokens_;
  bool stream_;
};

}  // namespace potluck::coordinator
