#pragma once
// The admin's pricing rules for the public pool: bounds on what a node may
// ask (per million tokens, in micro-credits) and the platform's fee. Nodes
// announce prices in hello; the coordinator clamps them into the bounds.
// Jobs inside one's own cluster are free and never priced.
#include "protocol/frames.h"
#include "store/ledger.h"
#include "store/store.h"

#include <cstdint>
#include <expected>
#include <string>

namespace potluck::coordinator {

struct PricingPolicy {
  std::int64_t min_price = 0;                 // micro-credits per million tokens
  std::int64_t max_price = 1'000'000'000;     // 1,000 credits per million tokens
  int fee_percent = 5;                        // of every charge, to the platform account

  protocol::Price clamp(protocol::Price asked) const;
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

}  // namespace potluck::coordinator
