#pragma once
// Protective limits of the HTTP server. Every one has a default here and a
// flag in `potluck serve` (see README's flag table).
#include "net/address_ranges.h"

#include <chrono>
#include <cstddef>

namespace potluck::net {

struct ServerLimits {
  std::size_t max_url_bytes = 8 * 1024;          // 414
  std::size_t max_header_bytes = 16 * 1024;      // 431 (request line included)
  std::size_t max_header_fields = 100;           // 431
  std::size_t max_body_bytes = 8 * 1024 * 1024;  // 413, checked before reading
  std::chrono::milliseconds tls_handshake_timeout{10'000};  // from accept; a TLS client that has not
                                                            // finished its handshake by then is closed
  std::chrono::milliseconds header_timeout{10'000};  // from accept (after the TLS handshake) / first byte
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive
  std::chrono::milliseconds write_timeout{10'000};   // a client that cannot drain is dropped
  std::size_t max_connections = 10'000;           // 503
  std::size_t max_connections_per_ip = 256;       // 503
  // Reverse proxies in front (--trusted-proxies): their connections count
  // against max_connections only (every client behind one shares its
  // address), and their X-Forwarded-For names the client (forwarded_for.h).
  AddressRanges trusted_proxies;
};

}  // namespace potluck::net
