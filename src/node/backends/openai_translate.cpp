#include "node/backends/openai_translate.h"

#include "protocol/node_text.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::node::openai {
namespace json = boost::json;
namespace {

json::string_view js(std::string_view text) { return {text.data(), text.size()}; }

std::int64_t as_int(const json::value* v) {
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), INT64_MAX));
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return 0;
}

bool non_empty_string(const json::value* v) { return v && v->is_string() && !v->get_string().empty(); }

// A chat delta carries generated text when it has content, reasoning or a tool call.
bool delta_has_content(const json::object& delta) {
  return non_empty_string(delta.if_contains("content")) ||
         non_empty_string(delta.if_contains("reasoning_content")) ||
         delta.contains("tool_calls");
}

// The members of `object` other than `known` and other than nulls, as a JSON
// object text; "" when there are none. Nulls are left out: the consumer's
// answer shows them as null anyway, and an engine that sends "logprobs":null
// with every token would otherwise cost a field per chunk.
std::string other_members(const json::object& object, std::initializer_list<std::string_view> known) {
  json::object others;
  for (const auto& [key, value] : object) {
    if (value.is_null() || std::find(known.begin(), known.end(), std::string_view(key)) != known.end()) continue;
    others[key] = value;
  }
  return others.empty() ? std::string() : json::serialize(others);
}

// The consumer's body without Potluck's own fields, "model" set to `model`
// (when not empty).
std::expected<json::value, std::string> upstream_body(std::string_view payload, std::string_view model) {
  boost::system::error_code ec;
  auto value = json::parse(js(payload), ec);
  if (ec || !value.is_object()) return std::unexpected("payload is not a JSON object");
  auto& body = value.get_object();
  for (auto field : kPotluckOnlyFields) body.erase(js(field));
  if (!model.empty()) body["model"] = js(model);
  return value;
}

}  // namespace

std::expected<std::string, std::string> prepare_embedding_request(std::string_view payload, std::string_view model) {
  auto value = upstream_body(payload, model);
  if (!value) return std::unexpected(value.error());
  return json::serialize(*value);
}

EventOutcome translate_embeddings(std::string_view text) {
  EventOutcome out;
  boost::system::error_code ec;
  auto value = json::parse(js(text), ec);
  const json::array* data = nullptr;
  if (!ec && value.is_object())
    if (auto* d = value.get_object().if_contains("data"); d && d->is_array()) data = &d->get_array();
  if (!data) {
    out.error = true;
    return out;
  }
  for (const auto& item : *data) {
    const auto* entry = item.if_object();
    const auto* vector = entry ? entry->if_contains("embedding") : nullptr;
    if (!vector) {
      out.error = true;
      return out;
    }
    TranslatedChunk chunk;
    chunk.index = static_cast<int>(as_int(entry->if_contains("index")));
    chunk.delta = json::serialize(json::object{{"embedding", *vector}});
    out.chunks.push_back(std::move(chunk));
  }
  if (auto* usage = value.get_object().if_contains("usage"); usage && usage->is_object())
    out.usage = protocol::Usage{as_int(usage->get_object().if_contains("prompt_tokens")), 0};
  out.done = true;
  return out;
}

std::expected<std::string, std::string> prepare_request(std::string_view payload, std::string_view model,
                                                        Delivery delivery) {
  auto value = upstream_body(payload, model);
  if (!value) return std::unexpected(value.error());
  auto& body = value->get_object();
  if (delivery == Delivery::whole) {
    body["stream"] = false;
    body.erase("stream_options");
    return json::serialize(*value);
  }
  body["stream"] = true;
  // Merge, so other stream options the consumer chose survive.
  auto& options = body["stream_options"];
  if (!options.is_object()) options = json::object{};
  options.get_object()["include_usage"] = true;
  return json::serialize(*value);
}

std::string completion_target(std::string_view base_path, protocol::JobKind kind) {
  std::string target(base_path);
  if (kind == protocol::JobKind::embedding) target += "/v1/embeddings";
  else if (kind == protocol::JobKind::responses) target += "/v1/responses";
  else target += kind == protocol::JobKind::completion ? "/v1/completions" : "/v1/chat/completions";
  return target;
}

namespace {

// {"error": ...} in an event or a body: marks the outcome failed, with the
// error's numeric status when it has one. Returns whether there was one.
std::string detail_of(const json::object& message) {
  const json::value* text = message.if_contains("message");
  if (const auto* error = message.if_contains("error"); error && error->is_string()) text = error;
  if (const auto* error = message.if_contains("error"); error && error->is_object())
    text = error->get_object().if_contains("message");
  if (!text || !text->is_string()) return {};
  const std::string_view t = text->get_string();
  return protocol::printable_excerpt(t, protocol::kMaxDetailBytes);
}

bool read_error(const json::object& message, EventOutcome& out) {
  const auto* error = message.if_contains("error");
  if (!error || error->is_null()) return false;
  out.error = true;
  out.error_detail = detail_of(message);
  if (error->is_object()) {
    const auto& e = error->get_object();
    // llama.cpp puts the HTTP status in "code"; OpenAI uses a string there.
    std::int64_t status = as_int(e.if_contains("code"));
    if (status == 0) status = as_int(e.if_contains("status"));
    if (status >= 100 && status <= 599) out.error_status = static_cast<int>(status);
  }
  return true;
}

void read_usage(const json::object& message, EventOutcome& out) {
  if (const auto* usage = message.if_contains("usage"); usage && usage->is_object()) {
    const auto& u = usage->get_object();
    std::string details = other_members(u, {"prompt_tokens", "completion_tokens", "total_tokens"});
    // Details past the protocol's bound are display only: dropped, not sent.
    if (details.size() > protocol::kMaxExtrasBytes) details.clear();
    out.usage = protocol::Usage{as_int(u.if_contains("prompt_tokens")),
                                as_int(u.if_contains("completion_tokens")), std::move(details)};
  }
}

// A completion choice's text as the delta {"text": ...}.
void read_text(const json::object& choice, TranslatedChunk& chunk) {
  const auto* text = choice.if_contains("text");
  json::string_view t = text && text->is_string() ? json::string_view(text->get_string()) : "";
  chunk.delta = json::serialize(json::object{{"text", t}});
  chunk.has_content = !t.empty();
}

// One chunk per choice; `message_key` names the chat choice's object
// ("delta" in an event, "message" in a whole response).
void read_choices(protocol::JobKind kind, const json::object& message, std::string_view message_key,
                  EventOutcome& out) {
  const auto* choices = message.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  for (const auto& item : choices->get_array()) {
    if (!item.is_object()) continue;
    const auto& choice = item.get_object();
    TranslatedChunk chunk;
    chunk.index = static_cast<int>(as_int(choice.if_contains("index")));
    if (kind == protocol::JobKind::completion) {
      read_text(choice, chunk);
    } else if (const auto* delta = choice.if_contains(js(message_key)); delta && delta->is_object()) {
      chunk.delta = json::serialize(*delta);
      chunk.has_content = delta_has_content(delta->get_object());
    } else {
      chunk.delta = "{}";
    }
    if (const auto* reason = choice.if_contains("finish_reason"); reason && reason->is_string())
      chunk.finish_reason = std::string(reason->get_string());
    chunk.choice = other_members(choice, {"index", "finish_reason", kind == protocol::JobKind::completion
                                                                        ? std::string_view("text")
                                                                        : message_key});
    out.chunks.push_back(std::move(chunk));
  }
}

EventOutcome translate_message(protocol::JobKind kind, std::string_view text, std::string_view message_key) {
  EventOutcome out;
  boost::system::error_code ec;
  auto value = json::parse(js(text), ec);
  if (ec || !value.is_object()) {
    out.error = true;
    return out;
  }
  const auto& message = value.get_object();
  if (read_error(message, out)) return out;
  read_choices(kind, message, message_key, out);
  read_usage(message, out);
  out.response = other_members(message, {"id", "object", "created", "model", "choices", "usage"});
  if (out.response.size() > protocol::kMaxExtrasBytes) out.response.clear();
  return out;
}

}  // namespace

EventOutcome translate_event(protocol::JobKind kind, std::string_view data) {
  if (data == "[DONE]") {
    EventOutcome out;
    out.done = true;
    return out;
  }
  return translate_message(kind, data, "delta");
}

EventOutcome translate_response(protocol::JobKind kind, std::string_view body) {
  EventOutcome out = translate_message(kind, body, "message");
  if (!out.error) out.done = true;
  return out;
}

std::expected<std::string, std::string> prepare_responses_request(std::string_view payload, std::string_view model,
                                                                  Delivery delivery) {
  auto value = upstream_body(payload, model);
  if (!value) return std::unexpected(value.error());
  auto& body = value->get_object();
  body["stream"] = delivery == Delivery::streamed;
  body["store"] = false;
  return json::serialize(*value);
}

namespace {

// A Responses usage object as the protocol's: input and output tokens; its
// details stay in the event the consumer gets.
protocol::Usage responses_usage(const json::object& response) {
  const auto* usage = response.if_contains("usage");
  if (!usage || !usage->is_object()) return {};
  const auto& u = usage->get_object();
  return {as_int(u.if_contains("input_tokens")), as_int(u.if_contains("output_tokens")), {}};
}

// A response object's status ends the answer: completed ("stop") or
// incomplete ("length"); failed or cancelled fails the job.
void read_final_status(const json::object& response, EventOutcome& out, TranslatedChunk& chunk) {
  const auto* status = response.if_contains("status");
  const std::string_view s = status && status->is_string() ? std::string_view(status->get_string()) : "";
  if (s == "completed" || s == "incomplete") {
    chunk.finish_reason = s == "completed" ? "stop" : "length";
    out.usage = responses_usage(response);
    out.done = true;
    return;
  }
  out.error = true;
  if (const auto* error = response.if_contains("error"); error && error->is_object())
    out.error_detail = detail_of(response);
}

bool carries_output(std::string_view type) {
  return type == "response.output_text.delta" || type == "response.function_call_arguments.delta" ||
         type == "response.reasoning_text.delta" || type == "response.refusal.delta";
}

}  // namespace

EventOutcome translate_responses_event(std::string_view data) {
  EventOutcome out;
  if (data == "[DONE]") return out;  // some engines end every stream so; the answer ended at its final event
  boost::system::error_code ec;
  auto value = json::parse(js(data), ec);
  const auto* type = !ec && value.is_object() ? value.get_object().if_contains("type") : nullptr;
  if (!type || !type->is_string()) {
    out.error = true;
    return out;
  }
  const auto& event = value.get_object();
  const std::string_view t = type->get_string();
  if (t == "error" || t == "response.failed") {
    out.error = true;
    out.error_detail = detail_of(event);
    if (const auto* response = event.if_contains("response"); response && response->is_object())
      out.error_detail = detail_of(response->get_object());
    return out;
  }
  TranslatedChunk chunk;
  chunk.delta = std::string(data);
  if (carries_output(t)) {
    const auto* delta = event.if_contains("delta");
    chunk.has_content = non_empty_string(delta);
  }
  if (t == "response.completed" || t == "response.incomplete") {
    const auto* response = event.if_contains("response");
    if (!response || !response->is_object()) {
      out.error = true;
      return out;
    }
    read_final_status(response->get_object(), out, chunk);
    if (out.error) return out;
  }
  out.chunks.push_back(std::move(chunk));
  return out;
}

EventOutcome translate_responses_body(std::string_view body) {
  EventOutcome out;
  boost::system::error_code ec;
  auto value = json::parse(js(body), ec);
  if (ec || !value.is_object()) {
    out.error = true;
    return out;
  }
  const auto& response = value.get_object();
  if (read_error(response, out)) return out;
  TranslatedChunk chunk;
  chunk.delta = std::string(body);
  chunk.has_content = true;
  read_final_status(response, out, chunk);
  if (!out.error) out.chunks.push_back(std::move(chunk));
  return out;
}

std::string error_detail(std::string_view body) {
  boost::system::error_code ec;
  auto value = json::parse(js(body), ec);
  if (ec || !value.is_object()) return {};
  return detail_of(value.get_object());
}

int retry_after_seconds(std::string_view header) {
  if (header.empty() || header.size() > 10) return 0;
  std::int64_t seconds = 0;
  for (char c : header) {
    if (c < '0' || c > '9') return 0;
    seconds = seconds * 10 + (c - '0');
  }
  return static_cast<int>(std::min<std::int64_t>(seconds, protocol::kMaxRetryAfterS));
}

std::expected<std::vector<protocol::ModelOffer>, std::string> parse_models(
    std::string_view body, const std::vector<std::string>& filter) {
  boost::system::error_code ec;
  auto value = json::parse(js(body), ec);
  if (ec || !value.is_object()) return std::unexpected("model list is not a JSON object");
  const auto* data = value.get_object().if_contains("data");
  if (!data || !data->is_array()) return std::unexpected("model list has no data array");
  std::vector<protocol::ModelOffer> models;
  for (const auto& item : data->get_array()) {
    if (!item.is_object()) continue;
    const auto& m = item.get_object();
    const auto* id = m.if_contains("id");
    if (!id || !id->is_string() || id->get_string().empty()) continue;
    protocol::ModelOffer offer;
    offer.id = std::string(id->get_string());
    if (!filter.empty() && std::find(filter.begin(), filter.end(), offer.id) == filter.end()) continue;
    if (const auto* owner = m.if_contains("owned_by"); owner && owner->is_string())
      offer.owned_by = std::string(owner->get_string());
    // vLLM reports the context as max_model_len; llama.cpp as meta.n_ctx_train.
    offer.context = as_int(m.if_contains("max_model_len"));
    if (const auto* meta = m.if_contains("meta"); offer.context == 0 && meta && meta->is_object())
      offer.context = as_int(meta->get_object().if_contains("n_ctx_train"));
    if (offer.context < 0) offer.context = 0;
    models.push_back(std::move(offer));
  }
  return models;
}

}  // namespace potluck::node::openai
