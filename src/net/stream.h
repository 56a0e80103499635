#pragma once
// One connection's byte stream: plain TCP, or TLS over it. The HTTP server,
// the SSE writer, the WebSocket channel and the HTTP client are written once
// against this type, so TLS sits under them and no connection logic exists
// twice. Timeouts and the socket are always those of the TCP stream at the
// bottom (tcp()); a TLS operation's reads and writes go through it, so its
// expiry bounds a handshake as it bounds a request.
#include "net/asio_fwd.h"
#include "net/io_handler.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/container/static_vector.hpp>

#include <chrono>
#include <memory>
#include <utility>
#include <variant>

namespace potluck::net {
namespace ssl = asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

class Stream {
 public:
  using executor_type = beast::tcp_stream::executor_type;
  // For beast::get_lowest_layer: whatever the stream, the TCP stream.
  using next_layer_type = beast::tcp_stream;

  explicit Stream(beast::tcp_stream plain) : impl_(std::move(plain)) {}
  // TLS over `plain`, the handshake still to do. The stream keeps `context`
  // alive: a server may swap its certificate while this connection lives.
  Stream(beast::tcp_stream plain, std::shared_ptr<ssl::context> context)
      : impl_(std::in_place_type<TlsStream>, std::move(plain), *context), context_(std::move(context)) {}
  Stream(Stream&&) = default;

  executor_type get_executor() { return tcp().get_executor(); }
  beast::tcp_stream& tcp() {
    if (auto* tls = std::get_if<TlsStream>(&impl_)) return tls->next_layer();
    return std::get<beast::tcp_stream>(impl_);
  }
  beast::tcp_stream& next_layer() { return tcp(); }
  tcp::socket& socket() { return tcp().socket(); }
  // The TLS layer, or null on a plain connection.
  TlsStream* tls() { return std::get_if<TlsStream>(&impl_); }

  // Reads and writes, in the form Asio's composed operations expect. Both
  // hand over to one compiled function each (stream.cpp) with the handler
  // type-erased (net/io_handler.h).
  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          start_read_some(first_buffers<asio::mutable_buffer>(b), IoHandler(std::move(handler), get_executor()));
        },
        token, buffers);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          start_write_some(first_buffers<asio::const_buffer>(b), IoHandler(std::move(handler), get_executor()));
        },
        token, buffers);
  }

  // Ends a connection whose exchange is over: over TLS a close_notify first
  // (a client that sees the socket close without one counts the
  // connection as cut short, and OpenSSL clients then refuse to resume its
  // session), waiting at most `within` for the peer's; then the socket.
  awaitable<void> close_gracefully(std::chrono::milliseconds within);

  // Closes the socket at once (no TLS close_notify: used to cut a connection).
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  // How a WebSocket ends its connection (found by Beast through ADL): the
  // TLS layer's own teardown, or the socket's.
  template <class Handler>
  friend void async_teardown(beast::role_type role, Stream& stream, Handler&& handler) {
    if (auto* tls = stream.tls()) {
      using beast::async_teardown;
      async_teardown(role, *tls, std::forward<Handler>(handler));
    } else {
      using beast::websocket::async_teardown;
      async_teardown(role, stream.socket(), std::forward<Handler>(handler));
    }
  }
  friend void teardown(beast::role_type role, Stream& stream, error_code& ec) {
    if (auto* tls = stream.tls()) {
      using beast::teardown;
      teardown(role, *tls, ec);
    } else {
      using beast::websocket::teardown;
      teardown(role, stream.socket(), ec);
    }
  }
  friend void beast_close_socket(Stream& stream) { stream.close(); }

 private:
  // At most kMaxBuffers of a buffer sequence: a *_some operation may
  // transfer less than it was given, and its caller goes on from there.
  // HTTP and WebSocket writes gather fewer pieces than that.
  static constexpr std::size_t kMaxBuffers = 16;
  template <class Buffer>
  using BufferList = boost::container::static_vector<Buffer, kMaxBuffers>;
  template <class Buffer, class Buffers>
  static BufferList<Buffer> first_buffers(const Buffers& buffers) {
    BufferList<Buffer> list;
    for (auto it = asio::buffer_sequence_begin(buffers), end = asio::buffer_sequence_end(buffers);
         it != end && list.size() < kMaxBuffers; ++it)
      list.push_back(Buffer(*it));
    return list;
  }
  void start_read_some(BufferList<asio::mutable_buffer> buffers, IoHandler handler);
  void start_write_some(BufferList<asio::const_buffer> buffers, IoHandler handler);

  std::variant<beast::tcp_stream, TlsStream> impl_;
  std::shared_ptr<ssl::context> context_;
};

}  // namespace potluck::net
