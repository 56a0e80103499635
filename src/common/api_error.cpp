#include "common/api_error.h"

#include <boost/json.hpp>

namespace potluck {

ApiError ApiError::bad_request(std::string message, std::string code) {
  return {400, "invalid_request_error", std::move(code), std::move(message)};
}
ApiError ApiError::unauthorized(std::string message) {
  return {401, "authentication_error", "invalid_api_key", std::move(message)};
}
ApiError ApiError::forbidden(std::string message) {
  return {403, "permission_error", "forbidden", std::move(message)};
}
ApiError ApiError::not_found(std::string message, std::string code) {
  return {404, "not_found_error", std::move(code), std::move(message)};
}
ApiError ApiError::conflict(std::string message) {
  return {409, "invalid_request_error", "conflict", std::move(message)};
}
ApiError ApiError::payment_required(std::string message) {
  return {402, "insufficient_credits", "insufficient_credits", std::move(message)};
}
ApiError ApiError::rate_limited(std::string message, int retry_after_s) {
  return {429, "rate_limit_error", "rate_limit_exceeded", std::move(message), retry_after_s};
}
ApiError ApiError::gone(std::string message, std::string code) {
  return {410, "invalid_request_error", std::move(code), std::move(message)};
}
ApiError ApiError::too_large(std::string message) {
  return {413, "invalid_request_error", "request_too_large", std::move(message)};
}
ApiError ApiError::unavailable(std::string message, int retry_after_s) {
  return {503, "server_error", "no_capacity", std::move(message), retry_after_s};
}
ApiError ApiError::timeout(std::string message) {
  return {504, "server_error", "timeout", std::move(message)};
}
ApiError ApiError::internal(std::string message) {
  return {500, "server_error", "internal_error", std::move(message)};
}

std::string ApiError::to_json() const {
  boost::json::object inner;
  inner["message"] = message;
  inner["type"] = type;
  inner["param"] = nullptr;
  if (code.empty()) inner["code"] = nullptr; else inner["code"] = code;
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

}  // namespace potluck
