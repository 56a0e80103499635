#include "coordinator/api/api_responses.h"

#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <cctype>

namespace potluck::coordinator::api {
namespace {

// "node token" -> "node_token_not_found".
std::string not_found_code(std::string_view what) {
  std::string code;
  for (const char c : what) code += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return code + "_not_found";
}

}  // namespace

net::Response json_response(net::http::status status, const boost::json::value& body) {
  return net::make_response(status, boost::json::serialize(body));
}

net::Response method_not_allowed() {
  return net::make_error_response(
      {405, "invalid_request_error", "method_not_allowed", "method not allowed on this path"});
}

net::Response store_error_response(const store::StoreError& error, std::string_view what,
                                   int invalid_status) {
  using Kind = store::StoreError::Kind;
  switch (error.kind) {
    case Kind::not_found:
      return net::make_error_response(ApiError::not_found("no such " + std::string(what), not_found_code(what)));
    case Kind::conflict:
      return net::make_error_response(ApiError::conflict(error.message));
    case Kind::invalid:
      return net::make_error_response({invalid_status, "invalid_request_error", "not_allowed", error.message});
    case Kind::gone:
      return net::make_error_response({410, "invalid_request_error", "gone", error.message});
    case Kind::insufficient:
      return net::make_error_response({402, "invalid_request_error", "insufficient_credits", error.message});
    case Kind::io:
      break;
  }
  spdlog::error("store call ({}) failed: {}", what, error.message);
  return net::make_error_response(ApiError::internal("storage error"));
}

}  // namespace potluck::coordinator::api
