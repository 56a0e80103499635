#include "coordinator/tls_setup.h"

#include "common/log.h"
#include "coordinator/periodic.h"
#include "net/loopback.h"
#include "net/tls_common.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <openssl/ssl.h>

#include <csignal>

namespace potluck::coordinator {
namespace {

void log_certificate(const net::ServerTls& tls, std::string_view what) {
  X509* leaf = SSL_CTX_get0_certificate(tls.context()->native_handle());
  spdlog::info("{} TLS certificate: public key {} (a node may pin it with --coordinator-fingerprint)", what,
               net::spki_fingerprint(leaf));
}

}  // namespace

std::expected<std::shared_ptr<net::ServerTls>, std::string> choose_transport(const CoordinatorConfig& config) {
  const bool has_cert = !config.tls.cert_file.empty();
  const bool has_key = !config.tls.key_file.empty();
  if (has_cert != has_key) return std::unexpected("--tls-cert and --tls-key go together");
  if (has_cert) {
    auto tls = net::ServerTls::load(config.tls);
    if (tls) log_certificate(**tls, "serving");
    return tls;
  }
  if (!net::is_loopback_host(config.listen.host) && !config.insecure_http)
    return std::unexpected("refusing plain HTTP on " + config.listen.host +
                           ", which is not a loopback address: give --tls-cert and --tls-key, or --insecure-http "
                           "if TLS ends at a proxy in front of the coordinator");
  return nullptr;
}

TlsReloader::TlsReloader(net::asio::io_context& io, net::ServerTls& tls, std::chrono::seconds period,
                         const bool& stopping)
    : io_(io), tls_(tls), period_(period), stopping_(stopping), hangup_(io, SIGHUP) {}

void TlsReloader::start() {
  arm_signal();
  if (period_.count() <= 0) return;
  // The first check runs at once and finds nothing changed since load().
  check_ = [this]() -> net::awaitable<void> {
    if (tls_.changed_on_disk()) reload("a file changed");
    co_return;
  };
  net::asio::co_spawn(io_, repeat_every(period_, stopping_, check_), net::asio::detached);
}

void TlsReloader::arm_signal() {
  hangup_.async_wait([this](net::error_code ec, int) {
    if (ec) return;
    reload("SIGHUP");
    arm_signal();
  });
}

void TlsReloader::reload(std::string_view why) {
  auto reloaded = tls_.reload();
  if (!reloaded) {
    spdlog::error("TLS reload ({}) failed, keeping the current certificate: {}", why, reloaded.error());
    return;
  }
  log_certificate(tls_, std::string("reloaded (") + std::string(why) + ")");
}

}  // namespace potluck::coordinator
