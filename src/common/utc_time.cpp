#include "common/utc_time.h"

#include "common/strings.h"

#include <chrono>
#include <cstdio>

namespace potluck {
namespace chrono = std::chrono;

namespace {

chrono::year_month_day day_of(std::int64_t unix_ms) {
  return chrono::year_month_day{chrono::floor<chrono::days>(chrono::sys_time<chrono::milliseconds>(
      chrono::milliseconds(unix_ms)))};
}

}  // namespace

std::optional<std::int64_t> parse_utc_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto year = parse_uint(text.substr(0, 4));
  auto month = parse_uint(text.substr(5, 2));
  auto day = parse_uint(text.substr(8, 2));
  if (!year || !month || !day) return std::nullopt;
  chrono::year_month_day date{chrono::year(static_cast<int>(*year)),
                              chrono::month(static_cast<unsigned>(*month)),
                              chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *year < 1970) return std::nullopt;
  return chrono::sys_days(date).time_since_epoch() / chrono::seconds(1);
}

std::string utc_date(std::int64_t unix_ms) {
  auto date = day_of(unix_ms);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::string utc_timestamp(std::int64_t unix_ms) {
  auto since_midnight = chrono::milliseconds(unix_ms) -
                        chrono::sys_days(day_of(unix_ms)).time_since_epoch();
  chrono::hh_mm_ss<chrono::milliseconds> clock_time(since_midnight);
  char text[32];
  std::snprintf(text, sizeof text, "T%02d:%02d:%02d.%03dZ", static_cast<int>(clock_time.hours().count()),
                static_cast<int>(clock_time.minutes().count()),
                static_cast<int>(clock_time.seconds().count()),
                static_cast<int>(clock_time.subseconds().count()));
  return utc_date(unix_ms) + text;
}

}  // namespace potluck
