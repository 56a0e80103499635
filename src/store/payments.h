#pragma once
// Money entering and leaving the ledger over a payment rail (Lightning).
//   A top-up is an invoice the coordinator issued for a user; once the rail
//   reports it paid, `lightning` -> user:<id>, exactly once (the row's state
//   moves to settled in the same transaction as the transfer).
//   A payout is an invoice the user brought; its amount is held in
//   payout:<id> while the payment is in flight, then goes to `lightning`
//   (paid) or back to the user (failed), exactly once. A payout is
//   identified by its payment hash, so one invoice is never paid twice.
// Every step is audited: topup.created, topup.settled, payout.requested,
// payout.succeeded, payout.failed.
#include "store/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::store {

inline constexpr std::string_view kLightningAccount = "lightning";
std::string payout_account(std::string_view payout_id);

enum class TopupState { open, settled, expired };
enum class PayoutState { in_flight, succeeded, failed };
std::string_view to_string(TopupState state);
std::string_view to_string(PayoutState state);
std::optional<TopupState> topup_state_from(std::string_view text);
std::optional<PayoutState> payout_state_from(std::string_view text);

struct Topup {
  std::string id;
  std::string user_id;
  std::string payment_hash;  // hex
  std::string invoice;       // BOLT 11, shown to its user until paid
  std::int64_t sats = 0;
  std::int64_t amount = 0;  // micro-credits credited when paid
  TopupState state = TopupState::open;
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t expires_at = 0;
  std::int64_t settled_at = 0;  // 0: not settled
};

struct Payout {
  std::string id;
  std::string user_id;
  std::string payment_hash;  // hex
  std::string invoice;
  std::int64_t sats = 0;
  std::int64_t amount = 0;  // micro-credits debited
  PayoutState state = PayoutState::in_flight;
  std::int64_t fee_sat = 0;  // the route's fee, paid by the platform's node
  std::string failure;       // the rail's reason when failed
  std::int64_t created_at = 0;
  std::int64_t finished_at = 0;  // 0: in flight
};

// What a payout request must respect, checked in its transaction.
struct PayoutLimits {
  std::int64_t min_amount = 0;    // micro-credits
  std::int64_t max_per_day = 0;   // micro-credits over the last 24 hours, failed payouts excluded
};

class PaymentStore {
 public:
  virtual ~PaymentStore() = default;

  // Records an issued invoice; conflict: its hash is known. Audited.
  virtual Result<void> create_topup(const Topup& topup) = 0;
  // Credits a paid top-up once: true when this call credited it, false when
  // it was already settled; not_found for an unknown hash. `paid_sats` is
  // what the rail says was paid (credited at the top-up's rate). Audited.
  virtual Result<bool> settle_topup(const std::string& payment_hash, std::int64_t paid_sats, std::int64_t now) = 0;
  // Open top-ups past their expiry become expired (a late payment still
  // settles them). Returns how many.
  virtual Result<std::int64_t> expire_topups(std::int64_t now) = 0;
  // Unsettled top-ups created at or after `since` (reconciliation), oldest first.
  virtual Result<std::vector<Topup>> unsettled_topups(std::int64_t since, int limit) = 0;
  // The user's count of open top-ups (a bound on what one user may ask for).
  virtual Result<std::int64_t> open_topup_count(const std::string& user_id) = 0;

  // Holds the amount and records the payout, in one transaction, when the
  // balance covers it (insufficient), the amount reaches the minimum and the
  // day's total stays within the limit (invalid, with the figures), and the
  // hash was never paid out before (conflict). Audited.
  virtual Result<void> request_payout(const Payout& payout, const PayoutLimits& limits) = 0;
  // Ends an in-flight payout once: paid (the hold goes to `lightning`) or
  // failed (it goes back). True when this call ended it. Audited.
  virtual Result<bool> finish_payout(const std::string& payment_hash, PayoutState state, std::int64_t fee_sat,
                                     const std::string& failure, std::int64_t now) = 0;
  virtual Result<std::vector<Payout>> in_flight_payouts() = 0;

  // The user's own, newest first.
  virtual Result<std::vector<Topup>> list_topups(const std::string& user_id, int limit) = 0;
  virtual Result<std::vector<Payout>> list_payouts(const std::string& user_id, int limit) = 0;
  // not_found unless it is the user's.
  virtual Result<Topup> find_topup(const std::string& user_id, const std::string& id) = 0;
  virtual Result<Payout> find_payout(const std::string& user_id, const std::string& id) = 0;
};

}  // namespace potluck::store
