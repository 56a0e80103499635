#include "coordinator/api/responses_passthrough.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

bool is_final(std::string_view type) { return type == "response.completed" || type == "response.incomplete"; }

std::string_view type_of(const json::object& event) {
  const auto* type = event.if_contains("type");
  return type && type->is_string() ? std::string_view(type->get_string()) : std::string_view();
}

}  // namespace

ResponsesPassThrough::ResponsesPassThrough(std::string id, std::int64_t created_at, std::string model,
                                           bool streamed)
    : id_(std::move(id)), created_at_(created_at), model_(std::move(model)), streamed_(streamed) {}

bool ResponsesPassThrough::admits(const protocol::Chunk& chunk) const {
  boost::system::error_code ec;
  const auto value = json::parse(json::string_view(chunk.delta.data(), chunk.delta.size()), ec);
  if (ec || !value.is_object() || chunk.index != 0 || final_) return false;
  const auto& object = value.get_object();
  if (!streamed_) return !object.contains("type") && object.contains("output");
  const std::string_view type = type_of(object);
  return !type.empty() && type != "error" && type != "response.failed";
}

void ResponsesPassThrough::take(const protocol::Chunk& chunk, std::string* events) {
  json::object object = parsed_object(chunk.delta);
  if (!streamed_) {
    own(object, nullptr);
    final_ = std::move(object);
    return;
  }
  if (auto* response = object.if_contains("response"); response && response->is_object())
    own(response->get_object(), nullptr);
  const std::string type(type_of(object));
  if (is_final(type)) {
    final_ = std::move(object);
    return;
  }
  event(events, type, std::move(object));
}

void ResponsesPassThrough::append_end_events(std::string& events, const protocol::Usage& usage) {
  if (!final_) return;  // not whole: the job fails instead (malformed output)
  json::object final_event = *final_;
  const std::string type(type_of(final_event));
  if (auto* response = final_event.if_contains("response"); response && response->is_object())
    own(response->get_object(), &usage);
  event(&events, type, std::move(final_event));
}

std::string ResponsesPassThrough::complete_response(const protocol::Usage& usage) const {
  json::object response = final_ ? *final_ : json::object{};
  own(response, &usage);
  return json::serialize(response);
}

void ResponsesPassThrough::own(json::object& response, const protocol::Usage* usage) const {
  response["id"] = id_;
  response["created_at"] = created_at_;
  response["model"] = model_;
  response["store"] = false;
  response["previous_response_id"] = nullptr;
  if (!usage) return;
  // The engine's details (cached, reasoning tokens) stay; the counts are the billed ones.
  json::object shown = responses_usage_object(*usage);
  if (const auto* engine = response.if_contains("usage"); engine && engine->is_object())
    for (const auto& [key, value] : engine->get_object())
      if (key.ends_with("_details")) shown[key] = value;
  response["usage"] = std::move(shown);
}

}  // namespace potluck::coordinator::api
