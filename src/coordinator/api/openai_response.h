#pragma once
// Builds OpenAI response objects from node frames: streamed chunks as SSE
// events, or one complete object for non-streamed requests. Whatever the
// engine put in a choice, a message or usage (tool calls, logprobs,
// reasoning_content, system_fingerprint, usage details) reaches the consumer
// unchanged; the coordinator owns only "id", "object", "created" and "model".
#include "coordinator/api/delta_merge.h"
#include "protocol/frames.h"

#include <boost/json/object.hpp>

#include <map>
#include <string>

namespace potluck::coordinator::api {

class ResponseFormat {
 public:
  ResponseFormat(protocol::JobKind kind, std::string id, std::int64_t created, std::string model);

  const std::string& id() const { return id_; }

  // Appends "data: {chunk}\n\n" for one node chunk (taking its top-level
  // extras, if any, for this and the later events).
  void append_chunk_event(std::string& out, const protocol::Chunk& chunk);
  // The usage-only chunk (choices: []) sent when stream_options.include_usage.
  void append_usage_event(std::string& out, const protocol::Usage& usage) const;
  static void append_done_event(std::string& out);

  // Non-streamed: accumulate chunks, then render the whole response.
  void collect(const protocol::Chunk& chunk);
  std::string complete_response(const protocol::Usage& usage) const;

 private:
  struct Choice {
    boost::json::object message;  // chat: the merged deltas; completion: {"text"}
    boost::json::object extras;   // the choice's other members (logprobs, ...)
    DeltaMerge message_merge;
    DeltaMerge extras_merge;
    std::string finish_reason;
  };

  // Top-level extras up to this size are repeated in every streamed event.
  static constexpr std::size_t kRepeatedExtrasBytes = 512;

  void take_response_extras(const std::string& response);
  std::string prefix_with(const boost::json::object& extras) const;
  boost::json::object render_choice(int index, const Choice& choice) const;

  protocol::JobKind kind_;
  std::string id_;
  std::int64_t created_;
  std::string model_json_;    // the model as a JSON string literal
  boost::json::object response_extras_;  // the engine's top-level members (system_fingerprint, ...)
  bool extras_repeat_ = true;             // small enough for every event's prefix
  std::string chunk_prefix_;  // everything up to "choices":[
  std::map<int, Choice> choices_;
};

std::string usage_json(const protocol::Usage& usage);

// A fresh response id: "chatcmpl-..." for chat, "cmpl-..." for completions.
std::string new_response_id(protocol::JobKind kind);

}  // namespace potluck::coordinator::api
