#pragma once
// Small pieces every /api handler needs: JSON bodies in and out, the admin
// check, and store errors turned into HTTP answers.
#include "common/api_error.h"
#include "coordinator/auth.h"
#include "net/http_server.h"
#include "store/result.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <expected>
#include <optional>
#include <string_view>

namespace potluck::coordinator::api {

// The body as a JSON object; an empty body is an empty object.
std::expected<boost::json::object, ApiError> parse_json_object(std::string_view body);

net::Response json_response(net::http::status status, const boost::json::value& body);

// 403 unless the caller is an admin with a key that holds the admin scope.
std::optional<ApiError> require_admin(const Principal& caller);

// not_found 404, conflict 409, invalid 400, gone 410, insufficient 402,
// io 500 (logged; the message never reaches the client).
ApiError store_error(const store::StoreError& error, std::string_view what);

// The query parameter's value, or empty.
std::string query_param(std::string_view target, std::string_view name);

}  // namespace potluck::coordinator::api
