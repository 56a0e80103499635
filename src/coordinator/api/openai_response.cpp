#include "coordinator/api/openai_response.h"

#include "common/ids.h"

#include <boost/json.hpp>

#include <array>
#include <span>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

// Members of a response the coordinator writes itself; an engine's (or a
// node's) are dropped.
constexpr std::array<std::string_view, 6> kOwnedMembers = {"id", "object", "created", "model", "choices", "usage"};
// Members of a choice that the chunk frame carries in fields of its own.
constexpr std::array<std::string_view, 5> kChoiceMembers = {"index", "delta", "message", "text", "finish_reason"};
constexpr std::array<std::string_view, 3> kUsageCounts = {"prompt_tokens", "completion_tokens", "total_tokens"};

std::string quoted(std::string_view text) {
  return json::serialize(json::string_view(text.data(), text.size()));
}

// The members of a compact JSON object, without the braces: {"a":1} -> "a":1.
std::string_view object_members(std::string_view object) {
  if (object.size() < 2) return {};
  return object.substr(1, object.size() - 2);
}

// `text` as an object without the `dropped` members; empty when it is not one.
json::object extras_of(std::string_view text, std::span<const std::string_view> dropped = {}) {
  boost::system::error_code ec;
  auto value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !value.is_object()) return {};
  auto& object = value.get_object();
  for (auto key : dropped) object.erase(json::string_view(key.data(), key.size()));
  return std::move(object);
}

}  // namespace

std::string new_response_id(protocol::JobKind kind) {
  return make_id(kind == protocol::JobKind::chat ? "chatcmpl-" : "cmpl-", 24);
}

// The counts, then the engine's details (prompt_tokens_details, ...).
std::string usage_json(const protocol::Usage& usage) {
  std::string out = "{\"prompt_tokens\":" + std::to_string(usage.prompt_tokens) +
                    ",\"completion_tokens\":" + std::to_string(usage.completion_tokens) +
                    ",\"total_tokens\":" + std::to_string(usage.prompt_tokens + usage.completion_tokens);
  if (!usage.details.empty()) {
    const auto details = extras_of(usage.details, kUsageCounts);
    if (!details.empty()) {
      out += ',';
      out += object_members(json::serialize(details));
    }
  }
  out += '}';
  return out;
}

ResponseFormat::ResponseFormat(protocol::JobKind kind, std::string id, std::int64_t created,
                               std::string model)
    : kind_(kind), id_(std::move(id)), created_(created), model_json_(quoted(model)) {
  take_response_extras({});
}

// Extras replace the ones before (a node sends them whole when they change).
void ResponseFormat::take_response_extras(const std::string& response) {
  response_extras_ = response.empty() ? json::object{} : extras_of(response, kOwnedMembers);
  // Small extras (system_fingerprint, service_tier) go into every later
  // event, as engines send them; large ones only into the event that brought
  // them, so that a node cannot make each of its tiny chunks cost the
  // consumer kMaxExtrasBytes.
  extras_repeat_ = json::serialize(response_extras_).size() <= kRepeatedExtrasBytes;
  chunk_prefix_ = prefix_with(extras_repeat_ ? response_extras_ : json::object{});
}

std::string ResponseFormat::prefix_with(const json::object& extras) const {
  std::string_view object = kind_ == protocol::JobKind::chat ? "chat.completion.chunk" : "text_completion";
  std::string prefix = "{\"id\":" + quoted(id_) + ",\"object\":\"" + std::string(object) +
                       "\",\"created\":" + std::to_string(created_) + ",\"model\":" + model_json_;
  if (!extras.empty()) {
    prefix += ',';
    prefix += object_members(json::serialize(extras));
  }
  prefix += ",\"choices\":[";
  return prefix;
}

void ResponseFormat::append_chunk_event(std::string& out, const protocol::Chunk& chunk) {
  std::string once;  // the prefix with extras too large to repeat
  if (!chunk.response.empty()) {
    take_response_extras(chunk.response);
    if (!extras_repeat_) once = prefix_with(response_extras_);
  }
  out += "data: ";
  out += once.empty() ? chunk_prefix_ : once;
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
  if (chunk.choice.empty()) {
    out += ",\"logprobs\":null";
  } else {
    auto extras = extras_of(chunk.choice, kChoiceMembers);
    if (!extras.contains("logprobs")) extras["logprobs"] = nullptr;
    out += ',';
    out += object_members(json::serialize(extras));
  }
  out += ",\"finish_reason\":";
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
  if (!chunk.response.empty()) take_response_extras(chunk.response);
  if (!chunk.delta.empty()) choice.message_merge.merge(choice.message, extras_of(chunk.delta));
  if (!chunk.choice.empty()) choice.extras_merge.merge(choice.extras, extras_of(chunk.choice, kChoiceMembers));
}

// OpenAI's member order: index, message (role, content, the rest) or text,
// logprobs, finish_reason, then the engine's other members.
json::object ResponseFormat::render_choice(int index, const Choice& c) const {
  json::object o{{"index", index}};
  if (kind_ == protocol::JobKind::chat) {
    const auto* role = c.message.if_contains("role");
    const auto* content = c.message.if_contains("content");
    json::object message{{"role", role && role->is_string() ? *role : json::value("assistant")},
                         {"content", content ? *content : json::value(nullptr)}};
    for (const auto& [key, value] : c.message)
      if (key != "role" && key != "content") message[key] = value;
    o["message"] = std::move(message);
  } else {
    const auto* text = c.message.if_contains("text");
    o["text"] = text && text->is_string() ? *text : json::value("");
  }
  const auto* logprobs = c.extras.if_contains("logprobs");
  o["logprobs"] = logprobs ? *logprobs : json::value(nullptr);
  o["finish_reason"] = c.finish_reason.empty() ? "stop" : c.finish_reason;
  for (const auto& [key, value] : c.extras)
    if (key != "logprobs") o[key] = value;
  return o;
}

std::string ResponseFormat::complete_response(const protocol::Usage& usage) const {
  json::array choices;
  if (choices_.empty()) choices.push_back(render_choice(0, Choice{}));
  for (const auto& [index, choice] : choices_) choices.push_back(render_choice(index, choice));
  std::string object = kind_ == protocol::JobKind::chat ? "chat.completion" : "text_completion";
  json::object response{{"id", id_},        {"object", object},
                        {"created", created_}, {"model", json::parse(model_json_)},
                        {"choices", std::move(choices)},
                        {"usage", json::parse(usage_json(usage))}};
  for (const auto& [key, value] : response_extras_) response[key] = value;
  return json::serialize(response);
}

}  // namespace potluck::coordinator::api
