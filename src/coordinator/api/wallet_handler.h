#pragma once
// Credits.
//   GET  /api/wallet?limit=&before=   the caller's balance and ledger history
//                                     (consumers and providers alike), the
//                                     payment rail's settings and the caller's
//                                     latest top-ups and payouts. Any key.
//   POST /api/admin/grants {user, amount}
//                                     credits to a user (id or email), amount in
//                                     credits ("12.5"). Admin only.
#include "coordinator/auth.h"
#include "coordinator/payments/payment_service.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class WalletHandler {
 public:
  WalletHandler(StoreExecutor& store, const PaymentService& payments) : store_(store), payments_(payments) {}

  net::awaitable<std::optional<net::Response>> wallet(net::Exchange& exchange, const Principal& caller);
  // `caller` is an admin (the router checked it).
  net::awaitable<std::optional<net::Response>> grant(net::Exchange& exchange, const Principal& caller);

 private:
  StoreExecutor& store_;
  const PaymentService& payments_;
};

}  // namespace potluck::coordinator::api
