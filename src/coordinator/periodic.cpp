#include "coordinator/periodic.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace potluck::coordinator {
namespace asio = boost::asio;

net::awaitable<void> repeat_every(std::chrono::milliseconds period, const bool& stopping,
                                  const PeriodicTask& task) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  const auto wait = std::max<std::chrono::milliseconds>(period, std::chrono::milliseconds(10));
  while (!stopping) {
    co_await task();
    timer.expires_after(wait);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace potluck::coordinator
