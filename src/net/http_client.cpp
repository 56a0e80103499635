#include "net/http_client.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

namespace potluck::net {
namespace {
auto use_ec(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }
}  // namespace

struct HttpClient::Pooled {
  // Beast sizes each read by the buffer's spare capacity, 512 bytes at
  // first: reserving lets one read take a whole burst of events.
  explicit Pooled(Stream connected) : stream(std::move(connected)) { buffer.reserve(64 * 1024); }
  Stream stream;
  beast::flat_buffer buffer;
  bool reused = false;
};

HttpClient::HttpClient(asio::any_io_executor executor, Url origin, std::size_t max_idle,
                       std::shared_ptr<const ClientTls> tls)
    : executor_(std::move(executor)), origin_(std::move(origin)), max_idle_(max_idle), tls_(std::move(tls)) {}

HttpClient::~HttpClient() = default;

Request HttpClient::build(http::verb method, const std::string& target, const std::string& body,
                          const HeaderList& headers) const {
  Request request{method, target, 11};
  request.set(http::field::host, origin_.host + ":" + std::to_string(origin_.port));
  request.set(http::field::user_agent, "potluck/" POTLUCK_VERSION);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.keep_alive(true);
  request.prepare_payload();
  return request;
}

awaitable<std::expected<std::unique_ptr<HttpClient::Pooled>, std::string>> HttpClient::acquire(
    bool fresh) {
  if (!fresh && !idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    connection->reused = true;
    co_return connection;
  }
  error_code ec;
  if (endpoints_.empty()) {
    tcp::resolver resolver(executor_);
    const std::string port = std::to_string(origin_.port);
    auto results = co_await resolver.async_resolve(origin_.host, port, use_ec(ec));
    if (ec) co_return std::unexpected("cannot resolve " + origin_.host + ": " + ec.message());
    for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
  }
  const bool secure = origin_.scheme == "https";
  if (secure && !tls_) co_return std::unexpected("no TLS settings for https://" + origin_.host);
  beast::tcp_stream plain(executor_);
  plain.expires_after(std::chrono::seconds(10));
  co_await plain.async_connect(endpoints_, use_ec(ec));
  if (ec) {
    endpoints_.clear();
    co_return std::unexpected("cannot connect to " + origin_.host + ":" +
                              std::to_string(origin_.port) + ": " + ec.message());
  }
  plain.socket().set_option(tcp::no_delay(true), ec);
  auto connection = std::make_unique<Pooled>(secure ? tls_->wrap(std::move(plain)) : Stream(std::move(plain)));
  if (secure) {
    auto secured = co_await tls_->handshake(connection->stream, origin_.host);
    if (!secured)
      co_return std::unexpected("TLS with " + origin_.host + ":" + std::to_string(origin_.port) +
                                " failed: " + secured.error());
  }
  connection->stream.tcp().expires_never();
  co_return connection;
}

void HttpClient::release(std::unique_ptr<Pooled> connection) {
  connection->stream.tcp().expires_never();
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

awaitable<std::expected<ClientReply, std::string>> HttpClient::request(
    http::verb method, const std::string& target, const std::string& body, const HeaderList& headers,
    std::chrono::milliseconds timeout, std::size_t max_body_bytes) {
  ClientReply reply;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::function<void(unsigned, std::string_view)> collect = [&](unsigned, std::string_view slice) {
    if (reply.body.size() + slice.size() <= max_body_bytes) reply.body += slice;
  };
  auto status = co_await stream(method, target, body, headers, deadline, collect);
  if (!status) co_return std::unexpected(status.error());
  reply.status = *status;
  co_return reply;
}

awaitable<std::expected<unsigned, std::string>> HttpClient::stream(
    http::verb method, const std::string& target, const std::string& body, const HeaderList& headers,
    std::chrono::steady_clock::time_point deadline,
    const std::function<void(unsigned, std::string_view)>& on_body, AbortHandle* abort, ReadGate* pace,
    std::string* retry_after) {
  auto request = build(method, target, body, headers);
  // A pooled connection may have been closed by the server while idle; such a
  // failure before any response byte is retried once on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto acquired = co_await acquire(attempt > 0);
    if (!acquired) co_return std::unexpected(acquired.error());
    auto connection = std::move(*acquired);
    if (abort) {
      if (abort->aborted()) co_return std::unexpected("aborted");
      abort->set([c = connection.get()] {
        error_code ignored;
        c->stream.socket().close(ignored);
      });
    }
    auto clear_abort = [&] { if (abort) abort->clear(); };

    error_code ec;
    connection->stream.tcp().expires_at(deadline);
    co_await http::async_write(connection->stream, request, use_ec(ec));
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    if (!ec) co_await http::async_read_header(connection->stream, connection->buffer, parser, use_ec(ec));
    if (ec) {
      clear_abort();
      if (abort && abort->aborted()) co_return std::unexpected("aborted");
      if (connection->reused && attempt == 0 &&
          (ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe))
        continue;
      if (ec == beast::error::timeout) co_return std::unexpected("upstream timed out");
      co_return std::unexpected("upstream request failed: " + ec.message());
    }
    unsigned status = parser.get().result_int();
    if (retry_after) *retry_after = std::string(parser.get()[http::field::retry_after]);
    char slice[16 * 1024];
    while (!parser.is_done()) {
      if (pace && !pace->is_open()) {
        co_await pace->wait_open();
        if (abort && abort->aborted()) {
          clear_abort();
          co_return std::unexpected("aborted");
        }
      }
      parser.get().body().data = slice;
      parser.get().body().size = sizeof slice;
      // read_some, not read: async_read would wait until the 16 KiB slice is
      // full, holding back a token stream's events.
      co_await http::async_read_some(connection->stream, connection->buffer, parser, use_ec(ec));
      if (ec == http::error::need_buffer) ec = {};
      // Bytes parsed before a failure are still delivered.
      if (std::size_t got = sizeof slice - parser.get().body().size; ec && got)
        on_body(status, std::string_view(slice, got));
      if (ec) {
        clear_abort();
        if (abort && abort->aborted()) co_return std::unexpected("aborted");
        if (ec == beast::error::timeout) co_return std::unexpected("upstream timed out");
        co_return std::unexpected("upstream stream broke: " + ec.message());
      }
      std::size_t n = sizeof slice - parser.get().body().size;
      if (n) on_body(status, std::string_view(slice, n));
    }
    clear_abort();
    // An abort from within on_body (the caller had what it wanted) closed
    // the socket even when the body was complete: never pool it.
    if (abort && abort->aborted()) co_return std::unexpected("aborted");
    if (parser.get().keep_alive()) release(std::move(connection));
    co_return status;
  }
  co_return std::unexpected("upstream closed the connection");
}

}  // namespace potluck::net
