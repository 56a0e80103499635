#include "coordinator/api/responses_format.h"

#include "common/ids.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

json::object text_part(std::string_view text, const json::array& logprobs) {
  return json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array{}}, {"logprobs", logprobs}};
}

// Chat's per-token logprobs ({"logprobs":{"content":[{token, logprob,
// bytes, top_logprobs}]}} in a choice) have the form the Responses API
// gives them in: they pass as they are.
json::array token_logprobs(std::string_view choice) {
  if (choice.empty()) return {};
  const json::object members = parsed_object(choice);
  const auto* logprobs = members.if_contains("logprobs");
  const auto* content = logprobs && logprobs->is_object() ? logprobs->get_object().if_contains("content") : nullptr;
  return content && content->is_array() ? content->get_array() : json::array{};
}

json::object reasoning_part(std::string_view text) { return json::object{{"type", "reasoning_text"}, {"text", text}}; }

}  // namespace

std::string new_responses_id() { return make_id("resp_", 24); }

ResponsesFormat::ResponsesFormat(std::string id, std::int64_t created_at, std::string model, json::object echo)
    : id_(std::move(id)), created_at_(created_at), model_(std::move(model)), echo_(std::move(echo)) {}

void ResponsesFormat::take(const protocol::Chunk& chunk, std::string* events) {
  start(events);
  if (chunk.index != 0) return;
  if (!chunk.finish_reason.empty()) finish_reason_ = chunk.finish_reason;
  if (chunk.delta.empty()) return;
  const json::object delta = parsed_object(chunk.delta);
  if (const auto* reasoning = delta.if_contains("reasoning_content");
      reasoning && reasoning->is_string() && !reasoning->get_string().empty())
    take_reasoning(reasoning->get_string(), events);
  if (const auto* content = delta.if_contains("content"); content && content->is_string() && !content->get_string().empty())
    take_text(content->get_string(), token_logprobs(chunk.choice), events);
  const auto* calls = delta.if_contains("tool_calls");
  if (!calls || !calls->is_array()) return;
  std::int64_t position = 0;
  for (const auto& call : calls->get_array()) {
    if (const auto* c = call.if_object()) {
      json::object indexed = *c;
      if (!indexed.contains("index")) indexed["index"] = position;  // a whole answer's calls have none
      take_tool_call(indexed, events);
    }
    ++position;
  }
}

void ResponsesFormat::start(std::string* events) {
  if (started_) return;
  started_ = true;
  event(events, "response.created", json::object{{"response", render("in_progress", nullptr)}});
  event(events, "response.in_progress", json::object{{"response", render("in_progress", nullptr)}});
}

std::size_t ResponsesFormat::open_item(ItemKind kind, std::optional<std::size_t>& open, std::string* events) {
  close_items(events);
  items_.push_back(Item{kind, make_id(kind == ItemKind::message ? "msg_" : "rs_", 24)});
  open = items_.size() - 1;
  const auto index = static_cast<std::int64_t>(*open);
  event(events, "response.output_item.added", json::object{{"output_index", index}, {"item", render_item(items_.back(), false)}});
  event(events, "response.content_part.added",
        json::object{{"item_id", items_.back().id}, {"output_index", index}, {"content_index", 0},
                     {"part", kind == ItemKind::message ? text_part("", {}) : reasoning_part("")}});
  return *open;
}

void ResponsesFormat::take_reasoning(std::string_view text, std::string* events) {
  const std::size_t at = open_reasoning_ ? *open_reasoning_ : open_item(ItemKind::reasoning, open_reasoning_, events);
  items_[at].text += text;
  event(events, "response.reasoning_text.delta",
        json::object{{"item_id", items_[at].id}, {"output_index", static_cast<std::int64_t>(at)}, {"content_index", 0},
                     {"delta", text}});
}

void ResponsesFormat::take_text(std::string_view text, const json::array& logprobs, std::string* events) {
  if (!open_message_) open_item(ItemKind::message, open_message_, events);
  Item& item = items_[*open_message_];
  item.text += text;
  item.logprobs.insert(item.logprobs.end(), logprobs.begin(), logprobs.end());
  event(events, "response.output_text.delta",
        json::object{{"item_id", item.id},
                     {"output_index", static_cast<std::int64_t>(*open_message_)},
                     {"content_index", 0},
                     {"delta", text},
                     {"logprobs", logprobs}});
}

void ResponsesFormat::take_tool_call(const json::object& call, std::string* events) {
  const auto* index_value = call.if_contains("index");
  const std::int64_t tool_index = index_value && index_value->is_int64() ? index_value->get_int64() : 0;
  const auto* function_value = call.if_contains("function");
  const json::object function = function_value && function_value->is_object() ? function_value->get_object() : json::object{};
  auto open = open_calls_.find(tool_index);
  if (open == open_calls_.end()) {
    close_text_items(events);  // the text before a call is finished
    Item item{ItemKind::function_call, make_id("fc_", 24)};
    const auto* id = call.if_contains("id");
    item.call_id = id && id->is_string() ? std::string(id->get_string()) : make_id("call_", 24);
    const auto* name = function.if_contains("name");
    item.name = name && name->is_string() ? std::string(name->get_string()) : std::string();
    items_.push_back(std::move(item));
    open = open_calls_.emplace(tool_index, items_.size() - 1).first;
    event(events, "response.output_item.added",
          json::object{{"output_index", static_cast<std::int64_t>(open->second)}, {"item", render_item(items_.back(), false)}});
  }
  const auto* arguments = function.if_contains("arguments");
  if (!arguments || !arguments->is_string() || arguments->get_string().empty()) return;
  Item& item = items_[open->second];
  item.text += arguments->get_string();
  event(events, "response.function_call_arguments.delta",
        json::object{{"item_id", item.id}, {"output_index", static_cast<std::int64_t>(open->second)},
                     {"delta", arguments->get_string()}});
}

void ResponsesFormat::close_text_items(std::string* events) {
  for (auto* open : {&open_reasoning_, &open_message_}) {
    if (*open) close(**open, events);
    open->reset();
  }
}

// Every open item, in output order.
void ResponsesFormat::close_items(std::string* events) {
  std::vector<std::size_t> open;
  if (open_reasoning_) open.push_back(*open_reasoning_);
  if (open_message_) open.push_back(*open_message_);
  for (const auto& [tool_index, at] : open_calls_) open.push_back(at);
  std::sort(open.begin(), open.end());
  for (std::size_t at : open) close(at, events);
  open_reasoning_.reset();
  open_message_.reset();
  open_calls_.clear();
}

void ResponsesFormat::close(std::size_t at, std::string* events) {
  Item& item = items_[at];
  const auto index = static_cast<std::int64_t>(at);
  item.done = true;
  if (item.kind == ItemKind::reasoning) {
    event(events, "response.reasoning_text.done",
          json::object{{"item_id", item.id}, {"output_index", index}, {"content_index", 0}, {"text", item.text}});
    event(events, "response.content_part.done",
          json::object{{"item_id", item.id}, {"output_index", index}, {"content_index", 0}, {"part", reasoning_part(item.text)}});
  } else if (item.kind == ItemKind::message) {
    event(events, "response.output_text.done",
          json::object{{"item_id", item.id}, {"output_index", index}, {"content_index", 0}, {"text", item.text},
                       {"logprobs", item.logprobs}});
    event(events, "response.content_part.done",
          json::object{{"item_id", item.id}, {"output_index", index}, {"content_index", 0},
                       {"part", text_part(item.text, item.logprobs)}});
  } else {
    event(events, "response.function_call_arguments.done",
          json::object{{"item_id", item.id}, {"output_index", index}, {"name", item.name}, {"arguments", item.text}});
  }
  event(events, "response.output_item.done", json::object{{"output_index", index}, {"item", render_item(item, true)}});
}

void ResponsesFormat::append_end_events(std::string& events, const protocol::Usage& usage) {
  start(&events);
  close_items(&events);
  const std::string_view status = final_status();
  event(&events, status == "completed" ? "response.completed" : "response.incomplete",
        json::object{{"response", render(status, &usage)}});
}

std::string ResponsesFormat::complete_response(const protocol::Usage& usage) const {
  return json::serialize(render(final_status(), &usage));
}

json::object ResponsesFormat::render_item(const Item& item, bool done) const {
  const std::string_view status = done ? "completed" : "in_progress";
  if (item.kind == ItemKind::reasoning) {
    json::array content;
    if (done) content.push_back(reasoning_part(item.text));
    return json::object{{"id", item.id}, {"type", "reasoning"}, {"status", status}, {"summary", json::array{}},
                        {"content", std::move(content)}};
  }
  if (item.kind == ItemKind::message) {
    json::array content;
    if (done) content.push_back(text_part(item.text, item.logprobs));
    return json::object{{"id", item.id}, {"type", "message"}, {"status", status}, {"role", "assistant"},
                        {"content", std::move(content)}};
  }
  return json::object{{"id", item.id},           {"type", "function_call"}, {"status", status},
                      {"call_id", item.call_id}, {"name", item.name},
                      {"arguments", done ? item.text : std::string()}};
}

// OpenAI's member order: the response's own members, then the request's
// echoed ones, then usage.
json::object ResponsesFormat::render(std::string_view status, const protocol::Usage* usage) const {
  json::array output;
  if (status != "in_progress")
    for (const auto& item : items_) output.push_back(render_item(item, true));
  json::object r{{"id", id_},
                 {"object", "response"},
                 {"created_at", created_at_},
                 {"status", status},
                 {"error", nullptr},
                 {"incomplete_details", status == "incomplete" ? json::value(json::object{{"reason", "max_output_tokens"}})
                                                               : json::value(nullptr)},
                 {"model", model_},
                 {"output", std::move(output)},
                 {"previous_response_id", nullptr},
                 {"reasoning", json::object{{"effort", nullptr}, {"summary", nullptr}}},
                 {"store", false},
                 {"truncation", "disabled"}};
  for (const auto& [key, value] : echo_) r[key] = value;
  r["usage"] = usage ? json::value(responses_usage_object(*usage)) : json::value(nullptr);
  return r;
}

}  // namespace potluck::coordinator::api
