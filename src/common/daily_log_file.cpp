#include "common/daily_log_file.h"

#include "common/utc_time.h"

#include <chrono>
#include <system_error>

namespace potluck {
namespace {

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "YYYY-MM-DD" from a file name made by daily_log_path, if it is one.
std::optional<std::string> day_of(const std::filesystem::path& base, const std::filesystem::path& file) {
  const std::string prefix = base.stem().string() + "_";
  const std::string suffix = base.extension().string();
  const std::string name = file.filename().string();
  constexpr std::size_t kDayLength = 10;
  if (name.size() != prefix.size() + kDayLength + suffix.size()) return std::nullopt;
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return std::nullopt;
  std::string day = name.substr(prefix.size(), kDayLength);
  if (!parse_utc_date(day)) return std::nullopt;
  return day;
}

}  // namespace

std::filesystem::path daily_log_path(const std::filesystem::path& base, const std::string& day) {
  auto name = base.stem().string() + "_" + day + base.extension().string();
  return base.parent_path() / name;
}

std::size_t prune_daily_logs(const std::filesystem::path& base, const std::string& today, int retention_days) {
  const auto today_s = parse_utc_date(today);
  if (!today_s) return 0;
  const std::int64_t oldest_kept = *today_s - std::int64_t{retention_days} * 86'400;
  const auto dir = base.parent_path().empty() ? std::filesystem::path(".") : base.parent_path();
  std::error_code ec;
  std::size_t deleted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto day = day_of(base, entry.path());
    if (!day || !entry.is_regular_file(ec)) continue;
    if (*parse_utc_date(*day) >= oldest_kept) continue;
    if (std::filesystem::remove(entry.path(), ec)) ++deleted;
  }
  return deleted;
}

DailyLogFileSink::DailyLogFileSink(std::filesystem::path base, int retention_days)
    : base_(std::move(base)), retention_days_(retention_days) {
  open_day(utc_date(unix_ms(std::chrono::system_clock::now())));
}

void DailyLogFileSink::open_day(const std::string& day) {
  file_.close();
  file_.open(daily_log_path(base_, day).string());  // appends; creates the directory
  day_ = day;
  prune_daily_logs(base_, day, retention_days_);
}

void DailyLogFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  const auto day = utc_date(unix_ms(msg.time));
  if (day != day_) open_day(day);
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  file_.write(line);
}

void DailyLogFileSink::flush_() { file_.flush(); }

}  // namespace potluck
