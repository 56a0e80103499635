#pragma once
// The query string of a request target ("/path?a=1&b=x%20y"), decoded.
#include <expected>
#include <map>
#include <string>
#include <string_view>

namespace potluck {

using QueryParams = std::map<std::string, std::string, std::less<>>;

// Splits on '&' and '=', decodes %XX and '+'. A later repeat of a name wins.
// Fails on malformed percent-escapes.
std::expected<QueryParams, std::string> parse_query(std::string_view target);

// "?a=1&b=x%20y" from the non-empty values of `params` ("" when none).
std::string build_query(const QueryParams& params);

}  // namespace potluck
