#include "net/loopback.h"

#include "common/strings.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

namespace potluck::net {

bool is_loopback_host(std::string_view host) {
  if (to_lower(host) == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace potluck::net
