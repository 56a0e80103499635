#pragma once
// Where a TLS server's certificate and key are read from (see tls_server.h).
#include <string>

namespace potluck::net {

struct TlsFiles {
  std::string cert_file;  // PEM: the leaf first, then the intermediates
  std::string key_file;   // PEM private key of the leaf
};

}  // namespace potluck::net
