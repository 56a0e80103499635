#pragma once
// Small OpenSSL helpers shared by the server and client sides of TLS.
#include <openssl/x509.h>

#include <string>

namespace potluck::net {

// The text of the oldest error in OpenSSL's queue (then cleared), or
// "unknown error".
std::string last_openssl_error();

// "sha256:<hex>" of the certificate's SubjectPublicKeyInfo (DER): the pin a
// node gives with --coordinator-fingerprint. It survives renewals that keep
// the key. Empty when the certificate has no readable key.
std::string spki_fingerprint(X509* certificate);

}  // namespace potluck::net
