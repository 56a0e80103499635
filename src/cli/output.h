#pragma once
// What the client commands share: one API call with its JSON answer, errors
// printed the same way everywhere, and table cells.
#include "cli/api_client.h"

#include <boost/json/value.hpp>

#include <expected>
#include <string>
#include <string_view>

namespace potluck::cli {

// Calls the API; on success the parsed JSON answer, on failure the message is
// printed as "potluck <command>: ..." and the exit code (1) returned.
std::expected<boost::json::value, int> call_json(const ApiOptions& api, std::string_view command,
                                                 net::http::verb method, const std::string& target,
                                                 std::string body, unsigned expected_status);

// A JSON field as table text: strings bare, null or missing as "-".
std::string text_or_dash(const boost::json::value* value);
std::string field(const boost::json::value& object, std::string_view key);

}  // namespace potluck::cli
