#include "coordinator/api/responses_request.h"

#include <boost/json.hpp>

#include <array>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

using Step = std::expected<void, ApiError>;

// OpenAI's bound on alternatives per token.
constexpr std::int64_t kMaxTopLogprobs = 20;

ApiError invalid(std::string message, std::string code = "invalid_request") {
  return ApiError::bad_request(std::move(message), std::move(code));
}

// The member, unless it is absent or null.
const json::value* present(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::string string_or_empty(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Members that only the Responses API has: translated below, or dropped
// because they steer OpenAI's own service (caching, tiers, included extras).
// n and best_of are chat's, and a response has one answer. Every other
// member passes through to the engine, as on the chat path.
constexpr std::array<std::string_view, 25> kResponsesOnly = {
    "n",               "best_of",           "top_logprobs",
    "input",           "instructions",      "tools",        "tool_choice",       "text",
    "max_output_tokens", "previous_response_id", "conversation", "store",         "background",
    "prompt",          "metadata",          "include",      "reasoning",         "truncation",
    "service_tier",    "prompt_cache_key",  "prompt_cache_retention", "prompt_cache_options",
    "safety_identifier", "stream_options",  "max_tool_calls"};

// What needs a stored response or conversation: refused, since Potluck
// keeps no request or response text anywhere.
Step refuse_state(const json::object& req) {
  constexpr std::string_view kWhy = ": responses are not stored (Potluck stores nothing); ";
  if (present(req, "previous_response_id"))
    return std::unexpected(invalid("'previous_response_id' is not supported" + std::string(kWhy) +
                                       "send the whole conversation in 'input'",
                                   "previous_response_not_supported"));
  if (present(req, "conversation"))
    return std::unexpected(invalid("'conversation' is not supported" + std::string(kWhy) +
                                       "send the whole conversation in 'input'",
                                   "conversation_not_supported"));
  if (const auto* store = present(req, "store"); store && !(store->is_bool() && !store->get_bool()))
    return std::unexpected(invalid("'store' must be false or left out" + std::string(kWhy), "store_not_supported"));
  if (const auto* bg = present(req, "background"); bg && !(bg->is_bool() && !bg->get_bool()))
    return std::unexpected(invalid("'background' is not supported" + std::string(kWhy) +
                                       "use POST /v1/jobs for work that outlives the connection",
                                   "background_not_supported"));
  if (present(req, "prompt"))
    return std::unexpected(invalid("stored prompts ('prompt') are not supported" + std::string(kWhy),
                                   "prompt_not_supported"));
  return {};
}

// A content part as a chat part: text kinds become {"type":"text"}, an
// image URL {"type":"image_url"}. Files and audio have no chat form here.
std::expected<json::object, ApiError> chat_part(const json::value& part) {
  if (!part.is_object()) return std::unexpected(invalid("each content part must be an object", "invalid_input"));
  const auto& p = part.get_object();
  const std::string type = string_or_empty(p, "type");
  if (type == "input_text" || type == "output_text" || type == "text")
    return json::object{{"type", "text"}, {"text", p.contains("text") ? p.at("text") : json::value("")}};
  if (type == "refusal") return json::object{{"type", "text"}, {"text", p.contains("refusal") ? p.at("refusal") : json::value("")}};
  if (type == "input_image" && present(p, "image_url")) {
    json::object image{{"url", p.at("image_url")}};
    if (const auto* detail = present(p, "detail")) image["detail"] = *detail;
    return json::object{{"type", "image_url"}, {"image_url", std::move(image)}};
  }
  return std::unexpected(invalid("a content part's type must be input_text, output_text, refusal or input_image (with "
                                 "an image_url)",
                                 "invalid_input"));
}

// A message's content as chat content: a string stays one; parts that are
// all text are joined into one string (what every engine reads), others
// stay a list of chat parts.
std::expected<json::value, ApiError> chat_content(const json::value* content) {
  if (!content) return json::value("");
  if (content->is_string()) return *content;
  if (!content->is_array())
    return std::unexpected(invalid("'content' must be a string or an array of parts", "invalid_input"));
  json::array parts;
  bool all_text = true;
  std::string text;
  for (const auto& part : content->get_array()) {
    auto translated = chat_part(part);
    if (!translated) return std::unexpected(translated.error());
    if (const auto* t = translated->if_contains("text"); t && t->is_string()) text += t->get_string();
    else all_text = false;
    parts.push_back(std::move(*translated));
  }
  if (all_text) return json::value(text);
  return json::value(std::move(parts));
}

// The chat messages of `input`, item by item. Consecutive function_call
// items are one assistant message with several tool calls, as in chat.
class MessageList {
 public:
  void system(const json::value& text) { messages_.push_back(json::object{{"role", "system"}, {"content", text}}); }

  Step add(const json::value& item) {
    if (!item.is_object()) return std::unexpected(invalid("each input item must be an object", "invalid_input"));
    const auto& o = item.get_object();
    const std::string type = string_or_empty(o, "type");
    if (type.empty() || type == "message") return message(o);
    if (type == "function_call") return function_call(o);
    if (type == "function_call_output") return function_call_output(o);
    if (type == "reasoning") return {};  // an earlier answer's reasoning: engines do not take it back
    if (type == "item_reference")
      return std::unexpected(invalid("'item_reference' inputs are not supported: items are not stored (Potluck "
                                     "stores nothing); send the items themselves (with the AI SDK, set "
                                     "providerOptions.openai.store to false)",
                                     "item_reference_not_supported"));
    return std::unexpected(invalid("an input item's type must be message, function_call, function_call_output or "
                                   "reasoning",
                                   "invalid_input"));
  }

  json::array take() { return std::move(messages_); }
  bool empty() const { return messages_.empty(); }

 private:
  Step message(const json::object& o) {
    std::string role = string_or_empty(o, "role");
    if (role == "developer") role = "system";  // engines know system, not always developer
    if (role != "user" && role != "assistant" && role != "system")
      return std::unexpected(invalid("a message's 'role' must be user, assistant, system or developer", "invalid_input"));
    auto content = chat_content(o.if_contains("content"));
    if (!content) return std::unexpected(content.error());
    messages_.push_back(json::object{{"role", role}, {"content", std::move(*content)}});
    calls_open_ = false;
    return {};
  }

  Step function_call(const json::object& o) {
    const auto* call_id = o.if_contains("call_id");
    const auto* name = o.if_contains("name");
    if (!call_id || !call_id->is_string() || !name || !name->is_string())
      return std::unexpected(invalid("a function_call item needs a string 'call_id' and 'name'", "invalid_input"));
    const auto* arguments = o.if_contains("arguments");
    json::object call{{"id", *call_id},
                      {"type", "function"},
                      {"function", json::object{{"name", *name},
                                                {"arguments", arguments && arguments->is_string() ? *arguments
                                                                                                 : json::value("{}")}}}};
    if (!calls_open_) {
      messages_.push_back(json::object{{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{}}});
      calls_open_ = true;
    }
    messages_.back().as_object()["tool_calls"].as_array().push_back(std::move(call));
    return {};
  }

  Step function_call_output(const json::object& o) {
    const auto* call_id = o.if_contains("call_id");
    if (!call_id || !call_id->is_string())
      return std::unexpected(invalid("a function_call_output item needs a string 'call_id'", "invalid_input"));
    auto output = chat_content(o.if_contains("output"));
    if (!output) return std::unexpected(output.error());
    messages_.push_back(json::object{{"role", "tool"}, {"tool_call_id", *call_id}, {"content", std::move(*output)}});
    calls_open_ = false;
    return {};
  }

  json::array messages_;
  bool calls_open_ = false;  // the last message is an assistant's tool calls
};

Step add_input(const json::object& req, MessageList& messages) {
  const auto* input = present(req, "input");
  if (!input) return std::unexpected(invalid("'input' is a required property", "invalid_input"));
  if (input->is_string()) {
    messages.add(json::object{{"role", "user"}, {"content", *input}});
    return {};
  }
  if (!input->is_array() || input->get_array().empty())
    return std::unexpected(invalid("'input' must be a string or a non-empty array of items", "invalid_input"));
  if (input->get_array().size() > kMaxResponsesInputItems)
    return std::unexpected(invalid("'input' has more than " + std::to_string(kMaxResponsesInputItems) + " items",
                                   "too_many_input_items"));
  for (const auto& item : input->get_array())
    if (auto added = messages.add(item); !added) return added;
  if (messages.empty()) return std::unexpected(invalid("'input' has no message", "invalid_input"));
  return {};
}

// Function tools: {"type":"function","name",...} -> {"type":"function","function":{"name",...}}.
std::expected<json::array, ApiError> chat_tools(const json::value& tools) {
  if (!tools.is_array()) return std::unexpected(invalid("'tools' must be an array", "invalid_tools"));
  json::array out;
  for (const auto& tool : tools.get_array()) {
    const auto* t = tool.if_object();
    const std::string type = t ? string_or_empty(*t, "type") : std::string();
    if (type != "function")
      return std::unexpected(invalid("only function tools are supported", "unsupported_tool"));
    if (!present(*t, "name") || !t->at("name").is_string())
      return std::unexpected(invalid("a function tool needs a string 'name'", "invalid_tools"));
    json::object function;
    for (std::string_view key : {"name", "description", "parameters", "strict"})
      if (const auto* v = present(*t, key)) function[key] = *v;
    out.push_back(json::object{{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

std::expected<json::value, ApiError> chat_tool_choice(const json::value& choice) {
  if (choice.is_string()) {
    const auto& s = choice.get_string();
    if (s == "auto" || s == "none" || s == "required") return choice;
  } else if (const auto* o = choice.if_object(); o && string_or_empty(*o, "type") == "function" && present(*o, "name")) {
    return json::object{{"type", "function"}, {"function", json::object{{"name", o->at("name")}}}};
  }
  return std::unexpected(invalid("'tool_choice' must be auto, none, required or a function", "invalid_tool_choice"));
}

// text.format as a chat response_format; plain text needs none.
std::expected<json::value, ApiError> chat_response_format(const json::value& text) {
  const auto* t = text.if_object();
  const auto* format = t ? present(*t, "format") : nullptr;
  if (!format) return json::value(nullptr);
  const auto* f = format->if_object();
  const std::string type = f ? string_or_empty(*f, "type") : std::string();
  if (type == "text") return json::value(nullptr);
  if (type == "json_object") return json::object{{"type", "json_object"}};
  if (type == "json_schema") {
    json::object schema;
    for (std::string_view key : {"name", "schema", "strict", "description"})
      if (const auto* v = present(*f, key)) schema[key] = *v;
    return json::object{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
  }
  return std::unexpected(invalid("'text.format' must be text, json_object or json_schema", "invalid_text_format"));
}

// The members a response object repeats, as given or their defaults.
json::object echo_of(const json::object& req) {
  const auto member = [&](std::string_view key, json::value fallback) {
    const auto* v = present(req, key);
    return v ? *v : fallback;
  };
  return json::object{{"instructions", member("instructions", nullptr)},
                      {"max_output_tokens", member("max_output_tokens", nullptr)},
                      {"parallel_tool_calls", member("parallel_tool_calls", true)},
                      {"temperature", member("temperature", nullptr)},
                      {"text", member("text", json::object{{"format", json::object{{"type", "text"}}}})},
                      {"tool_choice", member("tool_choice", "auto")},
                      {"tools", member("tools", json::array{})},
                      {"top_logprobs", member("top_logprobs", 0)},
                      {"top_p", member("top_p", nullptr)},
                      {"metadata", member("metadata", json::object{})},
                      {"user", member("user", nullptr)}};
}

// Token logprobs are given when `include` names
// "message.output_text.logprobs", with `top_logprobs` alternatives per
// token: chat's `logprobs: true` and `top_logprobs`. Other includes name
// things OpenAI's service keeps or runs (file search results, encrypted
// reasoning) and are ignored.
Step translate_logprobs(const json::object& req, json::object& chat) {
  bool wanted = false;
  if (const auto* include = present(req, "include")) {
    if (!include->is_array()) return std::unexpected(invalid("'include' must be an array of strings", "invalid_include"));
    for (const auto& item : include->get_array()) {
      if (!item.is_string()) return std::unexpected(invalid("'include' must be an array of strings", "invalid_include"));
      wanted = wanted || item.get_string() == "message.output_text.logprobs";
    }
  }
  const auto* top = present(req, "top_logprobs");
  if (top && (!top->is_int64() || top->get_int64() < 0 || top->get_int64() > kMaxTopLogprobs))
    return std::unexpected(invalid("'top_logprobs' must be an integer from 0 to 20", "invalid_top_logprobs"));
  if (!wanted) return {};
  chat["logprobs"] = true;
  if (top) chat["top_logprobs"] = *top;
  return {};
}

// Sets the chat members that the Responses members translate to.
Step translate_members(const json::object& req, json::object& chat) {
  if (auto logprobs = translate_logprobs(req, chat); !logprobs) return logprobs;
  MessageList messages;
  if (const auto* instructions = present(req, "instructions")) {
    if (!instructions->is_string())
      return std::unexpected(invalid("'instructions' must be a string", "invalid_instructions"));
    messages.system(*instructions);
  }
  if (auto added = add_input(req, messages); !added) return added;
  chat["messages"] = messages.take();
  if (const auto* tools = present(req, "tools")) {
    auto translated = chat_tools(*tools);
    if (!translated) return std::unexpected(translated.error());
    if (!translated->empty()) chat["tools"] = std::move(*translated);
  }
  if (const auto* choice = present(req, "tool_choice")) {
    auto translated = chat_tool_choice(*choice);
    if (!translated) return std::unexpected(translated.error());
    chat["tool_choice"] = std::move(*translated);
  }
  if (const auto* text = present(req, "text")) {
    auto format = chat_response_format(*text);
    if (!format) return std::unexpected(format.error());
    if (!format->is_null()) chat["response_format"] = std::move(*format);
  }
  if (const auto* max = present(req, "max_output_tokens")) {
    if (!max->is_int64() || max->get_int64() < 1)
      return std::unexpected(invalid("'max_output_tokens' must be a positive integer", "invalid_max_output_tokens"));
    chat["max_tokens"] = *max;
  }
  return {};
}

}  // namespace

std::expected<ResponsesRequest, ApiError> translate_responses_request(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return std::unexpected(invalid("request body is not valid JSON (" + ec.message() + ")"));
  if (!value.is_object()) return std::unexpected(invalid("request body must be a JSON object"));
  const auto& req = value.get_object();
  if (auto refused = refuse_state(req); !refused) return std::unexpected(refused.error());

  json::object chat;
  for (const auto& [key, member] : req) {
    const std::string_view name(key.data(), key.size());
    if (std::find(kResponsesOnly.begin(), kResponsesOnly.end(), name) == kResponsesOnly.end()) chat[key] = member;
  }
  if (auto translated = translate_members(req, chat); !translated) return std::unexpected(translated.error());
  return ResponsesRequest{json::serialize(chat), echo_of(req)};
}

std::string passthrough_body(std::string_view body, std::int64_t max_output_tokens) {
  json::value value = json::parse(json::string_view(body.data(), body.size()));
  auto& req = value.as_object();
  req["max_output_tokens"] = max_output_tokens;
  req["store"] = false;
  return json::serialize(value);
}

}  // namespace potluck::coordinator::api
