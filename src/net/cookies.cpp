#include "net/cookies.h"

#include "common/strings.h"

namespace potluck::net {
namespace {

std::optional<std::string_view> find_in_header(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    const std::string_view pair = trim(header.substr(0, end));
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && trim(pair.substr(0, equals)) == name) {
      std::string_view value = trim(pair.substr(equals + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> cookie_value(const Request& request, std::string_view name) {
  const auto [first, last] = request.equal_range(http::field::cookie);
  for (auto it = first; it != last; ++it)
    if (auto value = find_in_header(it->value(), name)) return value;
  return std::nullopt;
}

}  // namespace potluck::net
