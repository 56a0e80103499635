#pragma once
// Usage retention: raw usage events older than the retention are folded into
// daily aggregates (usage_daily) and deleted. The coordinator runs it at
// start and then every interval; time comes from an injectable Clock so
// tests can move it.
#include "common/clock.h"
#include "coordinator/store_executor.h"
#include "net/asio_fwd.h"
#include "store/usage.h"

#include <chrono>

namespace potluck::coordinator {

class UsageRetention {
 public:
  UsageRetention(const Clock& clock, std::chrono::days keep) : clock_(clock), keep_(keep) {}

  // Events before this instant (Unix ms) are folded.
  std::int64_t cutoff_ms() const;

  // One run, on the store's thread: one transaction.
  store::Result<store::UsageFold> run(store::Store& store) const;

  // Runs now and then every `interval` until `stopping` is set.
  net::awaitable<void> run_every(StoreExecutor& store, std::chrono::seconds interval, const bool& stopping) const;

 private:
  const Clock& clock_;
  std::chrono::days keep_;
};

}  // namespace potluck::coordinator
