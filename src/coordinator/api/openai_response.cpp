#include "coordinator/api/openai_response.h"

#include "common/ids.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

std::string quoted(std::string_view text) {
  return json::serialize(json::string_view(text.data(), text.size()));
}

// The members of a compact JSON object, without the braces: {"a":1} -> "a":1.
std::string_view object_members(std::string_view object) {
  if (object.size() < 2) return {};
  return object.substr(1, object.size() - 2);
}

}  // namespace

std::string new_response_id(protocol::JobKind kind) {
  return make_id(kind == protocol::JobKind::chat ? "chatcmpl-" : "cmpl-", 24);
}

std::string usage_json(const protocol::Usage& usage) {
  return "{\"prompt_tokens\":" + std::to_string(usage.prompt_tokens) +
         ",\"completion_tokens\":" + std::to_string(usage.completion_tokens) +
         ",\"total_tokens\":" + std::to_string(usage.prompt_tokens + usage.completion_tokens) + "}";
}

ResponseFormat::ResponseFormat(protocol::JobKind kind, std::string id, std::int64_t created,
                               std::string model)
    : kind_(kind), id_(std::move(id)), created_(created), model_json_(quoted(model)) {
  std::string_view object = kind_ == protocol::JobKind::chat ? "chat.completion.chunk" : "text_completion";
  chunk_prefix_ = "{\"id\":" + quoted(id_) + ",\"object\":\"" + std::string(object) +
                  "\",\"created\":" + std::to_string(created_) + ",\"model\":" + model_json_ +
                  ",\"choices\":[";
}

void ResponseFormat::append_chunk_event(std::string& out, const protocol::Chunk& chunk) const {
  out += "data: ";
  out += chunk_prefix_;
  out += "{\"index\":";
  out += std::to_string(chunk.index);
  std::string_view delta = chunk.delta.empty() ? std::string_view("{}") : std::string_view(chunk.delta);
  if (kind_ == protocol::JobKind::chat) {
    out += ",\"delta\":";
    out += delta;
  } else {
    auto members = object_members(delta);
    out += ',';
    out += members.empty() ? std::string_view("\"text\":\"\"") : members;
  }
  out += ",\"logprobs\":null,\"finish_reason\":";
  out += chunk.finish_reason.empty() ? std::string("null") : quoted(chunk.finish_reason);
  out += "}]}\n\n";
}

void ResponseFormat::append_usage_event(std::string& out, const protocol::Usage& usage) const {
  out += "data: ";
  out += chunk_prefix_;
  out += "],\"usage\":";
  out += usage_json(usage);
  out += "}\n\n";
}

void ResponseFormat::append_done_event(std::string& out) { out += "data: [DONE]\n\n"; }

void ResponseFormat::collect(const protocol::Chunk& chunk) {
  auto& choice = choices_[chunk.index];
  if (!chunk.finish_reason.empty()) choice.finish_reason = chunk.finish_reason;
  if (chunk.delta.empty()) return;
  boost::system::error_code ec;
  auto delta = json::parse(chunk.delta, ec);
  if (ec || !delta.is_object()) return;
  const auto& obj = delta.get_object();
  std::string_view field = kind_ == protocol::JobKind::chat ? "content" : "text";
  if (auto* text = obj.if_contains(field); text && text->is_string()) choice.text += text->get_string();
  if (auto* role = obj.if_contains("role"); role && role->is_string()) choice.role = role->get_string();
}

std::string ResponseFormat::complete_response(const protocol::Usage& usage) const {
  json::array choices;
  auto render = [&](int index, const Choice& c) {
    json::object o{{"index", index}, {"logprobs", nullptr}};
    if (c.finish_reason.empty()) o["finish_reason"] = "stop";
    else o["finish_reason"] = c.finish_reason;
    if (kind_ == protocol::JobKind::chat)
      o["message"] = json::object{{"role", c.role}, {"content", c.text}, {"refusal", nullptr}};
    else
      o["text"] = c.text;
    choices.push_back(std::move(o));
  };
  if (choices_.empty()) render(0, Choice{});
  for (const auto& [index, choice] : choices_) render(index, choice);
  std::string object = kind_ == protocol::JobKind::chat ? "chat.completion" : "text_completion";
  json::object response{{"id", id_},        {"object", object},
                        {"created", created_}, {"model", json::parse(model_json_)},
                        {"choices", std::move(choices)},
                        {"usage", json::parse(usage_json(usage))}};
  return json::serialize(response);
}

}  // namespace potluck::coordinator::api
