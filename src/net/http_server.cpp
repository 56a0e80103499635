#include "net/http_server.h"

#include "common/log.h"
#include "net/body_encoding.h"
#include "net/sse.h"
#include "net/tls_server.h"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

namespace potluck::net {
namespace {
constexpr auto kUseAwaitableEc = [](error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
};
// How long a finished TLS connection waits for the client's close_notify
// after sending its own (most clients answer at once or just close).
constexpr std::chrono::milliseconds kTlsCloseWait{1000};
}  // namespace

class Connection {
 public:
  Connection(Stream stream, std::string ip) : stream(std::move(stream)), ip(std::move(ip)) {}

  void close() {
    if (force_close) {
      force_close();
      return;
    }
    stream.close();
  }

  Stream stream;
  beast::flat_buffer buffer;
  std::string ip;
  bool busy = false;
  std::function<void()> force_close;
};

Exchange::Exchange(Request& request, Stream& stream, std::string client_ip, const ServerLimits& limits,
                   std::function<void()>& force_close)
    : request(request),
      client_ip(std::move(client_ip)),
      limits(limits),
      keep_alive(request.keep_alive()),
      stream_(stream),
      force_close_(force_close) {}

Exchange::~Exchange() = default;

SseWriter& Exchange::event_stream() {
  if (!events_) {
    // An HTTP/1.0 client reads a stream that ends when the connection does.
    const bool chunked = request.version() >= 11;
    if (!chunked) keep_alive = false;
    std::string head_fields;
    for (const auto& [name, value] : response_fields) head_fields += name + ": " + value + "\r\n";
    events_ = std::make_unique<SseWriter>(stream_, limits.write_timeout, chunked, std::move(head_fields));
  }
  return *events_;
}

bool Exchange::streaming() const { return events_ && events_->started(); }

namespace {

// Whether the client has closed or reset its side, asked without waiting: a
// peek that reads nothing is an orderly close; bytes waiting are a pipelined
// request (the current one was read in full), so the client is still there.
bool closed_by_peer(tcp::socket& socket) {
  char byte = 0;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return n == 0;
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;  // reset, or worse
}

}  // namespace

void Exchange::watch_hangup(std::function<void()> on_gone) {
  if (watching_ || taken_over_) return;
  watching_ = true;
  auto& socket = stream_.socket();
  socket.async_wait(tcp::socket::wait_read, [&socket, on_gone = std::move(on_gone)](error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (ec || closed_by_peer(socket)) on_gone();
  });
}

void Exchange::stop_watching() {
  if (!watching_) return;
  watching_ = false;
  error_code ignored;
  stream_.socket().cancel(ignored);
}

bool Exchange::peer_closed() { return !taken_over_ && closed_by_peer(stream_.socket()); }

Stream Exchange::take_over(std::function<void()> force_close) {
  stop_watching();
  taken_over_ = true;
  force_close_ = std::move(force_close);
  return std::move(stream_);
}

Response make_response(http::status status, std::string body, std::string_view content_type) {
  Response response{status, 11};
  response.set(http::field::content_type, content_type);
  response.set(http::field::server, "potluck");
  response.body() = std::move(body);
  return response;
}

Response make_error_response(const ApiError& error) {
  auto response = make_response(static_cast<http::status>(error.status), error.to_json());
  if (error.retry_after_s > 0)
    response.set(http::field::retry_after, std::to_string(error.retry_after_s));
  return response;
}

HttpServer::HttpServer(asio::io_context& io, ServerLimits limits, std::shared_ptr<ServerTls> tls)
    : io_(io), limits_(limits), tls_(std::move(tls)), acceptor_(io) {}

HttpServer::~HttpServer() = default;

std::expected<tcp::endpoint, std::string> HttpServer::listen(const HostPort& where) {
  error_code ec;
  auto address = asio::ip::make_address(where.host == "localhost" ? "127.0.0.1" : where.host, ec);
  if (ec) return std::unexpected("invalid listen address '" + where.host + "'");
  tcp::endpoint endpoint{address, where.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected("cannot listen on " + where.host + ":" +
                                 std::to_string(where.port) + ": " + ec.message());
  return acceptor_.local_endpoint();
}

void HttpServer::start(Handler handler, HeadCheck check_head, ResponseFields fields_for) {
  handler_ = std::move(handler);
  check_head_ = std::move(check_head);
  fields_for_ = std::move(fields_for);
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void HttpServer::stop_accepting() {
  stopping_ = true;
  error_code ec;
  acceptor_.close(ec);
  for (auto* c : std::vector<Connection*>(connections_.begin(), connections_.end()))
    if (!c->busy) c->close();
}

void HttpServer::close_all() {
  for (auto* c : std::vector<Connection*>(connections_.begin(), connections_.end())) c->close();
}

std::size_t HttpServer::busy_connections() const {
  std::size_t busy = 0;
  for (auto* c : connections_) busy += c->busy ? 1 : 0;
  return busy;
}

void HttpServer::forget(Connection* connection) {
  connections_.erase(connection);
  if (auto it = per_ip_.find(connection->ip); it != per_ip_.end() && --it->second == 0)
    per_ip_.erase(it);
}

awaitable<void> HttpServer::accept_loop() {
  while (!stopping_) {
    error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(kUseAwaitableEc(ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      spdlog::warn("accept failed: {}", ec.message());
      continue;  // EMFILE and friends: keep serving the connections we have
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::string ip = socket.remote_endpoint(ec).address().to_string();
    const bool per_ip_full =
        per_ip_[ip] >= limits_.max_connections_per_ip && !limits_.trusted_proxies.contains(ip);
    if (connections_.size() >= limits_.max_connections || per_ip_full) {
      asio::co_spawn(io_, refuse(std::move(socket), ip), asio::detached);
      continue;
    }
    beast::tcp_stream plain(std::move(socket));
    auto connection = tls_ ? std::make_shared<Connection>(Stream(std::move(plain), tls_->context()), ip)
                           : std::make_shared<Connection>(Stream(std::move(plain)), ip);
    connections_.insert(connection.get());
    ++per_ip_[ip];
    asio::co_spawn(io_, serve(std::move(connection)), asio::detached);
  }
}

awaitable<void> HttpServer::refuse(tcp::socket socket, std::string ip) {
  spdlog::warn("connection limit reached; refusing a connection (open={}, from this ip={})",
               connections_.size(), per_ip_[ip]);
  // The address only at debug, for abuse handling: it is personal data.
  spdlog::debug("refused a connection from {}", ip);
  if (per_ip_[ip] == 0) per_ip_.erase(ip);
  error_code ec;
  if (tls_) {
    // A TLS client reads no plain answer, and a handshake is what the
    // limit saves: just close.
    socket.close(ec);
    co_return;
  }
  auto response = make_error_response(ApiError::unavailable("too many connections", 1));
  response.keep_alive(false);
  response.prepare_payload();
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(2));
  co_await http::async_write(stream, response, kUseAwaitableEc(ec));
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

awaitable<bool> HttpServer::handshake(Connection& connection) {
  auto* tls = connection.stream.tls();
  if (!tls) co_return true;
  // Its own deadline: a client that opens TCP and never finishes (or never
  // starts) its handshake holds its slot no longer than this.
  connection.stream.tcp().expires_after(limits_.tls_handshake_timeout);
  error_code ec;
  co_await tls->async_handshake(ssl::stream_base::server, kUseAwaitableEc(ec));
  if (!ec) co_return true;
  spdlog::debug("TLS handshake failed: {}", ec == beast::error::timeout ? "timed out" : ec.message());
  co_return false;
}

namespace {

// The answer to a request that failed before it reached a handler, or none
// when the connection should just be closed.
std::optional<ApiError> read_failure(const error_code& ec, const beast::flat_buffer& buffer,
                                     const ServerLimits& limits, bool start_line_parsed = false) {
  if (ec == http::error::header_limit) {
    // Once the start line is parsed Beast has consumed it (and every complete
    // field) from the buffer: what is left begins with a header field.
    auto data = std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size());
    auto line_end = data.find("\r\n");
    std::size_t line = line_end == std::string_view::npos ? data.size() : line_end;
    if (!start_line_parsed && line > limits.max_url_bytes)
      return ApiError{414, "invalid_request_error", "uri_too_long", "request line is too long"};
    return ApiError{431, "invalid_request_error", "headers_too_large",
                    "request headers are too large"};
  }
  if (ec == http::error::body_limit)
    return ApiError::too_large("request body is larger than " +
                               std::to_string(limits.max_body_bytes) + " bytes");
  if (ec == beast::error::timeout)
    return ApiError{408, "invalid_request_error", "request_timeout", "request not received in time"};
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor)
    return std::nullopt;
  if (ec.category() == error_code(http::error::bad_method).category())
    return ApiError::bad_request("malformed HTTP request", "bad_http");
  return std::nullopt;
}

// A body sent with a Content-Encoding is replaced by its decoded form; the
// error response when it does not decode.
std::optional<Response> decode_request_body(Request& request, std::size_t max_body_bytes) {
  const auto encoding = request[http::field::content_encoding];
  if (encoding.empty()) return std::nullopt;
  auto body = decode_body(encoding, std::move(request.body()), max_body_bytes);
  if (!body) return make_error_response(body.error());
  request.body() = std::move(*body);
  request.erase(http::field::content_encoding);
  request.content_length(request.body().size());
  return std::nullopt;
}

}  // namespace

awaitable<void> HttpServer::serve(std::shared_ptr<Connection> connection) {
  auto& stream = connection->stream.tcp();  // timeouts and the socket
  auto& io_stream = connection->stream;     // reads and writes (TLS when serving it)
  auto& buffer = connection->buffer;
  const bool secured = co_await handshake(*connection);
  if (!secured) {
    connection->stream.close();
    forget(connection.get());
    co_return;
  }
  auto deadline = std::chrono::steady_clock::now() + limits_.header_timeout;
  bool first = true;

  auto send_and_close = [&](Response& response) -> awaitable<void> {
    response.keep_alive(false);
    response.prepare_payload();
    error_code ec;
    stream.expires_after(std::chrono::seconds(2));
    co_await http::async_write(io_stream, response, kUseAwaitableEc(ec));
    if (ec) co_return;
    // Lingering close: the client may still be sending the body we refused.
    // Closing now would reset the connection and lose our answer on its
    // side, so stop sending and discard input for a short while first.
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::size_t discarded = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (!ec && discarded < 2 * limits_.max_body_bytes + 64 * 1024) {
      buffer.consume(buffer.size());
      std::size_t n = co_await io_stream.async_read_some(buffer.prepare(64 * 1024), kUseAwaitableEc(ec));
      discarded += n;
    }
  };

  for (;;) {
    error_code ec;
    connection->busy = false;
    if (buffer.size() == 0) {
      // Wait for the first byte of the next request. On a fresh connection
      // this counts toward the header deadline; on keep-alive it is idle time.
      if (first) stream.expires_at(deadline);
      else stream.expires_after(limits_.idle_timeout);
      std::size_t n = co_await io_stream.async_read_some(buffer.prepare(4096), kUseAwaitableEc(ec));
      if (ec) break;
      buffer.commit(n);
      if (!first) deadline = std::chrono::steady_clock::now() + limits_.header_timeout;
    } else if (!first) {
      deadline = std::chrono::steady_clock::now() + limits_.header_timeout;
    }
    first = false;
    connection->busy = true;

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser.body_limit(limits_.max_body_bytes);
    stream.expires_at(deadline);
    co_await http::async_read_header(io_stream, buffer, parser, kUseAwaitableEc(ec));
    if (ec) {
      if (auto error = read_failure(ec, buffer, limits_, !parser.get().target().empty())) {
        auto answer = make_error_response(*error);
        co_await send_and_close(answer);
      }
      break;
    }
    auto& header = parser.get();
    HeaderFields fields = fields_for_ ? fields_for_(header) : HeaderFields{};
    const auto with_fields = [&fields](Response response) {
      for (const auto& [name, value] : fields) response.set(name, value);
      return response;
    };
    if (header.target().size() > limits_.max_url_bytes) {
      auto answer = with_fields(make_error_response({414, "invalid_request_error", "uri_too_long", "request URL is too long"}));
      co_await send_and_close(answer);
      break;
    }
    if (static_cast<std::size_t>(std::distance(header.begin(), header.end())) > limits_.max_header_fields) {
      auto answer = with_fields(make_error_response({431, "invalid_request_error", "headers_too_large", "too many header fields"}));
      co_await send_and_close(answer);
      break;
    }
    if (auto length = parser.content_length(); length && *length > limits_.max_body_bytes) {
      auto answer = with_fields(make_error_response(*read_failure(http::error::body_limit, buffer, limits_)));
      co_await send_and_close(answer);
      break;
    }
    std::any admission;
    std::optional<Response> refusal;
    if (check_head_) refusal = co_await check_head_(header, connection->ip, admission);
    if (refusal) *refusal = with_fields(std::move(*refusal));
    if (refusal && !parser.is_done()) {
      // A body follows that nobody will read: answer and close instead.
      co_await send_and_close(*refusal);
      break;
    }
    if (!parser.is_done()) {
      if (header[http::field::expect] == "100-continue") {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        stream.expires_after(limits_.write_timeout);
        co_await asio::async_write(io_stream, asio::buffer(kContinue), kUseAwaitableEc(ec));
        if (ec) break;
      }
      stream.expires_after(limits_.body_timeout);
      co_await http::async_read(io_stream, buffer, parser, kUseAwaitableEc(ec));
      if (ec) {
        if (auto error = read_failure(ec, buffer, limits_)) {
          auto answer = with_fields(make_error_response(*error));
          co_await send_and_close(answer);
        }
        break;
      }
    }
    stream.expires_never();

    Request request = parser.release();
    // Inflated here, so handlers read plain bodies only; a body that does not
    // decode is answered like a refusal (it was read in full: the connection stays).
    if (!refusal) refusal = decode_request_body(request, limits_.max_body_bytes);
    Exchange exchange(request, io_stream, connection->ip, limits_, connection->force_close);
    exchange.admission = std::move(admission);
    exchange.response_fields = fields;
    std::optional<Response> response = std::move(refusal);
    try {
      if (!response) response = co_await handler_(exchange);
    } catch (const std::exception& e) {
      // Exceptions are bugs: answer 500, keep the server up, log no content.
      spdlog::error("handler threw for {} {}: {}", std::string(request.method_string()),
                    std::string(request.target().substr(0, request.target().find('?'))), e.what());
      response = make_error_response(ApiError::internal("internal error"));
      exchange.keep_alive = false;
    }
    if (exchange.taken_over()) {
      // The handler ran the connection to its end (WebSocket session).
      connection->force_close = nullptr;
      forget(connection.get());
      co_return;
    }
    if (response) {
      *response = with_fields(std::move(*response));
      response->keep_alive(exchange.keep_alive && !stopping_);
      response->prepare_payload();
      stream.expires_after(limits_.write_timeout);
      co_await http::async_write(io_stream, *response, kUseAwaitableEc(ec));
      if (ec || !response->keep_alive()) break;
    } else if (!exchange.keep_alive) {
      break;
    }
    connection->busy = false;
    if (stopping_) break;
  }
  co_await io_stream.close_gracefully(kTlsCloseWait);
  forget(connection.get());
}

}  // namespace potluck::net
