#pragma once
// The client's address behind reverse proxies (`--trusted-proxies`).
#include "net/address_ranges.h"

#include <string>
#include <string_view>

namespace potluck::net {

// The address a request comes from: the peer's, unless the peer is a
// trusted proxy; then the rightmost X-Forwarded-For entry that is not
// itself a trusted proxy. Each proxy appends the address it saw, so the
// entries left of the last trusted hop are the client's own word and may be
// forged: they are never read. An entry that is not an address ends the
// walk at the nearest trusted hop (the peer when it is the first).
// `forwarded_for` is the header's value, several fields joined by commas.
std::string client_address(const std::string& peer, std::string_view forwarded_for, const AddressRanges& trusted);

}  // namespace potluck::net
