#pragma once
// The query string of a request target ("/path?a=1&b=x%20y"), decoded.
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace potluck {

using QueryParams = std::map<std::string, std::string, std::less<>>;

// Splits on '&' and '=', decodes %XX and '+'. A later repeat of a name wins.
// Fails on malformed percent-escapes.
std::expected<QueryParams, std::string> parse_query(std::string_view target);

// A path segment's %XX escapes decoded ('+' stays '+'); empty on a
// malformed escape.
std::optional<std::string> percent_decode_path(std::string_view text);

// "?a=1&b=x%20y" from the non-empty values of `params` ("" when none).
std::string build_query(const QueryParams& params);

}  // namespace potluck
