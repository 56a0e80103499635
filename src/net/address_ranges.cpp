#include "net/address_ranges.h"

#include "common/strings.h"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace potluck::net {
namespace {

namespace ip = boost::asio::ip;

struct Parsed {
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;
};

// An address as bytes; IPv4-mapped IPv6 becomes IPv4.
std::optional<Parsed> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = ip::make_address_v4(ip::v4_mapped, address.to_v6());
  Parsed out;
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
  } else {
    out.v6 = true;
    out.bytes = address.to_v6().to_bytes();
  }
  return out;
}

bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int prefix) {
  int i = 0;
  for (; prefix >= 8; prefix -= 8, ++i)
    if (a[i] != b[i]) return false;
  if (prefix == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - prefix));
  return (a[i] & mask) == (b[i] & mask);
}

}  // namespace

bool is_ip_address(std::string_view text) { return parse_address(text).has_value(); }

std::expected<AddressRanges, std::string> AddressRanges::parse(std::string_view text) {
  AddressRanges out;
  for (const std::string& item : split(std::string(text), ',')) {
    const std::string_view entry = trim(item);
    if (entry.empty()) continue;
    const auto slash = entry.find('/');
    auto address = parse_address(entry.substr(0, slash));
    if (!address) return std::unexpected("'" + std::string(entry) + "' is not an IP address or CIDR range");
    const int max_prefix = address->v6 ? 128 : 32;
    int prefix = max_prefix;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || prefix < 0 ||
          prefix > max_prefix)
        return std::unexpected("'" + std::string(entry) + "' has a bad prefix length (0.." +
                               std::to_string(max_prefix) + ")");
    }
    out.ranges_.push_back({address->bytes, address->v6, prefix});
  }
  return out;
}

bool AddressRanges::contains(std::string_view address) const {
  if (ranges_.empty()) return false;
  const auto parsed = parse_address(address);
  if (!parsed) return false;
  for (const auto& range : ranges_)
    if (range.v6 == parsed->v6 && same_prefix(range.bytes, parsed->bytes, range.prefix)) return true;
  return false;
}

}  // namespace potluck::net
