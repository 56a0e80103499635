#pragma once
// Small OpenSSL helpers shared by the server and client sides of TLS.
#include <openssl/x509.h>

#include <string>

namespace potluck::net {

// TLS 1.3 suites in the order of Mozilla's "intermediate" guideline, for
// both sides: AES-128-GCM first (OpenSSL's default puts AES-256-GCM first,
// and a TLS 1.3 server follows the client's order). All three are AEADs of
// equal standing; AES-128 costs less per record.
inline constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// The text of the oldest error in OpenSSL's queue (then cleared), or
// "unknown error".
std::string last_openssl_error();

// "sha256:<hex>" of the certificate's SubjectPublicKeyInfo (DER): the pin a
// node gives with --coordinator-fingerprint. It survives renewals that keep
// the key. Empty when the certificate has no readable key.
std::string spki_fingerprint(X509* certificate);

}  // namespace potluck::net
