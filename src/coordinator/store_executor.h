#pragma once
// Runs store calls on the store's own thread, never on the network thread:
//   auto find = [id](store::Store& s) { return s.find_user(id); };
//   auto user = co_await store.call(find);
// Name the function first: g++ 12 destroys a temporary with a non-trivial
// destructor twice when it lives across a co_await in the same expression.
#include "coordinator/storage_health.h"
#include "store/store.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <optional>
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

  // One hop to the store thread and one back, compiled once (run(), in
  // store_executor.cpp): each call site instantiates only this small
  // coroutine, not Asio's post machinery for its own function and result
  // types, which had made every handler file slow to compile.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F, store::Store&>> call(const F& fn) {
    using R = std::invoke_result_t<F, store::Store&>;
    struct Call {
      const F& fn;
      std::optional<R> result;
    } pending{fn, std::nullopt};
    co_await run([](void* call, store::Store& s) {
      auto& c = *static_cast<Call*>(call);
      c.result.emplace(c.fn(s));
    }, &pending);
    notice_storage_trouble(*pending.result);
    co_return std::move(*pending.result);
  }

  // Lets queued calls finish, then stops the thread.
  void join() { pool_.wait(); }

  // What the calls' results say about writing (on the network thread).
  StorageHealth& health() { return health_; }
  const StorageHealth& health() const { return health_; }

 private:
  // Runs `work(call, store)` on the store's thread; the caller resumes on
  // the network thread. `call` lives in the caller's frame until then.
  using Work = void (*)(void* call, store::Store& store);
  boost::asio::awaitable<void> run(Work work, void* call);

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
