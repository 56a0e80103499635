#include "net/tls_server.h"

#include "net/tls_common.h"

#include <openssl/ssl.h>

#include <cstring>

namespace potluck::net {
namespace {

// Mozilla's "intermediate" configuration (server side, TLS 1.2; TLS 1.3:
// kTls13Suites).
constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kIntermediateGroups = "X25519:P-256:P-384";
constexpr unsigned char kSessionContext[] = "potluck";

// ALPN: HTTP/1.1 is all this server speaks; a client that offers only other
// protocols gets no ALPN answer (and may then give up).
int select_http11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                  unsigned int offered_length, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_length, kHttp11, sizeof kHttp11, offered, offered_length) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// A file that cannot be read has the earliest time: its return is a change.
std::filesystem::file_time_type modified_at(const std::string& file) {
  std::error_code ec;
  auto when = std::filesystem::last_write_time(file, ec);
  return ec ? std::filesystem::file_time_type::min() : when;
}

std::expected<std::shared_ptr<ssl::context>, std::string> build_context(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cipher_list(native, kIntermediateCiphers);
  SSL_CTX_set_ciphersuites(native, kTls13Suites);
  SSL_CTX_set1_groups_list(native, kIntermediateGroups);
  // Resumption: tickets (on by default in OpenSSL, for 1.2 and 1.3) and a
  // server-side cache keyed by this context id.
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, files.cert_file.c_str()) != 1)
    return std::unexpected("cannot use certificate file " + files.cert_file + ": " + last_openssl_error());
  if (SSL_CTX_use_PrivateKey_file(native, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return std::unexpected("cannot use key file " + files.key_file + ": " + last_openssl_error());
  if (SSL_CTX_check_private_key(native) != 1)
    return std::unexpected("key file " + files.key_file + " does not match certificate file " + files.cert_file);
  return context;
}

}  // namespace

std::expected<std::shared_ptr<ServerTls>, std::string> ServerTls::load(TlsFiles files) {
  std::shared_ptr<ServerTls> tls(new ServerTls(std::move(files)));
  auto loaded = tls->reload();
  if (!loaded) return std::unexpected(loaded.error());
  return tls;
}

ServerTls::Stamps ServerTls::stamps() const {
  return {modified_at(files_.cert_file), modified_at(files_.key_file)};
}

std::expected<void, std::string> ServerTls::reload() {
  // The times before the read: a file replaced while it is read is seen as
  // changed at the next check, and read again.
  read_at_ = stamps();
  auto context = build_context(files_);
  if (!context) return std::unexpected(context.error());
  context_ = std::move(*context);
  return {};
}

bool ServerTls::changed_on_disk() const { return stamps() != read_at_; }

}  // namespace potluck::net
