#pragma once
// Runs store calls on the store's own thread, never on the network thread:
//   auto find = [id](store::Store& s) { return s.find_user(id); };
//   auto user = co_await store.call(find);
// Name the function first: g++ 12 destroys a temporary with a non-trivial
// destructor twice when it lives across a co_await in the same expression.
#include "coordinator/storage_health.h"
#include "store/store.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <type_traits>

namespace potluck::coordinator {

template <class R>
struct is_store_result : std::false_type {};
template <class T>
struct is_store_result<store::Result<T>> : std::true_type {};

class StoreExecutor {
 public:
  // `home` is the network executor: results are delivered back on it.
  StoreExecutor(boost::asio::any_io_executor home, std::unique_ptr<store::Store> store)
      : home_(std::move(home)), store_(std::move(store)), pool_(1) {}
  ~StoreExecutor() { join(); }

  // Not a coroutine itself (no frame, no by-value coroutine parameter): the
  // call hops to the store thread with post, and the result hops back to the
  // network thread with post, so the awaiting coroutine only ever resumes on
  // its own thread.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F, store::Store&>> call(const F& fn) {
    using R = std::invoke_result_t<F, store::Store&>;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(R)>(
        [this](auto handler, F work) {
          boost::asio::post(pool_, [this, handler = std::move(handler), work = std::move(work)]() mutable {
            R result = work(*store_);
            boost::asio::post(home_, [this, handler = std::move(handler), result = std::move(result)]() mutable {
              notice_storage_trouble(result);
              std::move(handler)(std::move(result));
            });
          });
        },
        boost::asio::use_awaitable, fn);
  }

  // Lets queued calls finish, then stops the thread.
  void join() { pool_.wait(); }

  // What the calls' results say about writing (on the network thread).
  StorageHealth& health() { return health_; }
  const StorageHealth& health() const { return health_; }

 private:
  // Every call that met storage trouble tells the health, whoever made it.
  template <class R>
  void notice_storage_trouble(const R& result) {
    if constexpr (is_store_result<R>::value) {
      if (!result && result.error().kind == store::StoreError::Kind::storage_unavailable)
        health_.failed(result.error().message);
    }
  }

  boost::asio::any_io_executor home_;
  std::unique_ptr<store::Store> store_;
  boost::asio::thread_pool pool_;
  StorageHealth health_;
};

}  // namespace potluck::coordinator
