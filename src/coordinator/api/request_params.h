#pragma once
// Reading and checking a request's query parameters; a bad value is a 400
// that names the parameter.
#include "common/api_error.h"
#include "common/query_string.h"
#include "net/asio_fwd.h"

#include <cstdint>
#include <expected>
#include <string_view>

namespace potluck::coordinator::api {

std::expected<QueryParams, ApiError> query_params(const net::Request& request);

// An integer in [min, max]; `fallback` when the parameter is absent.
std::expected<std::int64_t, ApiError> integer_param(const QueryParams& params, std::string_view name,
                                                    std::int64_t fallback, std::int64_t min,
                                                    std::int64_t max);

// A point in time as Unix milliseconds, written as a UTC date (YYYY-MM-DD) or
// Unix seconds. A date names its midnight, or with `end_of_day` the midnight
// after it, so "to=2026-11-23" includes that whole day.
std::expected<std::int64_t, ApiError> time_param(const QueryParams& params, std::string_view name,
                                                 std::int64_t fallback_ms, bool end_of_day);

// "1"/"true" or "0"/"false"; `false` when absent.
std::expected<bool, ApiError> flag_param(const QueryParams& params, std::string_view name);

}  // namespace potluck::coordinator::api
