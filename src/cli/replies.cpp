#include "cli/replies.h"

#include <boost/json.hpp>

#include <iostream>

namespace potluck::cli {

int check_reply(std::string_view command, const std::expected<net::ClientReply, std::string>& reply,
                unsigned expected_status) {
  if (!reply) {
    std::cerr << "potluck " << command << ": " << reply.error() << "\n";
    return 1;
  }
  if (reply->status != expected_status) {
    std::cerr << "potluck " << command << ": " << error_message(*reply) << "\n";
    return 1;
  }
  return 0;
}

std::string field_text(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (!value || value->is_null()) return "-";
  if (value->is_string()) return std::string(value->get_string());
  return boost::json::serialize(*value);
}

}  // namespace potluck::cli
