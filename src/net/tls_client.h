#pragma once
// The client side of TLS, one builder for every client Potluck has: the
// node's link to its coordinator, the node's HTTP client to an upstream
// engine, and the CLI's calls to the coordinator. A peer is trusted when its
// chain leads to the system trust store or to an added CA, and it carries
// the host name asked for; or, when a public key is pinned, when its leaf
// certificate has that key (and nothing else is checked). A failure is
// never answered by falling back to plain text.
#include "net/stream.h"

#include <expected>
#include <memory>
#include <string>

namespace potluck::net {

struct TlsClientOptions {
  std::string ca_file;      // PEM CA(s) trusted besides the system store
  std::string fingerprint;  // "sha256:<hex>" of the leaf's public key (SPKI): pins it instead
};

class ClientTls {
 public:
  // Fails on an unreadable CA file or a malformed fingerprint.
  static std::expected<std::shared_ptr<const ClientTls>, std::string> make(const TlsClientOptions& options);

  // TLS over a connected `plain` stream; handshake() still to do.
  Stream wrap(beast::tcp_stream plain) const { return Stream(std::move(plain), context_); }

  // Handshake as a client of `host` (sent as SNI, checked against the
  // certificate). The error says why the peer was not trusted (expired,
  // unknown issuer, host name mismatch, fingerprint mismatch) or what else
  // failed. The caller bounds it with a timeout on stream.tcp().
  awaitable<std::expected<void, std::string>> handshake(Stream& stream, const std::string& host) const;

 private:
  ClientTls(std::shared_ptr<ssl::context> context, std::string fingerprint)
      : context_(std::move(context)), fingerprint_(std::move(fingerprint)) {}

  std::shared_ptr<ssl::context> context_;
  std::string fingerprint_;  // normalised "sha256:<lowercase hex>", or empty
};

}  // namespace potluck::net
