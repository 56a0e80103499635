#include "coordinator/credit_hold.h"

#include "common/credits.h"
#include "common/log.h"
#include "coordinator/store_error.h"

namespace potluck::coordinator {

net::awaitable<std::expected<void, ApiError>> CreditHold::take(const std::string& user_id, const std::string& job_id,
                                                         std::int64_t amount, const std::string_view& basis) {
  if (amount == 0) co_return std::expected<void, ApiError>{};
  const std::string payer = store::user_account(user_id);
  auto hold = [&payer, &job_id, amount](store::Store& s) { return s.ledger().hold(payer, job_id, amount); };
  auto held = co_await store_.call(hold);
  if (held) {
    payer_ = payer;
    job_id_ = job_id;
    held_ = amount;
    co_return std::expected<void, ApiError>{};
  }
  if (held.error().kind == store::StoreError::Kind::insufficient)
    co_return std::unexpected(ApiError::payment_required(
        "not enough credits: this request may cost up to " + format_credits(amount) + " credits (" +
        std::string(basis) + ") and that much is held until it finishes; see GET /api/wallet"));
  co_return std::unexpected(store_error(held.error(), "credit hold"));
}

net::awaitable<void> CreditHold::release() {
  if (held_ == 0) co_return;
  const store::Settlement release{payer_, held_, 0, "", 0};
  auto settle = [&release, this](store::Store& s) { return s.ledger().settle(job_id_, release); };
  auto settled = co_await store_.call(settle);
  if (!settled) spdlog::error("job {}: could not release its hold: {}", job_id_, settled.error().message);
  held_ = 0;
}

std::optional<store::Settlement> CreditHold::settlement(std::int64_t charged, const std::string& provider) const {
  if (held_ == 0) return std::nullopt;
  return store::Settlement{payer_, held_, charged, provider, pricing_.fee_of(charged)};
}

}  // namespace potluck::coordinator
