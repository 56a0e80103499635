#include "node/session_settings.h"

#include "common/credits.h"
#include "common/log.h"
#include "crypto/secret_token.h"
#include "net/loopback.h"

#include <algorithm>

namespace potluck::node {

std::string connect_target(std::string_view path) {
  std::string target(path == "/" ? std::string_view{} : path);
  if (!target.ends_with(kConnectPath)) target.append(kConnectPath);
  return target;
}

namespace {

// How the link is secured: TLS for https:// and wss://; plain text only to
// this machine, or when the operator says --insecure-http (TLS ends at a
// proxy on a trusted network), since the node token and every job would
// cross the network readable.
std::expected<std::shared_ptr<const net::ClientTls>, std::string> coordinator_tls(const NodeConfig& config,
                                                                                const Url& url) {
  if (url.scheme == "https" || url.scheme == "wss") {
    auto tls = net::ClientTls::make(config.coordinator_tls);
    if (!tls) return std::unexpected(tls.error());
    return *tls;
  }
  if (!config.coordinator_tls.ca_file.empty() || !config.coordinator_tls.fingerprint.empty())
    return std::unexpected("--ca-file and --coordinator-fingerprint need an https:// or wss:// coordinator");
  if (!net::is_loopback_host(url.host) && !config.insecure_http)
    return std::unexpected("refusing plain " + url.scheme + "://" + url.host +
                           ": the node token and every job would cross the network unencrypted; use https:// "
                           "or wss://, or pass --insecure-http if TLS ends at a proxy on a trusted network");
  return nullptr;
}

}  // namespace

std::expected<SessionSettings, std::string> build_session_settings(const NodeConfig& config,
                                                                   const HostInfo& host,
                                                                   NodeIdentity identity) {
  if (config.coordinator_url.empty()) return std::unexpected("no coordinator URL given");
  auto url = parse_url(config.coordinator_url);
  if (!url) return std::unexpected("coordinator URL must look like http://host:port or ws://host:port");
  auto tls = coordinator_tls(config, *url);
  if (!tls) return std::unexpected(tls.error());
  if (config.token.empty()) return std::unexpected("no node token given");
  // A malformed token is still sent: the coordinator's refusal is the truth,
  // and it is logged clearly. The token itself is never logged.
  if (!crypto::parse_token(config.token, crypto::kNodeTokenPrefix))
    spdlog::warn("the node token does not look like a node token ({}...)", crypto::kNodeTokenPrefix);

  auto prices = PriceList::parse(config.prices);
  if (!prices) return std::unexpected(prices.error());
  auto exec_price = parse_credits(config.exec_price);
  if (!exec_price) return std::unexpected("--exec-price '" + config.exec_price + "': " + exec_price.error());

  SessionSettings settings;
  settings.prices = std::move(*prices);
  settings.target = connect_target(url->path);
  settings.coordinator = std::move(*url);
  settings.tls = std::move(*tls);
  settings.token = config.token;
  settings.max_jobs = std::max(1, config.max_jobs);
  settings.models_refresh = config.models_refresh;
  settings.drain_timeout = std::max(config.drain_timeout, std::chrono::seconds(0));

  auto& hello = settings.hello;
  hello.node_id = std::move(identity.id);
  hello.name = config.name.empty() ? std::move(identity.name) : config.name;
  hello.os = host.os;
  hello.arch = host.arch;
  hello.agent_version = POTLUCK_VERSION;
  hello.max_jobs = settings.max_jobs;
  hello.exec_price = *exec_price;
  return settings;
}

}  // namespace potluck::node
