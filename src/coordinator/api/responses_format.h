#pragma once
// Builds Responses API objects from the chunks of the chat job a
// /v1/responses request became (responses_request.h): the output items (a
// reasoning item with one reasoning_text part for an engine's
// reasoning_content; an assistant message with one output_text part; one
// function_call item per tool call), the response object, and, for a stream,
// its typed events:
//   response.created, response.in_progress,
//   response.output_item.added, response.content_part.added,
//   response.output_text.delta..., response.output_text.done,
//   response.content_part.done, response.output_item.done
//   (a function call: output_item.added, function_call_arguments.delta...,
//   function_call_arguments.done, output_item.done; reasoning:
//   output_item.added, content_part.added, reasoning_text.delta...,
//   reasoning_text.done, content_part.done, output_item.done),
//   response.completed (response.incomplete when the answer hit its length).
// Only choice 0 is read: a response has one answer (n is not passed on).
// Token logprobs the engine gave with the text (chat's choice
// logprobs.content) become the output_text's logprobs, in the deltas and in
// the finished part.
#include "coordinator/api/responses_output.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace potluck::coordinator::api {

class ResponsesFormat final : public ResponsesOutput {
 public:
  // `echo`: the request's members a response repeats (ResponsesRequest::echo).
  ResponsesFormat(std::string id, std::int64_t created_at, std::string model, boost::json::object echo);

  // Takes one chunk into the output; with `events`, appends the events it
  // makes (the first call starts with response.created and in_progress).
  void take(const protocol::Chunk& chunk, std::string* events) override;
  // A stream's last events: every open item done, then response.completed.
  void append_end_events(std::string& events, const protocol::Usage& usage) override;
  std::string complete_response(const protocol::Usage& usage) const override;

 private:
  enum class ItemKind { reasoning, message, function_call };
  struct Item {
    ItemKind kind;
    std::string id;
    std::string text;  // reasoning: its text; message: the output_text; function_call: the arguments
    std::string call_id;
    std::string name;
    boost::json::array logprobs;  // message: the output_text's token logprobs, when asked for
    bool done = false;
  };

  void start(std::string* events);
  void take_reasoning(std::string_view text, std::string* events);
  // `logprobs`: the chunk's token logprobs (chat's logprobs.content).
  void take_text(std::string_view text, const boost::json::array& logprobs, std::string* events);
  // Opens an item of `kind` in `open` (closing every open item first).
  std::size_t open_item(ItemKind kind, std::optional<std::size_t>& open, std::string* events);
  void take_tool_call(const boost::json::object& call, std::string* events);
  void close_items(std::string* events);
  void close_text_items(std::string* events);
  void close(std::size_t index, std::string* events);
  boost::json::object render_item(const Item& item, bool done) const;
  boost::json::object render(std::string_view status, const protocol::Usage* usage) const;
  std::string_view final_status() const { return finish_reason_ == "length" ? "incomplete" : "completed"; }

  std::string id_;
  std::int64_t created_at_;
  std::string model_;
  boost::json::object echo_;
  std::vector<Item> items_;
  // The items still open, found without a walk over all of them: a node's
  // answer may hold many calls, and each chunk may name one.
  std::optional<std::size_t> open_reasoning_;
  std::optional<std::size_t> open_message_;
  std::map<std::int64_t, std::size_t> open_calls_;  // chat tool call index -> item
  std::string finish_reason_;
  bool started_ = false;
};

// A fresh response id, "resp_...".
std::string new_responses_id();

}  // namespace potluck::coordinator::api
