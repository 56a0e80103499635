#include "net/stream.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace potluck::net {

// The only instantiations of the TCP and TLS read and write operations:
// whatever composed operation asked, the handler arrives type-erased.
void Stream::start_read_some(BufferList<asio::mutable_buffer> buffers, IoHandler handler) {
  if (auto* tls = this->tls()) tls->async_read_some(buffers, std::move(handler));
  else std::get<beast::tcp_stream>(impl_).async_read_some(buffers, std::move(handler));
}

void Stream::start_write_some(BufferList<asio::const_buffer> buffers, IoHandler handler) {
  if (auto* tls = this->tls()) tls->async_write_some(buffers, std::move(handler));
  else std::get<beast::tcp_stream>(impl_).async_write_some(buffers, std::move(handler));
}

awaitable<void> Stream::close_gracefully(std::chrono::milliseconds within) {
  if (auto* tls = this->tls()) {
    tcp().expires_after(within);
    error_code ignored;  // a peer that hung up first, or never answers: closed all the same
    co_await tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  }
  close();
}

}  // namespace potluck::net
