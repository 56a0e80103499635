#pragma once
// Logging: what a file that logs includes (not <spdlog/spdlog.h> alone: with
// common/fmt_extern.h it uses fmt's compiled engine), and the set-up. Log
// lines carry ids, sizes, counts and timings only: never request or response
// text (see DESIGN.md, privacy rules).
#include "common/fmt_extern.h"

#include <spdlog/spdlog.h>

#include <expected>
#include <string>
#include <string_view>

namespace potluck {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, off
  // Empty: lines go to stderr (journald keeps them under systemd). Else a
  // file per UTC day beside this path (common/daily_log_file.h).
  std::string file;
  int retention_days = 7;  // daily files older than this are deleted
};

// Configures the default logger: "[time] [process] [level] message" to
// stderr or the daily files. Unknown level names fall back to info. A log
// file that cannot be opened is an error the caller reports at start-up.
std::expected<void, std::string> init_logging(std::string_view process, const LogOptions& options);

}  // namespace potluck
