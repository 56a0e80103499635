#pragma once
// Async HTTP/1.1 server: accept loop, per-connection coroutine with keep-alive,
// request limits and timeouts, graceful stop. It knows nothing about jobs:
// each parsed request goes to one Handler.
#include "common/api_error.h"
#include "common/strings.h"
#include "net/asio_fwd.h"
#include "net/limits.h"

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace potluck::net {

class Connection;

// What a handler sees of one request. A handler either returns a Response for
// the server to write, or writes its own (SSE) and returns nullopt, or takes
// the stream over for good (WebSocket) and sets `taken_over`.
struct Exchange {
  Request& request;
  beast::tcp_stream& stream;
  beast::flat_buffer& buffer;  // bytes read past the request (pipelining)
  std::string client_ip;
  const ServerLimits& limits;
  bool keep_alive = true;   // a handler that wrote its own response may clear it
  bool taken_over = false;
  // A handler that takes the stream over registers how to close it, so a
  // forced shutdown can still reach the connection.
  std::function<void()>* force_close = nullptr;
};

using Handler = std::function<awaitable<std::optional<Response>>(Exchange&)>;

class HttpServer {
 public:
  HttpServer(asio::io_context& io, ServerLimits limits, Handler handler);
  ~HttpServer();

  // Binds and listens; returns the bound endpoint (port 0 picks one).
  std::expected<tcp::endpoint, std::string> listen(const HostPort& where);
  void start();

  // Graceful stop, step one: no new connections; idle keep-alive connections
  // close now, busy ones after their current response.
  void stop_accepting();
  // Step two: closes every connection that is still open.
  void close_all();

  std::size_t open_connections() const { return connections_.size(); }
  std::size_t busy_connections() const;

 private:
  awaitable<void> accept_loop();
  awaitable<void> serve(std::shared_ptr<Connection> connection);
  awaitable<void> refuse(tcp::socket socket, std::string ip);
  void forget(Connection* connection);

  asio::io_context& io_;
  ServerLimits limits_;
  Handler handler_;
  tcp::acceptor acceptor_;
  bool stopping_ = false;
  std::unordered_set<Connection*> connections_;
  std::unordered_map<std::string, std::size_t> per_ip_;
};

// Response helpers shared by every handler.
Response make_response(http::status status, std::string body,
                       std::string_view content_type = "application/json");
Response make_error_response(const ApiError& error);

}  // namespace potluck::net
