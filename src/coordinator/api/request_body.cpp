#include "coordinator/api/request_body.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

ApiError invalid_field(std::string_view field, const std::string& what) {
  return ApiError::bad_request("'" + std::string(field) + "' must be " + what, "invalid_" + std::string(field));
}

}  // namespace

std::expected<json::object, ApiError> read_object(std::string_view body) {
  if (body.empty()) return json::object{};
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object())
    return std::unexpected(ApiError::bad_request("request body must be a JSON object"));
  return std::move(value.get_object());
}

std::expected<std::string, ApiError> read_text(const json::object& body, std::string_view field,
                                               TextRule rule, std::string fallback) {
  const auto* value = body.if_contains(field);
  if (!value || value->is_null()) {
    if (rule.required) return std::unexpected(ApiError::bad_request("'" + std::string(field) + "' is required",
                                                                    "missing_" + std::string(field)));
    return fallback;
  }
  const std::string what = "a string of 1 to " + std::to_string(rule.max_length) + " characters";
  if (!value->is_string()) return std::unexpected(invalid_field(field, what));
  const auto& text = value->get_string();
  if (text.empty() || text.size() > rule.max_length) return std::unexpected(invalid_field(field, what));
  if (rule.allowed)
    for (unsigned char c : text)
      if (!rule.allowed(c)) return std::unexpected(invalid_field(field, "made of " + std::string(rule.allowed_what)));
  return std::string(text);
}

std::expected<std::int64_t, ApiError> read_integer(const json::object& body, std::string_view field,
                                                   IntegerRule rule) {
  const auto* value = body.if_contains(field);
  if (!value || value->is_null()) return rule.fallback;
  const std::string what =
      "an integer from " + std::to_string(rule.min) + " to " + std::to_string(rule.max);
  // uint64 beyond int64 and doubles are refused alike: no silent rounding.
  if (!value->is_int64()) return std::unexpected(invalid_field(field, what));
  const auto number = value->get_int64();
  if (number < rule.min || number > rule.max) return std::unexpected(invalid_field(field, what));
  return number;
}

std::expected<bool, ApiError> read_flag(const json::object& body, std::string_view field) {
  const auto* value = body.if_contains(field);
  if (!value || value->is_null()) return false;
  if (!value->is_bool()) return std::unexpected(invalid_field(field, "true or false"));
  return value->get_bool();
}

}  // namespace potluck::coordinator::api
