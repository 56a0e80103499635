#pragma once
// Moves money between a payment rail and the ledger (issue 21,
// docs/payments.md). Top-ups: an invoice is issued and recorded; the rail's
// settlement stream, and a reconciliation at start and every minute, credit
// each paid one exactly once (the store's state change decides). Payouts:
// the amount is held and the payout recorded before anything is sent; the
// payment is then followed until it succeeds or fails. After a crash, each
// in-flight payout asks the rail for the payment's state before sending
// again (the payment hash identifies it), so nothing is paid twice.
#include "common/api_error.h"
#include "common/clock.h"
#include "coordinator/config.h"
#include "coordinator/store_executor.h"
#include "payments/payment_rail.h"

#include <expected>
#include <memory>

namespace potluck::coordinator {

class PaymentService {
 public:
  // `rail` is null when settings.rail is none (every call answers 404).
  PaymentService(net::asio::any_io_executor executor, const PaymentSettings& settings, StoreExecutor& store,
                 std::unique_ptr<payments::PaymentRail> rail, const Clock& clock);
  ~PaymentService();

  bool enabled() const { return rail_ != nullptr; }
  const PaymentSettings& settings() const { return settings_; }

  // An invoice of `sats` for the user's wallet.
  net::awaitable<std::expected<store::Topup, ApiError>> create_topup(const std::string& user_id, std::int64_t sats);
  // Holds the invoice's amount and starts paying it; answers once it is
  // recorded (in flight).
  net::awaitable<std::expected<store::Payout, ApiError>> request_payout(const std::string& user_id,
                                                                        const std::string& invoice);

  // Reconciles with the rail, resumes in-flight payouts and follows the
  // settlement stream until stop().
  void start();
  void stop();

 private:
  net::awaitable<void> reconcile();
  net::awaitable<void> watch_settlements();
  net::awaitable<void> settle(std::string payment_hash, std::int64_t paid_sats);
  // Sends (unless `resume` finds the rail already has it) and follows the
  // payment until it ends, then settles the hold.
  net::awaitable<void> complete_payout(store::Payout payout, bool resume);
  net::awaitable<bool> wait(std::chrono::milliseconds duration);

  net::asio::any_io_executor executor_;
  PaymentSettings settings_;
  StoreExecutor& store_;
  std::unique_ptr<payments::PaymentRail> rail_;
  const Clock& clock_;
  bool stopping_ = false;
};

ApiError payments_disabled();

}  // namespace potluck::coordinator
