#include "net/tls_client.h"

#include "net/tls_common.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>

namespace potluck::net {
namespace {

// "sha256:AB:cd…" or "sha256:abcd…" as "sha256:abcd…"; empty when malformed.
std::string normalise_fingerprint(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!text.starts_with(kPrefix)) return {};
  std::string hex;
  for (char c : text.substr(kPrefix.size())) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return hex.size() == 64 ? std::string(kPrefix) + hex : std::string{};
}

// What a failed verification means, in the words an operator searches for.
std::string verification_failure(long result) {
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "certificate expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate not yet valid";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return "unknown issuer (not signed by a trusted CA; see --ca-file)";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "host name mismatch";
    default:
      return X509_verify_cert_error_string(result);
  }
}

bool is_ip_address(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The name the certificate must carry: an IP address is checked as one.
void expect_peer_name(SSL* ssl, const std::string& host) {
  if (is_ip_address(host)) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  else SSL_set1_host(ssl, host.c_str());
}

}  // namespace

std::expected<std::shared_ptr<const ClientTls>, std::string> ClientTls::make(const TlsClientOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
  SSL_CTX_set_ciphersuites(native, kTls13Suites);
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(native, kAlpn, sizeof kAlpn);
  std::string fingerprint;
  if (!options.fingerprint.empty()) {
    fingerprint = normalise_fingerprint(options.fingerprint);
    if (fingerprint.empty())
      return std::unexpected("fingerprint must be sha256: and 64 hex digits, got '" + options.fingerprint + "'");
  }
  error_code ec;
  context->set_default_verify_paths(ec);  // the system store (/etc/ssl/certs)
  if (!options.ca_file.empty()) {
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(native, options.ca_file.c_str(), nullptr) != 1)
      return std::unexpected("cannot use CA file " + options.ca_file + ": " + last_openssl_error());
  }
  context->set_verify_mode(ssl::verify_peer);
  return std::shared_ptr<const ClientTls>(new ClientTls(std::move(context), std::move(fingerprint)));
}

awaitable<std::expected<void, std::string>> ClientTls::handshake(Stream& stream, const std::string& host) const {
  auto* tls = stream.tls();
  if (!tls) co_return std::unexpected("not a TLS stream");
  SSL* ssl = tls->native_handle();
  // SNI names a host; an address is not sent (RFC 6066).
  if (!is_ip_address(host)) SSL_set_tlsext_host_name(ssl, host.c_str());
  // Shared with the callback, which the stream keeps after this returns.
  auto pin_mismatch = std::make_shared<bool>(false);
  if (fingerprint_.empty()) {
    expect_peer_name(ssl, host);
  } else {
    // Pinned: the leaf's key is the whole check, the chain's trust is not
    // asked (a self-signed certificate is the common case).
    tls->set_verify_callback([pinned = fingerprint_, pin_mismatch](bool, ssl::verify_context& context) {
      X509_STORE_CTX* store = context.native_handle();
      if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
      const bool match = spki_fingerprint(X509_STORE_CTX_get_current_cert(store)) == pinned;
      *pin_mismatch = !match;
      return match;
    });
  }
  error_code ec;
  co_await tls->async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_return std::expected<void, std::string>{};
  if (*pin_mismatch) co_return std::unexpected("fingerprint mismatch (the certificate's key is not the pinned one)");
  if (const long result = SSL_get_verify_result(ssl); result != X509_V_OK)
    co_return std::unexpected(verification_failure(result));
  if (ec == beast::error::timeout) co_return std::unexpected("TLS handshake timed out");
  co_return std::unexpected("TLS handshake failed: " + ec.message());
}

}  // namespace potluck::net
