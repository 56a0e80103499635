#include "net/forwarded_for.h"

#include "common/strings.h"

namespace potluck::net {

std::string client_address(const std::string& peer, std::string_view forwarded_for, const AddressRanges& trusted) {
  if (!trusted.contains(peer)) return peer;
  std::string nearest_trusted = peer;
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    if (entry.empty()) continue;
    if (!is_ip_address(entry)) return nearest_trusted;  // not an address: nothing further left can be believed
    if (!trusted.contains(entry)) return std::string(entry);
    nearest_trusted = std::string(entry);
  }
  return nearest_trusted;
}

}  // namespace potluck::net
