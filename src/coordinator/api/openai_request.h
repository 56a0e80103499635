#pragma once
// Validation of OpenAI-style completion requests. Only the fields the
// coordinator needs are read; the body is relayed to the node as it came,
// unknown fields included, except for its output bounds: the engine must not
// write more than was held, so every field that bounds or multiplies the
// output is checked and the bounds are set to what is held.
#include "common/api_error.h"
#include "protocol/frames.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

// The most answers (`n`, `best_of`) one request may ask for.
inline constexpr std::int64_t kMaxChoices = 8;

struct CompletionRequest {
  protocol::JobKind kind = protocol::JobKind::chat;
  std::string model;
  bool stream = false;
  bool include_usage = false;
  std::int64_t max_tokens = 0;  // tokens one answer may have: the smallest bound asked, or the cap
  std::int64_t choices = 1;     // answers the engine writes: n or best_of, whichever is larger
  std::string cluster;          // Potluck's own field: run in this cluster ("public": the pool)
  std::string bounded_body;     // the body as the node gets it: its output bounds set

  std::int64_t held_output_tokens() const { return max_tokens * choices; }
  // What the node is sent (`body` only for a request not parsed here).
  std::string_view payload(std::string_view body) const { return bounded_body.empty() ? body : bounded_body; }
};

// A 400 naming the field (code "invalid_<param>").
ApiError invalid(std::string message, std::string param);

// A whole number in [low, high] when present; a 400 naming the field
// otherwise (`too_high_code` when above `high`).
std::expected<std::optional<std::int64_t>, ApiError> bounded_int(const boost::json::object& obj,
                                                                 std::string_view field, std::int64_t low,
                                                                 std::int64_t high, std::string_view too_high_code);

// What every routed /v1 request has: a JSON object body, a model (or
// "tier:NAME"), and optionally Potluck's "cluster".
struct RoutedFields {
  boost::json::value body;
  std::string model;
  std::string cluster;
};
std::expected<RoutedFields, ApiError> parse_routed_fields(std::string_view body);

// `max_tokens_cap`: the coordinator's cap on one answer's tokens. Output
// bounds above it (max_tokens, max_completion_tokens, and the engines' own
// n_predict and num_predict, also in Ollama's options) are refused, as are
// n and best_of above kMaxChoices.
std::expected<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                    protocol::JobKind kind,
                                                                    std::int64_t max_tokens_cap);

}  // namespace potluck::coordinator::api
