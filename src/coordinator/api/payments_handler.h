#pragma once
// Buying credits and paying them out over the payment rail (docs/payments.md).
//   POST /api/wallet/topups {amount | sats}  an invoice for the caller's wallet (201)
//   GET  /api/wallet/topups/{id}             one of the caller's top-ups (polled until paid)
//   POST /api/wallet/payouts {invoice}       pays the caller's invoice from their balance (202)
//   GET  /api/wallet/payouts/{id}            one of the caller's payouts
// With --payments none each answers 404 payments_disabled.
#include "coordinator/auth.h"
#include "coordinator/payments/payment_service.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class PaymentsHandler {
 public:
  PaymentsHandler(PaymentService& payments, StoreExecutor& store) : payments_(payments), store_(store) {}

  net::awaitable<std::optional<net::Response>> create_topup(net::Exchange& exchange, const Principal& caller);
  net::awaitable<std::optional<net::Response>> topup(const Principal& caller, const std::string& id);
  net::awaitable<std::optional<net::Response>> create_payout(net::Exchange& exchange, const Principal& caller);
  net::awaitable<std::optional<net::Response>> payout(const Principal& caller, const std::string& id);

 private:
  PaymentService& payments_;
  StoreExecutor& store_;
};

}  // namespace potluck::coordinator::api
