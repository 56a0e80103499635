#include "common/strings.h"

#include <algorithm>
#include <charconv>

namespace potluck {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    auto part = trim(text.substr(start, end - start));
    if (!part.empty()) parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

std::string_view trim(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  auto port = parse_uint(port_text);
  if (!port || *port > 65535 || out.host.empty()) return std::nullopt;
  out.port = static_cast<std::uint16_t>(*port);
  return out;
}

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  url.scheme = to_lower(text.substr(0, scheme_end));
  std::uint16_t default_port = 0;
  if (url.scheme == "http" || url.scheme == "ws") default_port = 80;
  else if (url.scheme == "https" || url.scheme == "wss") default_port = 443;
  else return std::nullopt;
  auto rest = text.substr(scheme_end + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  url.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.path.size() > 1 && url.path.back() == '/') url.path.pop_back();
  if (authority.empty()) return std::nullopt;
  bool has_port = authority.starts_with('[') ? authority.find("]:") != std::string_view::npos
                                              : authority.find(':') != std::string_view::npos;
  if (has_port) {
    auto hp = parse_host_port(authority);
    if (!hp) return std::nullopt;
    url.host = hp->host;
    url.port = hp->port;
  } else {
    url.host = authority.starts_with('[') ? std::string(authority.substr(1, authority.size() - 2))
                                          : std::string(authority);
    url.port = default_port;
  }
  return url;
}

}  // namespace potluck
