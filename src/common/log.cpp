#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace potluck {

void init_logging(std::string_view process, std::string_view level) {
  auto logger = spdlog::stderr_color_mt(std::string(process));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%n] [%l] %v");
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") parsed = spdlog::level::info;
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace potluck
