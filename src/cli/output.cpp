#include "cli/output.h"

#include <boost/json.hpp>

#include <iostream>

namespace potluck::cli {
namespace json = boost::json;

std::expected<json::value, int> call_json(const ApiOptions& api, std::string_view command,
                                          net::http::verb method, const std::string& target, std::string body,
                                          unsigned expected_status) {
  auto reply = ApiClient(api).call(method, target, std::move(body));
  if (!reply) {
    std::cerr << "potluck " << command << ": " << reply.error() << "\n";
    return std::unexpected(1);
  }
  if (reply->status != expected_status) {
    std::cerr << "potluck " << command << ": " << error_message(*reply) << "\n";
    return std::unexpected(1);
  }
  boost::system::error_code ec;
  json::value value = json::parse(reply->body, ec);
  if (ec) {
    std::cerr << "potluck " << command << ": the coordinator's answer is not JSON\n";
    return std::unexpected(1);
  }
  return value;
}

std::string text_or_dash(const json::value* v) {
  if (!v || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->get_string());
  return json::serialize(*v);
}

std::string field(const json::value& object, std::string_view key) {
  return object.is_object() ? text_or_dash(object.get_object().if_contains(key)) : "-";
}

}  // namespace potluck::cli
