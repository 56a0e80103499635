#pragma once
// A single-consumer queue whose pop() suspends a coroutine until an item or
// close() arrives. Producers never block: everything runs on one executor
// (strand or single-threaded io_context), so no locking is needed.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <expected>
#include <optional>

namespace potluck::net {

template <class T>
class EventQueue {
 public:
  explicit EventQueue(boost::asio::any_io_executor executor)
      : timer_(executor, boost::asio::steady_timer::time_point::max()) {}

  void push(T item) {
    if (closed_) return;
    items_.push_back(std::move(item));
    timer_.cancel();
  }

  // After close() pending items are still delivered, then pop() yields nullopt.
  void close() {
    closed_ = true;
    timer_.cancel();
  }

  bool closed() const { return closed_; }
  std::size_t size() const { return items_.size(); }

  // Waits for the next item; nullopt once closed and drained.
  boost::asio::awaitable<std::optional<T>> pop() {
    while (items_.empty() && !closed_) {
      boost::system::error_code ec;
      timer_.expires_at(boost::asio::steady_timer::time_point::max());
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    if (items_.empty()) co_return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    co_return item;
  }

  enum class End { closed, timed_out };

  // Like pop(), but gives up at `deadline`.
  boost::asio::awaitable<std::expected<T, End>> pop_until(
      boost::asio::steady_timer::time_point deadline) {
    while (items_.empty() && !closed_) {
      if (boost::asio::steady_timer::clock_type::now() >= deadline)
        co_return std::unexpected(End::timed_out);
      boost::system::error_code ec;
      timer_.expires_at(deadline);
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    if (items_.empty()) co_return std::unexpected(End::closed);
    T item = std::move(items_.front());
    items_.pop_front();
    co_return item;
  }

  // The next item without waiting, or nullopt when none is queued.
  std::optional<T> try_pop() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  const T* front() const { return items_.empty() ? nullptr : &items_.front(); }

  // Takes everything queued now without waiting.
  std::deque<T> take_all() { return std::exchange(items_, {}); }

 private:
  boost::asio::steady_timer timer_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace potluck::net
