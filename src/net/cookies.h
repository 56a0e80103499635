#pragma once
// Reading a cookie from a request's Cookie headers (RFC 6265 "name=value"
// pairs separated by "; ").
#include "net/asio_fwd.h"

#include <optional>
#include <string_view>

namespace potluck::net {

// The value of the first cookie called `name`, or nullopt. A view into the request.
std::optional<std::string_view> cookie_value(const Request& request, std::string_view name);

}  // namespace potluck::net
