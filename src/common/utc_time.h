#pragma once
// Calendar dates and timestamps in UTC, for query parameters, CSV and JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace potluck {

// The latest instant the API accepts: 9999-12-31T23:59:59.999Z.
inline constexpr std::int64_t kLatestUnixMs = 253'402'300'799'999;

// "YYYY-MM-DD" -> Unix seconds of that day's midnight UTC; nullopt if it is
// not a real calendar date.
std::optional<std::int64_t> parse_utc_date(std::string_view text);

// Unix milliseconds -> "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string utc_date(std::int64_t unix_ms);
std::string utc_timestamp(std::int64_t unix_ms);

}  // namespace potluck
