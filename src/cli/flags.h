#pragma once
#include "common/log.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace potluck::cli {

// Duration flags are read as integers (the unit is in the flag's name) and
// copied into the chrono fields when the command runs. A negative duration
// means nothing for any of them (a timer, a TTL, an interval), so every one
// refuses it at parse time with CLI11's own error.
class DurationFlags {
 public:
  template <class Duration>
  void add(CLI::App* cmd, const std::string& name, Duration& field, const std::string& env,
           const std::string& help) {
    auto& value = values_.emplace_back(field.count());
    cmd->add_option(name, value, help)->envname(env)->check(CLI::NonNegativeNumber)->capture_default_str();
    apply_.push_back([&field, &value] { field = Duration(value); });
  }
  void apply() const {
    for (const auto& f : apply_) f();
  }

 private:
  std::deque<std::int64_t> values_;  // stable addresses for CLI11
  std::vector<std::function<void()>> apply_;
};

// --log-level, --log-file and --log-retention-days, shared by `serve` and
// `node` (environment: POTLUCK_LOG_LEVEL, ...).
inline void add_log_flags(CLI::App* cmd, LogOptions& log) {
  cmd->add_option("--log-level", log.level, "trace, debug, info, warn, error")
      ->envname("POTLUCK_LOG_LEVEL")->capture_default_str();
  cmd->add_option("--log-file", log.file,
                  "Write log lines to a file per UTC day beside this path (potluck.log -> "
                  "potluck_YYYY-MM-DD.log) instead of stderr")
      ->envname("POTLUCK_LOG_FILE");
  cmd->add_option("--log-retention-days", log.retention_days,
                  "With --log-file: daily files older than this many days are deleted")
      ->envname("POTLUCK_LOG_RETENTION_DAYS")->check(CLI::Range(1, 3650))->capture_default_str();
}

}  // namespace potluck::cli
