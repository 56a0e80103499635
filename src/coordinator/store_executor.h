#pragma once
// Runs store calls on the store's own thread, never on the network thread:
// `auto user = co_await store.call([&](store::Store& s) { return s.find_user(id); });`
#include "store/store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <type_traits>

namespace potluck::coordinator {

class StoreExecutor {
 public:
  explicit StoreExecutor(std::unique_ptr<store::Store> store)
      : store_(std::move(store)), pool_(1) {}
  ~StoreExecutor() { join(); }

  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F, store::Store&>> call(F fn) {
    using R = std::invoke_result_t<F, store::Store&>;
    co_return co_await boost::asio::co_spawn(
        pool_.get_executor(),
        [this, fn = std::move(fn)]() mutable -> boost::asio::awaitable<R> { co_return fn(*store_); },
        boost::asio::use_awaitable);
  }

  // Lets queued calls finish, then stops the thread.
  void join() {
    pool_.wait();
  }

 private:
  std::unique_ptr<store::Store> store_;
  boost::asio::thread_pool pool_;
};

}  // namespace potluck::coordinator
