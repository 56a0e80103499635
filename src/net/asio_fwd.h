#pragma once
// The Asio/Beast names used across net/, coordinator/ and node/.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace potluck::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
template <class T = void>
using awaitable = asio::awaitable<T>;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
}  // namespace potluck::net
