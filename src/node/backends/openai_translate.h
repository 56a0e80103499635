#pragma once
// Pure translation between the OpenAI wire format of an upstream engine and
// the node's chunks, kept apart from I/O so it can be tested directly.
#include "protocol/frames.h"

#include <algorithm>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::node::openai {

// Fields only Potluck understands; the upstream must not see them.
inline constexpr std::string_view kPotluckOnlyFields[] = {"cluster"};

// How the node asks the engine for an answer. A consumer that did not ask
// for a stream gets one merged answer anyway, so the engine is asked for it
// whole: one response to parse instead of an event per token.
enum class Delivery { streamed, whole };

// The upstream request body: the consumer's body with every unknown field
// kept, Potluck-only fields removed, "model" set to `model` (when not empty).
// Streamed: "stream" on with usage switched on. Whole: "stream" off and no
// "stream_options" (engines such as vLLM refuse them without a stream).
// Fails when `payload` is not an object.
std::expected<std::string, std::string> prepare_request(std::string_view payload, std::string_view model,
                                                        Delivery delivery = Delivery::streamed);

// An embedding job's upstream body: the consumer's, Potluck-only fields
// removed, "model" set to `model` (when not empty), nothing else touched.
std::expected<std::string, std::string> prepare_embedding_request(std::string_view payload, std::string_view model);

// A responses job's upstream body, for an engine that answers the Responses
// API itself: the consumer's, Potluck-only fields removed, "model" set to
// `model` (when not empty), "stream" as `delivery` says, and "store": false:
// Potluck keeps no response and asks the engine to keep none either.
std::expected<std::string, std::string> prepare_responses_request(std::string_view payload, std::string_view model,
                                                                  Delivery delivery);

// "/v1/chat/completions", "/v1/completions", "/v1/embeddings" or
// "/v1/responses" below `base_path`.
std::string completion_target(std::string_view base_path, protocol::JobKind kind);

struct TranslatedChunk {
  int index = 0;
  std::string delta;          // raw JSON object text
  std::string finish_reason;  // empty unless the choice finished
  bool has_content = false;   // carried generated text (counts for the usage estimate)
  std::string choice;         // the choice's other members (logprobs, ...), or ""
};

// What one SSE event ("data: ..." payload) of a streamed completion means.
struct EventOutcome {
  std::vector<TranslatedChunk> chunks;
  std::optional<protocol::Usage> usage;  // with the engine's other usage members as details
  // The message's other top-level members (system_fingerprint, ...), or "";
  // "" too when they pass protocol::kMaxExtrasBytes.
  std::string response;
  bool done = false;        // the "[DONE]" sentinel
  bool error = false;       // {"error":...} event, or not a JSON object
  int error_status = 0;     // the error's numeric code, when it has one
  std::string error_detail; // the error's message, as error_detail() makes it
};

EventOutcome translate_event(protocol::JobKind kind, std::string_view data);

// What a whole (non-streamed) response body means: one chunk per choice whose
// delta is the choice's message (chat) or {"text": ...} (completion), with
// its finish_reason; has_content is set when the choice carried text.
EventOutcome translate_response(protocol::JobKind kind, std::string_view body);

// What an embeddings response ({"data":[{"index","embedding"}],"usage"})
// means: one chunk per vector, its index the input's and its delta
// {"embedding": the vector as the engine wrote it}; the usage's prompt
// tokens; error when it is not such a list. The coordinator checks the
// vectors' count and size.
EventOutcome translate_embeddings(std::string_view body);

// One event of a streamed Responses answer: one chunk whose delta is the
// event as the engine wrote it (a JSON object with a string "type"), with
// has_content when it is a text, reasoning or arguments delta.
// response.completed and response.incomplete end the answer (finish_reason
// "stop" or "length") with the response's usage; response.failed, an error
// event, or anything that is not such an object fails it.
EventOutcome translate_responses_event(std::string_view data);

// A whole Responses answer: one chunk whose delta is the response object as
// the engine wrote it, ended by its status as above.
EventOutcome translate_responses_body(std::string_view body);

// A completion-token estimate when the engine reports no usage for a whole
// answer: ~4 bytes a token, at least one when there was any text.
inline std::int64_t estimate_completion_tokens(std::size_t text_bytes) {
  return text_bytes == 0 ? 0 : static_cast<std::int64_t>(std::max<std::size_t>(1, text_bytes / 4));
}

// The message of an engine's error body ({"error":{"message"}}, {"error":"…"}
// or {"message"}) made printable and cut to protocol::kMaxDetailBytes; "" when
// it has none. It may quote the request: it goes to the consumer only.
std::string error_detail(std::string_view body);

// A Retry-After header's delta-seconds, capped at protocol::kMaxRetryAfterS;
// 0 when absent or an HTTP date.
int retry_after_seconds(std::string_view header);

// Parses GET /v1/models. Keeps only ids in `filter` when it is not empty.
std::expected<std::vector<protocol::ModelOffer>, std::string> parse_models(
    std::string_view body, const std::vector<std::string>& filter);

// Rough prompt size when the upstream reports no usage: ~4 bytes a token.
inline std::int64_t estimate_prompt_tokens(std::size_t payload_bytes) {
  return static_cast<std::int64_t>(payload_bytes / 4);
}

}  // namespace potluck::node::openai
