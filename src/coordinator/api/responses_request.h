#pragma once
// POST /v1/responses, the Responses API in its stateless form, translated to
// the chat completions request a node runs: `input` (a string, or message,
// function_call and function_call_output items) and `instructions` become
// messages, function tools and tool_choice their chat forms, text.format a
// response_format, max_output_tokens max_tokens. The chat body then goes
// through the chat path's own validation (parse_completion_request), so its
// bounds and holds are the chat job's.
//
// Nothing is stored (the privacy promise), so whatever needs a stored
// response is refused with 400: previous_response_id, conversation,
// store: true, background, a stored prompt, item_reference inputs.
//
// A node whose engine answers the Responses API itself (offer `responses`)
// gets the request instead, bounded (passthrough_body), as a responses job.
#include "common/api_error.h"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

// The most input items one request may carry, as many as a chat request's
// messages are worth holding (the body limit bounds both too).
inline constexpr std::size_t kMaxResponsesInputItems = 4096;

struct ResponsesRequest {
  std::string chat_body;  // the chat completions request
  // The request's members that a response object repeats (instructions,
  // tools, tool_choice, temperature, top_p, max_output_tokens,
  // parallel_tool_calls, text, metadata, user), as given or their defaults.
  boost::json::object echo;
};

std::expected<ResponsesRequest, ApiError> translate_responses_request(std::string_view body);

// The body of a responses job, for an engine that answers the Responses API
// itself: the request as it came (a body translate_responses_request
// accepted), its output bounded by the tokens held for it
// (max_output_tokens) and "store" false.
std::string passthrough_body(std::string_view body, std::int64_t max_output_tokens);

}  // namespace potluck::coordinator::api
