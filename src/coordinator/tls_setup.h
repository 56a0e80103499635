#pragma once
// The coordinator's choice between TLS and plain HTTP, made once at start,
// and the reloading of its certificate while it runs.
#include "coordinator/config.h"
#include "coordinator/periodic.h"
#include "net/tls_server.h"

#include <boost/asio/signal_set.hpp>

#include <expected>
#include <memory>
#include <string>

namespace potluck::coordinator {

// The certificate to serve, or null for plain HTTP. Plain HTTP on an address
// that is not loopback is refused unless config.insecure_http: a consumer's
// key, a node's token and every prompt would cross the network readable.
std::expected<std::shared_ptr<net::ServerTls>, std::string> choose_transport(const CoordinatorConfig& config);

// Re-reads the certificate and key on SIGHUP, and whenever a check every
// `period` (0: never) sees either file's modification time change. A file
// that does not load leaves the current certificate in place and is logged
// by name. Runs until the io_context stops; `stopping` ends the checks.
class TlsReloader {
 public:
  TlsReloader(net::asio::io_context& io, net::ServerTls& tls, std::chrono::seconds period, const bool& stopping);
  void start();

 private:
  void arm_signal();
  void reload(std::string_view why);

  net::asio::io_context& io_;
  net::ServerTls& tls_;
  std::chrono::seconds period_;
  const bool& stopping_;
  net::asio::signal_set hangup_;
  PeriodicTask check_;  // outlives the coroutine that runs it
};

}  // namespace potluck::coordinator
