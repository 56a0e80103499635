#include "net/ws_channel.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace potluck::net {
namespace websocket = beast::websocket;
namespace {
auto use_ec(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }
}  // namespace

WsChannel::WsChannel(net::Stream&& stream, const WsOptions& options)
    : ws_(std::move(stream)), options_(options), outbox_(ws_.get_executor()) {
  read_buffer_.reserve(64 * 1024);  // reads take whole bursts of frames, not 512 bytes
  ws_.read_message_max(options_.max_message_bytes);
  ws_.auto_fragment(false);
  ws_.text(true);
}

awaitable<error_code> WsChannel::accept(const Request& request) {
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout{options_.handshake_timeout,
                                                 options_.idle_timeout, true});
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(http::field::server, "potluck");
  }));
  error_code ec;
  co_await ws_.async_accept(request, use_ec(ec));
  co_return ec;
}

awaitable<error_code> WsChannel::handshake(const std::string& host, const std::string& target,
                                           const std::string& bearer) {
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout{options_.handshake_timeout,
                                                 options_.idle_timeout, true});
  ws_.set_option(websocket::stream_base::decorator([bearer](websocket::request_type& request) {
    request.set(http::field::authorization, "Bearer " + bearer);
    request.set(http::field::user_agent, "potluck-node/" POTLUCK_VERSION);
  }));
  error_code ec;
  websocket::response_type response;
  response.result(0u);  // stays 0 unless an answer is read
  co_await ws_.async_handshake(response, host, target, use_ec(ec));
  handshake_status_ = response.result_int();
  co_return ec;
}

void WsChannel::start_writer() {
  asio::co_spawn(ws_.get_executor(), [self = shared_from_this()] { return self->write_loop(); },
                 asio::detached);
}

void WsChannel::send(std::string frame, std::string_view lane) {
  if (closed_) return;
  if (options_.max_outbox_bytes > 0 && queued_bytes_ + frame.size() > options_.max_outbox_bytes) {
    overflowed_ = true;
    force_close();
    return;
  }
  queued_bytes_ += frame.size();
  outbox_.push(lane, std::move(frame));
}

void WsChannel::batch_with(Joiner join) {
  join_ = std::move(join);
  unbatched_left_ = outbox_.size();
}

// On loopback most of a send's cost is the syscall and the peer's wake-up, so
// a burst (a node's last chunk and its done; jobs dispatched in one turn of
// the coordinator's loop) leaves as one message.
std::string WsChannel::next_message(std::string first) {
  if (unbatched_left_ > 0) {
    --unbatched_left_;
    return first;
  }
  if (!join_ || outbox_.size() == 0 || first.size() >= kMaxBatchBytes) return first;
  std::vector<std::string> batch;
  std::size_t bytes = first.size();
  batch.push_back(std::move(first));
  while (const std::string* next = outbox_.front()) {
    if (bytes + next->size() > kMaxBatchBytes) break;
    bytes += next->size();
    batch.push_back(*outbox_.try_pop());
    queued_bytes_ -= batch.back().size();
  }
  if (batch.size() == 1) return std::move(batch.front());
  return join_(batch);
}

// While frames are queued behind the one being written the socket is corked,
// so a burst leaves as full segments and the peer reads it in a few calls.
void WsChannel::cork(bool on) {
#ifdef TCP_CORK
  if (corked_ == on) return;
  corked_ = on;
  int value = on ? 1 : 0;
  ::setsockopt(beast::get_lowest_layer(ws_).socket().native_handle(), IPPROTO_TCP, TCP_CORK, &value,
               sizeof value);
#else
  (void)on;
#endif
}

awaitable<void> WsChannel::write_loop() {
  for (;;) {
    if (outbox_.size() == 0) cork(false);
    auto frame = co_await outbox_.pop();
    if (!frame) break;
    queued_bytes_ -= frame->size();
    const std::string message = next_message(std::move(*frame));
    if (outbox_.size() > 0) cork(true);
    error_code ec;
    co_await ws_.async_write(asio::buffer(message), use_ec(ec));
    if (ec) {
      closed_ = true;
      outbox_.close();
      break;
    }
  }
  if (!close_reason_.empty() && ws_.is_open()) {
    error_code ec;
    const websocket::close_reason reason(websocket::close_code::policy_error, close_reason_);
    co_await ws_.async_close(reason, use_ec(ec));
  }
  writer_done_ = true;
}

awaitable<std::expected<std::string, error_code>> WsChannel::read() {
  error_code ec;
  read_buffer_.consume(read_buffer_.size());
  co_await ws_.async_read(read_buffer_, use_ec(ec));
  if (ec) {
    closed_ = true;
    outbox_.close();
    co_return std::unexpected(ec);
  }
  co_return beast::buffers_to_string(read_buffer_.data());
}

awaitable<void> WsChannel::close(std::string_view reason) {
  if (close_reason_.empty()) close_reason_ = reason.empty() ? std::string("closing") : std::string(reason);
  closed_ = true;
  outbox_.close();
  // Give the writer a moment to flush and send the close frame.
  asio::steady_timer timer(ws_.get_executor());
  for (int i = 0; i < 50 && !writer_done_; ++i) {
    timer.expires_after(std::chrono::milliseconds(20));
    error_code ec;
    co_await timer.async_wait(use_ec(ec));
  }
  force_close();
}

void WsChannel::force_close() {
  closed_ = true;
  outbox_.close();
  error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace potluck::net
