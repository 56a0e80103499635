#include "coordinator/api/request_params.h"

#include "common/strings.h"
#include "common/utc_time.h"

#include <charconv>

namespace potluck::coordinator::api {
namespace {

ApiError bad_param(std::string_view name, std::string_view what) {
  return ApiError::bad_request("'" + std::string(name) + "' must be " + std::string(what), "invalid_parameter");
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::expected<QueryParams, ApiError> query_params(const net::Request& request) {
  auto params = parse_query(request.target());
  if (!params) return std::unexpected(ApiError::bad_request(params.error(), "invalid_parameter"));
  return std::move(*params);
}

std::expected<std::int64_t, ApiError> integer_param(const QueryParams& params, std::string_view name,
                                                    std::int64_t fallback, std::int64_t min,
                                                    std::int64_t max) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  auto value = parse_int(it->second);
  if (!value || *value < min || *value > max)
    return std::unexpected(
        bad_param(name, "an integer from " + std::to_string(min) + " to " + std::to_string(max)));
  return *value;
}

std::expected<std::int64_t, ApiError> time_param(const QueryParams& params, std::string_view name,
                                                 std::int64_t fallback_ms, bool end_of_day) {
  constexpr std::string_view kWhat = "a UTC date (YYYY-MM-DD) or Unix seconds from 1970 to 9999";
  auto it = params.find(name);
  if (it == params.end()) return fallback_ms;
  if (auto midnight = parse_utc_date(it->second)) return (*midnight + (end_of_day ? 86'400 : 0)) * 1000;
  auto seconds = parse_int(it->second);
  if (!seconds || *seconds < 0 || *seconds > kLatestUnixMs / 1000) return std::unexpected(bad_param(name, kWhat));
  return *seconds * 1000;
}

std::expected<bool, ApiError> flag_param(const QueryParams& params, std::string_view name) {
  auto it = params.find(name);
  if (it == params.end()) return false;
  auto value = to_lower(it->second);
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  return std::unexpected(bad_param(name, "1, true, 0 or false"));
}

}  // namespace potluck::coordinator::api
