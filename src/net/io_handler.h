#pragma once
// The completion of one read or write, its type erased. Stream hands every
// read and write to the TCP or TLS layer with this one handler type, so the
// TLS engine's operations are compiled once (net/stream.cpp) instead of once
// per composed operation above them (HTTP, WebSocket, SSE), which had made
// each net/ object cost minutes to compile.
//
// asio::any_completion_handler would do, but in Boost 1.81 its associated
// executor cannot be required to be non-blocking, which Beast's operations
// ask of it; the real handler's executor converts to any_io_executor, which can.
#include "net/asio_fwd.h"

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace potluck::net {

class IoHandler {
 public:
  using executor_type = asio::any_io_executor;
  using cancellation_slot_type = asio::cancellation_slot;

  // `fallback`: the executor of the stream, for a handler that names none.
  template <class Handler>
  IoHandler(Handler&& handler, const asio::any_io_executor& fallback)
      : executor_(asio::get_associated_executor(handler, fallback)),
        slot_(asio::get_associated_cancellation_slot(handler)),
        target_(std::make_unique<Target<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}
  IoHandler(IoHandler&&) noexcept = default;
  IoHandler& operator=(IoHandler&&) noexcept = default;

  executor_type get_executor() const noexcept { return executor_; }
  cancellation_slot_type get_cancellation_slot() const noexcept { return slot_; }

  // Called once. The target is released before the real handler runs, as
  // Asio does, so that handler may start the next operation at once.
  void operator()(error_code ec, std::size_t bytes) {
    std::unique_ptr<Base> target = std::move(target_);
    target->complete(ec, bytes);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void complete(error_code ec, std::size_t bytes) = 0;
  };
  template <class Handler>
  struct Target final : Base {
    explicit Target(Handler h) : handler(std::move(h)) {}
    void complete(error_code ec, std::size_t bytes) override { std::move(handler)(ec, bytes); }
    Handler handler;
  };

  asio::any_io_executor executor_;
  asio::cancellation_slot slot_;
  std::unique_ptr<Base> target_;
};

}  // namespace potluck::net
