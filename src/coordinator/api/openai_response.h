#pragma once
// Builds OpenAI response objects from node frames: streamed chunks as SSE
// events, or one complete object for non-streamed requests.
#include "protocol/frames.h"

#include <map>
#include <string>

namespace potluck::coordinator::api {

class ResponseFormat {
 public:
  ResponseFormat(protocol::JobKind kind, std::string id, std::int64_t created, std::string model);

  const std::string& id() const { return id_; }

  // Appends "data: {chunk}\n\n" for one node chunk.
  void append_chunk_event(std::string& out, const protocol::Chunk& chunk) const;
  // The usage-only chunk (choices: []) sent when stream_options.include_usage.
  void append_usage_event(std::string& out, const protocol::Usage& usage) const;
  static void append_done_event(std::string& out);

  // Non-streamed: accumulate chunks, then render the whole response.
  void collect(const protocol::Chunk& chunk);
  std::string complete_response(const protocol::Usage& usage) const;

 private:
  struct Choice {
    std::string text;
    std::string role = "assistant";
    std::string finish_reason;
  };

  protocol::JobKind kind_;
  std::string id_;
  std::int64_t created_;
  std::string model_json_;    // the model as a JSON string literal
  std::string chunk_prefix_;  // everything up to "choices":[
  std::map<int, Choice> choices_;
};

std::string usage_json(const protocol::Usage& usage);

// A fresh response id: "chatcmpl-..." for chat, "cmpl-..." for completions.
std::string new_response_id(protocol::JobKind kind);

}  // namespace potluck::coordinator::api
