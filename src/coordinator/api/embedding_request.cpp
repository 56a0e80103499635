#include "coordinator/api/embedding_request.h"

#include "coordinator/api/openai_request.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

bool is_token_array(const json::array& tokens) {
  return !tokens.empty() && std::all_of(tokens.begin(), tokens.end(), [](const json::value& t) {
           return t.is_int64() && t.get_int64() >= 0;
         });
}

// How many inputs `input` holds, or why it is not an input.
std::expected<std::int64_t, ApiError> count_inputs(const json::value* input) {
  const auto malformed = [] {
    return std::unexpected(invalid("'input' must be a non-empty string, an array of non-empty strings, an array of "
                                   "token ids or an array of token id arrays",
                                   "input"));
  };
  if (!input) return std::unexpected(invalid("'input' is a required property", "input"));
  if (input->is_string()) {
    if (input->get_string().empty()) return malformed();
    return 1;
  }
  if (!input->is_array() || input->get_array().empty()) return malformed();
  const auto& items = input->get_array();
  if (is_token_array(items)) return 1;
  for (const auto& item : items) {
    const bool text = item.is_string() && !item.get_string().empty();
    const bool tokens = item.is_array() && is_token_array(item.get_array());
    if (!text && !tokens) return malformed();
  }
  return static_cast<std::int64_t>(items.size());
}

std::expected<void, ApiError> check_encoding(const json::object& obj) {
  const auto* format = obj.if_contains("encoding_format");
  if (!format || format->is_null()) return {};
  if (format->is_string() && (format->get_string() == "float" || format->get_string() == "base64")) return {};
  return std::unexpected(invalid("'encoding_format' must be \"float\" or \"base64\"", "encoding_format"));
}

}  // namespace

std::expected<EmbeddingRequest, ApiError> parse_embedding_request(std::string_view body, const EmbeddingLimits& limits) {
  if (static_cast<std::int64_t>(body.size()) > limits.max_input_bytes)
    return std::unexpected(ApiError::too_large("an embeddings request may have at most " +
                                               std::to_string(limits.max_input_bytes) + " bytes"));
  auto routed = parse_routed_fields(body);
  if (!routed) return std::unexpected(routed.error());
  const auto& obj = routed->body.get_object();
  auto inputs = count_inputs(obj.if_contains("input"));
  if (!inputs) return std::unexpected(inputs.error());
  if (*inputs > limits.max_inputs) {
    ApiError e = invalid("'input' has " + std::to_string(*inputs) + " entries; this coordinator takes at most " +
                             std::to_string(limits.max_inputs),
                         "input");
    e.code = "too_many_inputs";
    return std::unexpected(e);
  }
  if (auto encoding = check_encoding(obj); !encoding) return std::unexpected(encoding.error());
  auto dimensions = bounded_int(obj, "dimensions", 1, limits.max_dimensions, "too_many_dimensions");
  if (!dimensions) return std::unexpected(dimensions.error());
  return EmbeddingRequest{std::move(routed->model), std::move(routed->cluster), *inputs};
}

}  // namespace potluck::coordinator::api
