#include "coordinator/api/responses_output.h"

#include "net/sse.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
json::object parsed_object(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !value.is_object()) return {};
  return std::move(value.get_object());
}

namespace {

std::int64_t count_in(const json::object& details, std::string_view group, std::string_view key) {
  const auto* g = details.if_contains(group);
  const auto* v = g && g->is_object() ? g->get_object().if_contains(key) : nullptr;
  return v && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace

json::object responses_usage_object(const protocol::Usage& usage) {
  const json::object details = usage.details.empty() ? json::object{} : parsed_object(usage.details);
  return json::object{
      {"input_tokens", usage.prompt_tokens},
      {"input_tokens_details", json::object{{"cached_tokens", count_in(details, "prompt_tokens_details", "cached_tokens")}}},
      {"output_tokens", usage.completion_tokens},
      {"output_tokens_details",
       json::object{{"reasoning_tokens", count_in(details, "completion_tokens_details", "reasoning_tokens")}}},
      {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

void ResponsesOutput::append_error_event(std::string& events, const ApiError& error) {
  json::object members = parsed_object(error.to_json());  // {"error":{...}}
  members["code"] = error.code.empty() ? json::value(nullptr) : json::value(error.code);
  members["message"] = error.message;
  members["param"] = nullptr;
  event(&events, "error", std::move(members));
}

void ResponsesOutput::event(std::string* events, std::string_view type, json::object members) {
  const std::int64_t sequence = sequence_++;
  if (!events) return;
  json::object e{{"type", type}, {"sequence_number", sequence}};
  for (auto& [key, value] : members)
    if (key != "type" && key != "sequence_number") e[key] = std::move(value);
  *events += "event: ";
  *events += type;
  *events += '\n';
  net::append_sse_event(*events, json::serialize(e));
}

}  // namespace potluck::coordinator::api
