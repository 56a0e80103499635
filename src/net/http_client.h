#pragma once
// HTTP/1.1 client with a keep-alive connection pool for one origin. Used by the
// node to reach its upstream engine and by the CLI to reach the coordinator.
#include "common/strings.h"
#include "net/asio_fwd.h"
#include "net/read_gate.h"
#include "net/tls_client.h"

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace potluck::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ClientReply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
};

// Lets another coroutine abort a request in flight (closes its socket).
class AbortHandle {
 public:
  void abort() {
    aborted_ = true;
    if (on_abort_) on_abort_();
  }
  bool aborted() const { return aborted_; }
  void set(std::function<void()> fn) { on_abort_ = std::move(fn); }
  void clear() { on_abort_ = nullptr; }

 private:
  bool aborted_ = false;
  std::function<void()> on_abort_;
};

class HttpClient {
 public:
  // An https:// origin needs `tls` (how its certificate is checked).
  HttpClient(asio::any_io_executor executor, Url origin, std::size_t max_idle = 256,
             std::shared_ptr<const ClientTls> tls = nullptr);
  ~HttpClient();

  // The whole response, body included (bounded by `max_body_bytes`).
  // Arguments are references: callers keep them alive across the co_await
  // (g++ 12 mishandles by-value coroutine parameters built from temporaries).
  awaitable<std::expected<ClientReply, std::string>> request(
      http::verb method, const std::string& target, const std::string& body, const HeaderList& headers,
      std::chrono::milliseconds timeout, std::size_t max_body_bytes = 64 * 1024 * 1024);

  // Streams the response body to `on_body(status, slice)` as it arrives;
  // returns the status. The error string names what failed, never the content.
  // `deadline` bounds every read and write; time_point::max() arms no timer
  // (for a caller that ends the request through `abort` itself). With `pace`,
  // each read of the body waits until the gate is open.
  // `retry_after`, when given, receives the response's Retry-After header.
  awaitable<std::expected<unsigned, std::string>> stream(
      http::verb method, const std::string& target, const std::string& body, const HeaderList& headers,
      std::chrono::steady_clock::time_point deadline,
      const std::function<void(unsigned status, std::string_view slice)>& on_body,
      AbortHandle* abort = nullptr, ReadGate* pace = nullptr, std::string* retry_after = nullptr);

  const Url& origin() const { return origin_; }

 private:
  struct Pooled;
  awaitable<std::expected<std::unique_ptr<Pooled>, std::string>> acquire(bool fresh);
  void release(std::unique_ptr<Pooled> connection);
  Request build(http::verb method, const std::string& target, const std::string& body,
                const HeaderList& headers) const;

  asio::any_io_executor executor_;
  Url origin_;
  std::size_t max_idle_;
  std::shared_ptr<const ClientTls> tls_;
  std::vector<std::unique_ptr<Pooled>> idle_;
  std::vector<tcp::endpoint> endpoints_;
};

}  // namespace potluck::net
