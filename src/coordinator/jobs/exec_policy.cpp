#include "coordinator/jobs/exec_policy.h"

#include "coordinator/jobs/node_loss.h"
#include "coordinator/pricing.h"
#include "coordinator/registry.h"

#include <algorithm>

namespace potluck::coordinator {
namespace {

// 128 + signal for a killed program, as a shell reports it.
std::int64_t exit_status(const protocol::ExecResult& r) { return r.signal > 0 ? 128 + r.signal : r.exit_code; }

}  // namespace

JobPolicy::WorstCase ExecPolicy::worst_case(const Registry& registry, const PricingPolicy& pricing,
                                            const Placement& placement, std::int64_t request_bytes) const {
  (void)request_bytes;
  if (auto price = registry.max_cpu_price(placement))
    return {exec_worst_case_cost(*price, timeout_ms_), "timeout_ms as CPU seconds x price per CPU second"};
  return {exec_worst_case_cost(pricing.exec_max_price, timeout_ms_),
          "timeout_ms as CPU seconds x the highest price allowed, as no node that fits is online yet"};
}

ApiError ExecPolicy::consumer_error(const protocol::Error& error) const {
  using protocol::ErrorCode;
  if (error.code == ErrorCode::timeout) return ApiError::timeout("the node did not finish the job in time");
  if (error.code == ErrorCode::bad_request) return ApiError::bad_request("the node refused the request as malformed");
  if (auto lost = lost_with_node(error)) return *lost;
  if (error.retryable)
    return ApiError{503, "server_error", "no_capacity", "no node could run the program; try again later", 2};
  return ApiError{502, "server_error", std::string(protocol::to_string(error.code)),
                  "the node failed to run the program"};
}

// A program that runs into its deadline, a malformed request, a cancel or a
// slow reader are the consumer's doing; a sandbox or node failure is not.
bool ExecPolicy::node_at_fault(const protocol::Error& error) const {
  using protocol::ErrorCode;
  return !(error.code == ErrorCode::timeout || error.code == ErrorCode::bad_request ||
           error.code == ErrorCode::cancelled || error.code == ErrorCode::consumer_too_slow);
}

// Priced by the CPU time used, capped at what the run could have used and
// (by the run) at the hold: several processes may each use up to the CPU
// limit. A job with no report of its CPU time (no result, no acknowledged
// cancel) costs nothing.
void ExecPolicy::bill(const JobTally& tally, const Candidate& ran_on, const Placement& placement,
                      store::UsageEvent& event) const {
  (void)placement;
  event.kind = "exec";
  event.language = language_;
  std::optional<std::int64_t> cpu_ms = tally.cancelled_cpu_ms;
  if (tally.exec) {
    cpu_ms = tally.exec->cpu_ms;
    event.exit_code = exit_status(*tally.exec);
  }
  if (!cpu_ms) return;
  const std::int64_t possible = possible_cpu_ms(tally, ran_on);
  if (*cpu_ms < 0 || *cpu_ms > possible) {
    event.usage_mismatch = true;
    cpu_ms = std::clamp<std::int64_t>(*cpu_ms, 0, possible);
  }
  event.cpu_ms = *cpu_ms;
  event.cost = exec_cost_of(ran_on.cpu_price, *cpu_ms);
}

std::int64_t ExecPolicy::possible_cpu_ms(const JobTally& tally, const Candidate& ran_on) const {
  const std::int64_t said = ran_on.exec_max_processes > 0 ? ran_on.exec_max_processes : max_processes_;
  // A millisecond more: both clocks round down.
  return (tally.wall_ms + 1) * std::min(said, max_processes_);
}

}  // namespace potluck::coordinator
