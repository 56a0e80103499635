#pragma once
// A log file per UTC day, and the retention that deletes old ones: a relay
// keeps its logs for a bounded time (docs/deploy.md, Log retention). Used
// by `--log-file PATH`: lines go to PATH's stem + "_YYYY-MM-DD" + extension
// (potluck.log -> potluck_2026-12-07.log), a new file at each UTC midnight.
#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

namespace potluck {

// The file that holds the lines of `day` ("YYYY-MM-DD") for the base path.
std::filesystem::path daily_log_path(const std::filesystem::path& base, const std::string& day);

// Deletes the base path's daily files whose day is more than
// `retention_days` before `today` (both "YYYY-MM-DD"); files that do not
// match the name pattern are left alone. Returns how many were deleted.
std::size_t prune_daily_logs(const std::filesystem::path& base, const std::string& today, int retention_days);

// An spdlog sink writing to the current day's file; when the UTC day
// changes it opens the next one and prunes. Opening fails loudly
// (spdlog_ex) at construction, so a bad path stops start-up.
class DailyLogFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  DailyLogFileSink(std::filesystem::path base, int retention_days);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  void open_day(const std::string& day);

  std::filesystem::path base_;
  int retention_days_;
  std::string day_;  // of the open file
  spdlog::details::file_helper file_;
};

}  // namespace potluck
