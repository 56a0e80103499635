#pragma once
// Where the LND node is and how Potluck proves who it is (serve's --lnd-*).
#include <string>

namespace potluck::payments {

struct LndOptions {
  std::string url;            // https://host:port of LND's REST listener
  std::string macaroon_file;  // binary macaroon (invoice and payment rights)
  std::string cert_file;      // LND's tls.cert (PEM), trusted as its own CA
};

}  // namespace potluck::payments
