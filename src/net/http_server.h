#pragma once
// Async HTTP/1.1 server: accept loop, per-connection coroutine with keep-alive,
// request limits and timeouts, graceful stop. It knows nothing about jobs:
// each request's head may go to a HeadCheck, each parsed request to one Handler.
#include "common/api_error.h"
#include "common/strings.h"
#include "net/asio_fwd.h"
#include "net/limits.h"
#include "net/stream.h"

#include <any>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace potluck::net {

class Connection;
class ServerTls;
class SseWriter;

// Header fields every answer to one request carries (a refusal, a handler's
// response, an event stream's head), decided from the request's head alone:
// the coordinator's CORS fields.
using HeaderFields = std::vector<std::pair<std::string, std::string>>;
using ResponseFields = std::function<HeaderFields(const Request& head)>;

// What a handler sees of one request, and the typed ways it may answer: by
// returning a Response for the server to write; by streaming server-sent
// events through event_stream() and returning nullopt; or by taking the
// connection over for good (a WebSocket upgrade). Handlers never touch the
// socket itself.
class Exchange {
 public:
  Exchange(Request& request, Stream& stream, std::string client_ip, const ServerLimits& limits,
           std::function<void()>& force_close);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Request& request;
  const std::string client_ip;
  const ServerLimits& limits;
  bool keep_alive = true;  // a handler that streamed its answer may clear it
  std::any admission;      // what the HeadCheck learnt of this request (empty without one)
  HeaderFields response_fields;  // added to every answer to this request (ResponseFields)

  // The answer as a stream of events (created on first use; its first write
  // sends the 200 head). A handler that used it returns nullopt.
  SseWriter& event_stream();
  bool streaming() const;

  // Calls `on_gone` once if the client hangs up (its socket turns readable
  // with nothing to read: the request was read in full, so bytes would be a
  // pipelined request, left for the next turn) before stop_watching().
  void watch_hangup(std::function<void()> on_gone);
  void stop_watching();
  // Whether the client has closed or reset the connection by now, without
  // waiting: asked just before an answer that was prepared in full is
  // handed over, so a client who left is not treated as served.
  bool peer_closed();

  // The connection leaves the HTTP server for good (a WebSocket). A forced
  // shutdown reaches it through `force_close`.
  Stream take_over(std::function<void()> force_close);
  bool taken_over() const { return taken_over_; }

 private:
  Stream& stream_;
  std::function<void()>& force_close_;
  std::unique_ptr<SseWriter> events_;
  bool watching_ = false;
  bool taken_over_ = false;
};

using Handler = std::function<awaitable<std::optional<Response>>(Exchange&)>;

// Looks at a request before its body is read: method, target and headers,
// the body still empty. An answer refuses the request at once; when a body
// is on its way the connection then closes without reading it, so a caller
// who may not send a body never makes the server buffer one. Nothing lets
// the request go on, with what the check learnt (who the caller is) left in
// `admission` for the Handler (Exchange::admission).
using HeadCheck = std::function<awaitable<std::optional<Response>>(const Request& head, const std::string& client_ip,
                                                                   std::any& admission)>;

class HttpServer {
 public:
  // With `tls`, every connection is TLS (HTTPS, and wss:// for nodes): its
  // handshake comes first, within limits.tls_handshake_timeout, and each new
  // connection takes the certificate `tls` holds at its accept.
  HttpServer(asio::io_context& io, ServerLimits limits, std::shared_ptr<ServerTls> tls = nullptr);
  ~HttpServer();

  // Binds and listens; returns the bound endpoint (port 0 picks one).
  // Connections wait in the kernel's backlog until start().
  std::expected<tcp::endpoint, std::string> listen(const HostPort& where);
  // Accepts connections; each request goes to `handler`, its head first to
  // `check_head` when given; every answer gets the fields `fields_for` picks
  // from the request's head. Separate from listen() so that the owner can
  // claim the address before it prepares what the handler needs (the
  // coordinator migrates its database only once the port is its own).
  void start(Handler handler, HeadCheck check_head = {}, ResponseFields fields_for = {});

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
  // The TLS handshake of a new connection; false when it failed (closed).
  awaitable<bool> handshake(Connection& connection);
  void forget(Connection* connection);

  asio::io_context& io_;
  ServerLimits limits_;
  std::shared_ptr<ServerTls> tls_;
  Handler handler_;
  HeadCheck check_head_;
  ResponseFields fields_for_;
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
