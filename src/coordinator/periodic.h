#pragma once
// A background task that runs now and then once per period until the
// coordinator stops (retention, the ledger check, the storage check).
#include "net/asio_fwd.h"

#include <chrono>
#include <functional>

namespace potluck::coordinator {

using PeriodicTask = std::function<net::awaitable<void>()>;

// Runs `task` now and then every `period` (at least 10 ms, so a zero period
// cannot spin) until `stopping` is set. `task` and `stopping` must outlive
// the coroutine.
net::awaitable<void> repeat_every(std::chrono::milliseconds period, const bool& stopping,
                                  const PeriodicTask& task);

}  // namespace potluck::coordinator
