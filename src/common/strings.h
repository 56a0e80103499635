#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace potluck {

std::vector<std::string> split(std::string_view text, char separator);
std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
// "host:port", "[::1]:port"; port 0 is allowed (ephemeral).
std::optional<HostPort> parse_host_port(std::string_view text);

// A URL of the forms http(s)://host[:port][/path] and ws(s)://...
struct Url {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  std::string path;  // starts with '/', no trailing slash unless it is "/"
};
std::optional<Url> parse_url(std::string_view text);

std::optional<std::uint64_t> parse_uint(std::string_view text);

}  // namespace potluck
