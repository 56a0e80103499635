#pragma once
// Reading the small JSON bodies of the /api endpoints: each reader answers a
// 400 with a message that names the field and what it must be.
#include "common/api_error.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

// The body as a JSON object; an empty body reads as {}.
std::expected<boost::json::object, ApiError> read_object(std::string_view body);

struct TextRule {
  bool required = false;
  std::size_t max_length = 100;
  bool (*allowed)(unsigned char) = nullptr;  // set: every character must pass
  std::string_view allowed_what;             // the characters `allowed` lets through, for the message
};
// A string field; absent and not required: `fallback`.
std::expected<std::string, ApiError> read_text(const boost::json::object& body, std::string_view field,
                                               TextRule rule, std::string fallback = {});

struct IntegerRule {
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t fallback = 0;  // when absent
};
std::expected<std::int64_t, ApiError> read_integer(const boost::json::object& body, std::string_view field,
                                                   IntegerRule rule);

std::expected<bool, ApiError> read_flag(const boost::json::object& body, std::string_view field);

}  // namespace potluck::coordinator::api
