#include "coordinator/storage_health.h"

#include "common/log.h"
#include "coordinator/periodic.h"
#include "coordinator/store_executor.h"

namespace potluck::coordinator {

void StorageHealth::failed(std::string_view reason) {
  reason_ = reason;
  if (failing_) return;
  failing_ = true;
  since_ = std::chrono::steady_clock::now();
  spdlog::error("storage: writes fail ({}); writes are refused with 503 and /readyz is not ready until a "
                "write succeeds",
                reason);
}

void StorageHealth::recovered() {
  if (!failing_) return;
  failing_ = false;
  reason_.clear();
  const auto down = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since_);
  spdlog::warn("storage: writes work again after {} s", down.count());
}

net::awaitable<void> StorageHealth::run_checks(StoreExecutor& store, std::chrono::milliseconds interval,
                                               const bool& stopping) {
  const PeriodicTask check = [this, &store]() -> net::awaitable<void> {
    auto writable = [](store::Store& s) { return s.check_writable(); };
    auto written = co_await store.call(writable);  // a failure reaches failed() through the executor
    if (written) recovered();
  };
  co_await repeat_every(interval, stopping, check);
}

}  // namespace potluck::coordinator
