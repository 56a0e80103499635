#pragma once
// The admin's pricing rules for the public pool: bounds on what a node may
// ask (per million tokens, and per CPU second of exec, in micro-credits) and
// the platform's fee. Nodes announce prices in hello; the coordinator clamps
// them into the bounds. Jobs inside one's own cluster are free and never priced.
#include "protocol/frames.h"
#include "store/ledger.h"
#include "store/store.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace potluck::coordinator {

struct PricingPolicy {
  std::int64_t min_price = 0;                 // micro-credits per million tokens
  std::int64_t max_price = 1'000'000'000;     // 1,000 credits per million tokens
  int fee_percent = 5;                        // of every charge, to the platform account
  std::int64_t exec_min_price = 0;             // micro-credits per CPU second
  std::int64_t exec_max_price = 1'000'000'000; // 1,000 credits per CPU second

  protocol::Price clamp(protocol::Price asked) const;
  std::int64_t clamp_exec(std::int64_t asked) const;
  // The highest price a node may be paid per million tokens: the tier's
  // band when a tier is named, within the bounds.
  protocol::Price highest_allowed(const std::optional<store::Tier>& tier) const;
  std::int64_t fee_of(std::int64_t cost) const { return cost * fee_percent / 100; }

  // Read from the store's settings (defaults where unset) / written back.
  static PricingPolicy load(store::Store& store);
  store::Result<void> save(store::Store& store, const std::string& actor_id) const;
  std::expected<void, std::string> validate() const;
};

// Upper bound of a job's cost before it runs: every byte of the request
// counted as an input token (a token is at least one byte) plus max_tokens
// output tokens. Rounded up to whole micro-credits.
std::int64_t worst_case_cost(protocol::Price price, std::int64_t request_bytes, std::int64_t max_tokens);
// The cost of the tokens actually used. Rounded up.
std::int64_t cost_of(protocol::Price price, std::int64_t prompt_tokens, std::int64_t completion_tokens);

// Upper bound of an exec job's cost before it runs: its CPU limit at
// `cpu_second_price`. The sandbox limits each process to the wall-clock limit
// rounded up to whole seconds (RLIMIT_CPU); `timeout_ms` 0 means the largest
// limit a node may apply. Several processes can each use that much, so the
// real cost is capped at this hold, never the other way round.
std::int64_t exec_worst_case_cost(std::int64_t cpu_second_price, std::int64_t timeout_ms);
// The cost of the CPU time a program used. Rounded up.
std::int64_t exec_cost_of(std::int64_t cpu_second_price, std::int64_t cpu_ms);

}  // namespace potluck::coordinator
