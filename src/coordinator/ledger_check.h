#pragma once
// The ledger proves itself while the coordinator runs: at start and then
// every --ledger-check-interval-h, on the store's thread, every kept balance
// is compared with the sum of its account's rows and all rows with zero. A
// difference is logged as an error naming the accounts (ids and amounts only)
// and shown in /metrics; it is never repaired silently.
#include "coordinator/metrics.h"
#include "coordinator/store_executor.h"
#include "net/asio_fwd.h"

namespace potluck::coordinator {

// One check; updates the metrics and logs the outcome.
net::awaitable<void> check_ledger(StoreExecutor& store, Metrics& metrics);

}  // namespace potluck::coordinator
