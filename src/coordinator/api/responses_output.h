#pragma once
// What a /v1/responses request's answer is made from, chunk by chunk: the
// Responses API's typed events for a stream, the response object for a
// request that did not stream. Two makers: ResponsesFormat translates the
// chunks of the chat job the request became (responses_format.h);
// ResponsesPassThrough relays an engine that answers the Responses API
// itself (responses_passthrough.h). Both number their events here.
#include "common/api_error.h"
#include "protocol/frames.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

class ResponsesOutput {
 public:
  virtual ~ResponsesOutput() = default;

  // Whether the chunk is one this output can take (checked before take()).
  virtual bool admits(const protocol::Chunk& chunk) const {
    (void)chunk;
    return true;
  }
  // Takes one chunk; with `events` (a stream), appends the events it makes.
  virtual void take(const protocol::Chunk& chunk, std::string* events) = 0;
  // Whether what was taken makes a whole response.
  virtual bool whole() const { return true; }
  // A stream's last events, `usage` the one the consumer is shown.
  virtual void append_end_events(std::string& events, const protocol::Usage& usage) = 0;
  // The whole response object, for a request that did not stream.
  virtual std::string complete_response(const protocol::Usage& usage) const = 0;

  // A stream's failure after it began: an `error` event, which the SDKs
  // raise (it carries the envelope's "error" member too).
  void append_error_event(std::string& events, const ApiError& error);

 protected:
  // "event: <type>" and the data line, whose object starts with its type and
  // sequence number (counted from 0 over the stream); nothing without `events`.
  void event(std::string* events, std::string_view type, boost::json::object members);

 private:
  std::int64_t sequence_ = 0;
};

// A JSON object's text parsed; empty when it is not one (what a node wrote
// is checked where it matters, in admits()).
boost::json::object parsed_object(std::string_view text);

// The Responses usage object of `usage`: input, output and total tokens,
// with the details the engine's chat usage gave (cached, reasoning tokens).
boost::json::object responses_usage_object(const protocol::Usage& usage);

}  // namespace potluck::coordinator::api
