#pragma once
// Whether a host name or address reaches this machine only. Plain HTTP is
// refused to or from any other address unless the user says --insecure-http.
#include <string_view>

namespace potluck::net {

// "localhost", 127.0.0.0/8 or ::1.
bool is_loopback_host(std::string_view host);

}  // namespace potluck::net
