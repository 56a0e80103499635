#include "coordinator/storage_health.h"

#include "coordinator/store_executor.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

namespace potluck::coordinator {
namespace asio = boost::asio;

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
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  const auto period = std::max(interval, std::chrono::milliseconds(10));
  while (!stopping) {
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping) break;
    auto check = [](store::Store& s) { return s.check_writable(); };
    auto written = co_await store.call(check);  // a failure reaches failed() through the executor
    if (written) recovered();
  }
}

}  // namespace potluck::coordinator
