#pragma once
// Credits.
//   GET  /api/wallet?limit=&before=   the caller's balance and ledger history
//                                     (consumers and providers alike). Any key.
//   POST /api/admin/grants {user, amount}
//                                     credits to a user (id or email), amount in
//                                     credits ("12.5"). Admin only.
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class WalletHandler {
 public:
  explicit WalletHandler(StoreExecutor& store) : store_(store) {}

  net::awaitable<std::optional<net::Response>> wallet(net::Exchange& exchange, const Principal& caller);
  // `caller` is an admin (the router checked it).
  net::awaitable<std::optional<net::Response>> grant(net::Exchange& exchange, const Principal& caller);

 private:
  StoreExecutor& store_;
};

}  // namespace potluck::coordinator::api
