#pragma once
// Shared by the client commands: checking an API reply and printing JSON
// fields in tables.
#include "cli/api_client.h"

#include <boost/json/value.hpp>

#include <expected>
#include <string>
#include <string_view>

namespace potluck::cli {

// 0 when the reply came with `expected_status`; otherwise prints
// "potluck <command>: <why>" to stderr and returns 1.
int check_reply(std::string_view command, const std::expected<net::ClientReply, std::string>& reply,
                unsigned expected_status);

// A field as text: strings as they are, other values as JSON, "-" for none.
std::string field_text(const boost::json::object& object, std::string_view name);

}  // namespace potluck::cli
