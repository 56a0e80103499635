#include "coordinator/retention.h"

#include "store/usage.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace potluck::coordinator {
namespace asio = boost::asio;

std::int64_t UsageRetention::cutoff_ms() const {
  return clock_.unix_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(keep_).count();
}

store::Result<store::UsageFold> UsageRetention::run(store::Store& store) const {
  return store.usage().fold_before(cutoff_ms());
}

net::awaitable<void> UsageRetention::run_every(StoreExecutor& store, std::chrono::seconds interval,
                                               const bool& stopping) const {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  // A zero interval would spin; the flag's check keeps it positive anyway.
  const auto period = std::max(interval, std::chrono::seconds(1));
  while (!stopping) {
    auto fold = [this](store::Store& s) { return run(s); };
    auto folded = co_await store.call(fold);
    if (!folded)
      spdlog::warn("usage retention failed (will retry): {}", folded.error().message);
    else if (folded->events > 0)
      spdlog::info("usage retention: folded {} events older than {} days into {} daily rows",
                   folded->events, keep_.count(), folded->daily_rows);
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace potluck::coordinator
