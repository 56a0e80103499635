#pragma once
// Logging set-up. Log lines carry ids, sizes, counts and timings only: never
// request or response text (see DESIGN.md, privacy rules).
#include <spdlog/spdlog.h>

#include <string_view>

namespace potluck {

// Configures the default logger: stderr, "[time] [process] [level] message".
// Unknown level names fall back to info.
void init_logging(std::string_view process, std::string_view level);

}  // namespace potluck
