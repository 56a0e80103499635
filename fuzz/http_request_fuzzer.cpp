// Fuzzes the coordinator's HTTP request path: the bytes go over a real
// loopback TCP connection into net::HttpServer (the same parser set-up,
// limits, keep-alive and pipelining loop, 100-continue and error answers as
// `potluck serve`, with the default ServerLimits) and the client then closes
// its sending side. Whatever the bytes, the server must answer only with
// well-formed HTTP/1.1 and must release the connection once the client is done.
#include "fuzz_check.h"
#include "net/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace net = potluck::net;
namespace asio = net::asio;
namespace http = net::http;
using net::awaitable;
using net::error_code;
using net::tcp;

// Reads what a router would read of a request and answers with its size.
awaitable<std::optional<net::Response>> answer(net::Exchange& exchange) {
  const auto& request = exchange.request;
  std::size_t seen = request.method_string().size() + request.target().size() + request.body().size();
  for (const auto& field : request) seen += field.name_string().size() + field.value().size();
  std::string body = "{\"bytes\":" + std::to_string(seen) + "}";
  co_return net::make_response(http::status::ok, std::move(body));
}

struct Server {
  asio::io_context io{1};
  net::HttpServer http{io, net::ServerLimits{}};
  tcp::endpoint endpoint;

  Server() {
    auto bound = http.listen({"127.0.0.1", 0});
    FUZZ_CHECK(bound.has_value());
    endpoint = *bound;
    http.start(answer);
  }
};

struct ClientResult {
  bool done = false;
  std::string received;
};

// Sends `input`, half-closes, and reads until the server closes.
awaitable<void> send_all(tcp::endpoint endpoint, std::string input, ClientResult& result) {
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  co_await socket.async_connect(endpoint, token);
  FUZZ_CHECK(!ec);
  auto request_bytes = asio::buffer(input);
  co_await asio::async_write(socket, request_bytes, token);
  // A write error means the server already answered and closed: read it.
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  char chunk[16 * 1024];
  for (ec = {}; !ec;) {
    auto into = asio::buffer(chunk);
    std::size_t n = co_await socket.async_read_some(into, token);
    result.received.append(chunk, n);
  }
  result.done = true;
}

// Every byte the server sent must belong to a complete HTTP/1.1 response.
void check_responses(std::string_view bytes) {
  while (!bytes.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(bytes.size());
    while (!parser.is_done()) {
      error_code ec;
      std::size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
      FUZZ_CHECK(!ec);  // need_more here means a truncated response
      bytes.remove_prefix(used);
    }
    FUZZ_CHECK(parser.get().version() == 11);
    // The handler never throws, so nothing a client sends may produce a 500.
    FUZZ_CHECK(parser.get().result() != http::status::internal_server_error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Server server;
  ClientResult result;
  std::string input(reinterpret_cast<const char*>(data), size);
  asio::co_spawn(server.io, send_all(server.endpoint, std::move(input), result), asio::detached);
  // Runs until the client saw the end and the server let go of the connection.
  while (!result.done || server.http.open_connections() > 0) server.io.run_one();
  check_responses(result.received);
  return 0;
}
