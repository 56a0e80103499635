#include "coordinator/ledger_check.h"

#include "common/log.h"
#include "store/store.h"

namespace potluck::coordinator {

net::awaitable<void> check_ledger(StoreExecutor& store, Metrics& metrics) {
  auto check = co_await store.call([](store::Store& s) { return s.ledger().check(); });
  ++metrics.ledger_checks;
  if (!check) {
    spdlog::warn("ledger check failed (will retry): {}", check.error().message);
    co_return;
  }
  metrics.ledger_drifted_accounts = check->drift_count;
  metrics.ledger_row_sum = check->total;
  if (check->balanced()) {
    spdlog::info("{}", store::summary(*check));
    co_return;
  }
  spdlog::error("{}", store::summary(*check));
  for (const auto& drift : check->drifts) spdlog::error("ledger drift: {}", store::describe(drift));
}

}  // namespace potluck::coordinator
