#include "coordinator/api/handler_support.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

namespace potluck::coordinator::api {
namespace json = boost::json;

std::expected<json::object, ApiError> parse_json_object(std::string_view body) {
  if (body.empty()) return json::object{};
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return std::unexpected(ApiError::bad_request("request body is not valid JSON (" + ec.message() + ")"));
  if (!value.is_object()) return std::unexpected(ApiError::bad_request("request body must be a JSON object"));
  return std::move(value.get_object());
}

net::Response json_response(net::http::status status, const json::value& body) {
  return net::make_response(status, json::serialize(body));
}

std::optional<ApiError> require_admin(const Principal& caller) {
  if (caller.role != "admin") return ApiError::forbidden("only an admin may do this");
  if (!caller.has_scope("admin")) return ApiError::forbidden("this API key lacks the 'admin' scope");
  return std::nullopt;
}

ApiError store_error(const store::StoreError& error, std::string_view what) {
  using Kind = store::StoreError::Kind;
  switch (error.kind) {
    case Kind::not_found: return ApiError::not_found("no such " + std::string(what));
    case Kind::conflict: return ApiError::conflict(std::string(what) + ": " + error.message);
    case Kind::invalid: return ApiError::bad_request(error.message);
    case Kind::gone: return ApiError::gone(error.message);
    case Kind::insufficient: return ApiError::payment_required(error.message);
    case Kind::io: break;
  }
  spdlog::error("store call for {} failed: {}", what, error.message);
  return ApiError::internal("storage error");
}

std::string query_param(std::string_view target, std::string_view name) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return {};
  auto params = url->params();
  auto it = params.find(name);
  if (it == params.end() || !(*it).has_value) return {};
  return std::string((*it).value);
}

}  // namespace potluck::coordinator::api
