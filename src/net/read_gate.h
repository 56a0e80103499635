#pragma once
// Lets the owner of a stream pause whoever reads it: the reader awaits
// wait_open() before each read, and the owner closes the gate while what is
// read would have nowhere to go. A reader that stops reading leaves the data
// in the socket, so TCP's own backpressure reaches the sender. Everything
// runs on one executor: no locking.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace potluck::net {

class ReadGate {
 public:
  explicit ReadGate(boost::asio::any_io_executor executor)
      : timer_(std::move(executor), boost::asio::steady_timer::time_point::max()) {}

  bool is_open() const { return open_ || released_; }
  void open() {
    open_ = true;
    timer_.cancel();
  }
  // No effect once released.
  void close() { open_ = false; }
  // Open for good (the stream is being torn down): a paused reader goes on
  // and finds out why.
  void release() {
    released_ = true;
    timer_.cancel();
  }

  boost::asio::awaitable<void> wait_open() {
    while (!is_open()) {
      boost::system::error_code ec;  // cancelled: opened
      timer_.expires_at(boost::asio::steady_timer::time_point::max());
      co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
  }

 private:
  boost::asio::steady_timer timer_;
  bool open_ = true;
  bool released_ = false;
};

}  // namespace potluck::net
