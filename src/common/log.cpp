#include "common/log.h"

#include "common/daily_log_file.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace potluck {
namespace {

std::shared_ptr<spdlog::logger> make_logger(std::string_view process, const LogOptions& options) {
  if (options.file.empty()) return spdlog::stderr_color_mt(std::string(process));
  auto sink = std::make_shared<DailyLogFileSink>(options.file, options.retention_days);
  auto logger = std::make_shared<spdlog::logger>(std::string(process), std::move(sink));
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace

std::expected<void, std::string> init_logging(std::string_view process, const LogOptions& options) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    logger = make_logger(process, options);
  } catch (const spdlog::spdlog_ex& e) {
    return std::unexpected(std::string("cannot open the log file: ") + e.what());
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%n] [%l] %v");
  auto parsed = spdlog::level::from_str(options.level);
  if (parsed == spdlog::level::off && options.level != "off") parsed = spdlog::level::info;
  logger->set_level(parsed);
  // A file is written through line by line (an operator tails it); stderr
  // is unbuffered already.
  logger->flush_on(options.file.empty() ? spdlog::level::warn : spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
  return {};
}

}  // namespace potluck
