#include "coordinator/store_executor.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace potluck::coordinator {

boost::asio::awaitable<void> StoreExecutor::run(Work work, void* call) {
  co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
      [this, work, call](auto handler) {
        boost::asio::post(pool_, [this, work, call, handler = std::move(handler)]() mutable {
          work(call, *store_);
          boost::asio::post(home_, std::move(handler));
        });
      },
      boost::asio::use_awaitable);
}

}  // namespace potluck::coordinator
