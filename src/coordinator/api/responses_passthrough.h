#pragma once
// The answer of an engine that answers the Responses API itself (a
// `responses` job, offered by nodes started with --responses-models): its
// events, or its whole response object, pass as the engine wrote them,
// except what the coordinator owns. Owned: the response's id, created_at and
// model (so an id never names the engine's own), `store: false` (nothing is
// kept), the events' sequence numbers, and the usage, which is the one the
// consumer is billed for. The final event (response.completed or
// response.incomplete) is therefore held until the job's usage is known.
#include "coordinator/api/responses_output.h"

#include <boost/json/object.hpp>

#include <optional>

namespace potluck::coordinator::api {

class ResponsesPassThrough final : public ResponsesOutput {
 public:
  // `streamed`: the chunks are the engine's events; otherwise one chunk is
  // its whole response object.
  ResponsesPassThrough(std::string id, std::int64_t created_at, std::string model, bool streamed);

  // Streamed: an event, a JSON object with a string "type" (never an error
  // event: a node reports failures in its own frames), and nothing after the
  // final one. Whole: one response object (no "type", an "output").
  bool admits(const protocol::Chunk& chunk) const override;
  void take(const protocol::Chunk& chunk, std::string* events) override;
  // The engine's final event (streamed) or its response object arrived.
  bool whole() const override { return final_.has_value(); }
  void append_end_events(std::string& events, const protocol::Usage& usage) override;
  std::string complete_response(const protocol::Usage& usage) const override;

 private:
  // The members the coordinator owns, set in a response object.
  void own(boost::json::object& response, const protocol::Usage* usage) const;

  std::string id_;
  std::int64_t created_at_;
  std::string model_;
  bool streamed_;
  // Streamed: the final event, held; whole: the response object.
  std::optional<boost::json::object> final_;
};

}  // namespace potluck::coordinator::api
