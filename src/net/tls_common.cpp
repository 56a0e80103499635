#include "net/tls_common.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <vector>

namespace potluck::net {

std::string last_openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string spki_fingerprint(X509* certificate) {
  if (!certificate) return {};
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), nullptr);
  if (length <= 0) return {};
  std::vector<unsigned char> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &out);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &digest_length, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "sha256:";
  for (unsigned int i = 0; i < digest_length; ++i) {
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 0xf];
  }
  return text;
}

}  // namespace potluck::net
