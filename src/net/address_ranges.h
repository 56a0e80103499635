#pragma once
// A set of IP address ranges (CIDR), for `--trusted-proxies`: whose
// X-Forwarded-For header the coordinator believes (net/forwarded_for.h).
#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::net {

// Whether `text` is one IPv4 or IPv6 address (no range, no port).
bool is_ip_address(std::string_view text);

class AddressRanges {
 public:
  // "10.0.0.0/8,127.0.0.1,::1,fd00::/8": comma-separated addresses or
  // CIDR ranges (an address alone is one host). Empty text: no range.
  static std::expected<AddressRanges, std::string> parse(std::string_view text);

  // Whether `address` (text as the socket reports it; an IPv4 address
  // mapped into IPv6 counts as the IPv4 one) is in a range. Text that is
  // not an address is in none.
  bool contains(std::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    std::array<std::uint8_t, 16> bytes{};
    bool v6 = false;
    int prefix = 0;
  };
  std::vector<Range> ranges_;
};

}  // namespace potluck::net
