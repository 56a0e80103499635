#pragma once
// A way for money to enter and leave the ledger: invoices that consumers pay
// (top-ups) and invoices the coordinator pays (payouts). LND's REST API is
// the first implementation (lnd_rail.h). Hashes are 64 lowercase hex digits.
// Errors are text for an operator's log: they name what failed, never a
// credential.
#include "net/asio_fwd.h"

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

namespace potluck::payments {

struct CreatedInvoice {
  std::string payment_request;  // BOLT 11
  std::string payment_hash;
};

enum class InvoiceState { open, settled, canceled, accepted };

struct InvoiceStatus {
  std::string payment_hash;
  InvoiceState state = InvoiceState::open;
  std::int64_t amount_paid_sat = 0;
  std::int64_t settle_index = 0;  // the rail's order of settlements (0: not settled)
};

// unknown: the rail never started a payment for this hash (safe to send).
enum class PaymentState { unknown, in_flight, succeeded, failed };

struct PaymentStatus {
  PaymentState state = PaymentState::unknown;
  std::int64_t fee_sat = 0;
  std::string failure_reason;  // the rail's reason when failed
};

class PaymentRail {
 public:
  virtual ~PaymentRail() = default;

  virtual net::awaitable<std::expected<CreatedInvoice, std::string>> create_invoice(std::int64_t sats,
                                                                                     const std::string& memo,
                                                                                     std::int64_t expiry_s) = 0;
  virtual net::awaitable<std::expected<InvoiceStatus, std::string>> lookup_invoice(const std::string& payment_hash) = 0;
  // Calls `on_update` for each invoice added or settled from now on, and
  // first for each one settled after `settle_index`, until the stream ends;
  // returns why it ended. stop() ends it.
  virtual net::awaitable<std::string> subscribe_invoices(
      std::int64_t settle_index, const std::function<void(const InvoiceStatus&)>& on_update) = 0;
  // Sends a payment and follows it until it succeeds or fails (or until
  // `timeout_s` plus a margin: then in_flight). A hash the rail already
  // knows is not paid again: its current state is returned.
  virtual net::awaitable<std::expected<PaymentStatus, std::string>> pay_invoice(const std::string& invoice,
                                                                                std::int64_t fee_limit_sat,
                                                                                std::int64_t timeout_s) = 0;
  virtual net::awaitable<std::expected<PaymentStatus, std::string>> lookup_payment(
      const std::string& payment_hash) = 0;
  // Ends the open streams (shutdown).
  virtual void stop() = 0;
};

}  // namespace potluck::payments
