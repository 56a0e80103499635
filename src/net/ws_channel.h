#pragma once
// A WebSocket carrying JSON text frames, used by both ends of the node link.
// Reads are done by one coroutine (the owner's loop); writes are queued and
// sent in order by a writer coroutine, so any code may call send() at any time.
#include "net/asio_fwd.h"
#include "net/fair_outbox.h"
#include "net/stream.h"

#include <boost/beast/websocket/stream.hpp>

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace potluck::net {

struct WsOptions {
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  std::chrono::seconds handshake_timeout{5};
  // Beast pings at half of this and closes when nothing arrives for this long:
  // ping every 20 s, dead after 2 missed.
  std::chrono::seconds idle_timeout{40};
  // Bytes queued for the peer beyond which it counts as not reading: the
  // channel closes rather than hold more (0: no bound).
  std::size_t max_outbox_bytes = 0;
};

class WsChannel : public std::enable_shared_from_this<WsChannel> {
 public:
  using Socket = beast::websocket::stream<net::Stream>;

  WsChannel(net::Stream&& stream, const WsOptions& options);

  // Server side: completes the upgrade of `request`.
  awaitable<error_code> accept(const Request& request);
  // Client side: upgrades an open connection to ws://host/target.
  awaitable<error_code> handshake(const std::string& host, const std::string& target,
                                  const std::string& bearer);
  // HTTP status of the server's answer to handshake() (101 on success, 401/403
  // when it refused the bearer; 0 when no answer arrived).
  unsigned handshake_status() const { return handshake_status_; }

  // Starts the writer coroutine; call once after accept/handshake.
  void start_writer();

  // Queues a text frame. Dropped silently once the channel is closing. A
  // frame that would take the queue past max_outbox_bytes closes the channel
  // instead (overflowed() then says why). Frames of different `lane`s (a
  // node's jobs) leave in turn; those of one lane in order (FairOutbox).
  void send(std::string frame, std::string_view lane = {});
  bool overflowed() const { return overflowed_; }

  // From now on, frames that queue up behind the one being written leave
  // together as one message built by `join` (at most kMaxBatchBytes of
  // frames; a larger frame still goes alone). The peer must have said it
  // reads such messages. Frames queued before this call go out alone.
  using Joiner = std::function<std::string(const std::vector<std::string>&)>;
  void batch_with(Joiner join);
  static constexpr std::size_t kMaxBatchBytes = 64 * 1024;
  std::size_t queued_bytes() const { return queued_bytes_; }

  // Next text frame, or the error that ended the connection.
  awaitable<std::expected<std::string, error_code>> read();

  // Closes with a reason (malformed frame, shutdown): flushes queued frames first.
  awaitable<void> close(std::string_view reason);
  // Closes the socket now.
  void force_close();
  bool closed() const { return closed_; }

 private:
  awaitable<void> write_loop();
  // The next message: `first`, or `first` joined with frames queued behind it.
  std::string next_message(std::string first);
  void cork(bool on);

  Socket ws_;
  WsOptions options_;
  FairOutbox outbox_;
  Joiner join_;
  std::size_t unbatched_left_ = 0;  // frames queued before batch_with()
  std::size_t queued_bytes_ = 0;
  beast::flat_buffer read_buffer_;
  bool closed_ = false;
  bool writer_done_ = false;
  bool corked_ = false;
  bool overflowed_ = false;
  unsigned handshake_status_ = 0;
  std::string close_reason_;
};

}  // namespace potluck::net
