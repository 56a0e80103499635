#pragma once
// Credits held in escrow for one job, from before dispatch until it ends:
// taken when the job is accepted (402 when the payer's balance cannot cover
// the worst case), then either settled with the job's usage event (its real
// cost, capped at the hold: the provider paid, the platform's fee, the rest
// back) or released on its own when the job never ran. Used by JobRun for
// every kind of job.
#include "common/api_error.h"
#include "coordinator/pricing.h"
#include "coordinator/store_executor.h"
#include "net/asio_fwd.h"

#include <algorithm>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace potluck::coordinator {

class CreditHold {
 public:
  CreditHold(StoreExecutor& store, const PricingPolicy& pricing) : store_(store), pricing_(pricing) {}

  // Moves `amount` from the user's wallet into the job's escrow (nothing when
  // 0). `basis` says how the worst case was reckoned, for the 402's message.
  // Coroutine parameters are references (g++ 12, see job_relay.h).
  net::awaitable<std::expected<void, ApiError>> take(const std::string& user_id, const std::string& job_id,
                                               std::int64_t amount, const std::string_view& basis);
  // Gives the whole hold back: for a job that ends without a usage event.
  net::awaitable<void> release();

  std::int64_t held() const { return held_; }
  // What a job that cost `cost` is charged: never more than was held.
  std::int64_t charge(std::int64_t cost) const { return std::min(held_, cost); }
  // How the hold settles when the job was charged `charged` (see charge) and
  // `provider` (an account; empty: none) did the work. None when nothing is held.
  std::optional<store::Settlement> settlement(std::int64_t charged, const std::string& provider) const;

 private:
  StoreExecutor& store_;
  const PricingPolicy& pricing_;
  std::string payer_;   // user:<id>
  std::string job_id_;
  std::int64_t held_ = 0;
};

}  // namespace potluck::coordinator
