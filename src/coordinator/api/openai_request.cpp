#include "coordinator/api/openai_request.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;

ApiError invalid(std::string message, std::string param) {
  ApiError e = ApiError::bad_request(std::move(message), "invalid_request");
  e.code = param.empty() ? "invalid_request" : "invalid_" + param;
  return e;
}

// Every field an engine reads as the length of one answer.
constexpr std::string_view kLengthFields[] = {"max_tokens", "max_completion_tokens", "n_predict", "num_predict"};
// And the fields that multiply the answers.
constexpr std::string_view kChoiceFields[] = {"n", "best_of"};

// A whole number in [low, high], or the refusal naming the field. Boost.JSON
// keeps integers above INT64_MAX as uint64: casting one would give a negative
// budget (found by fuzz/openai_request_fuzzer), so those are out of range too.
std::expected<std::optional<std::int64_t>, ApiError> bounded_int(const json::object& obj, std::string_view field,
                                                                 std::int64_t low, std::int64_t high,
                                                                 std::string_view too_high_code) {
  const auto* v = obj.if_contains(field);
  if (!v || v->is_null()) return std::nullopt;
  const std::string name(field);
  if (!v->is_int64() || v->get_int64() < low)
    return std::unexpected(invalid("'" + name + "' must be an integer of at least " + std::to_string(low), name));
  if (v->get_int64() > high) {
    ApiError e = invalid("'" + name + "' is above this coordinator's limit of " + std::to_string(high), name);
    e.code = std::string(too_high_code);
    return std::unexpected(e);
  }
  return v->get_int64();
}

std::expected<RoutedFields, ApiError> parse_routed_fields(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec)
    return std::unexpected(invalid("request body is not valid JSON (" + ec.message() + ")", ""));
  if (!value.is_object()) return std::unexpected(invalid("request body must be a JSON object", ""));
  const auto& obj = value.get_object();
  RoutedFields out;
  auto* model = obj.if_contains("model");
  if (!model) return std::unexpected(invalid("you must provide a model parameter", "model"));
  if (!model->is_string() || model->get_string().empty())
    return std::unexpected(invalid("'model' must be a non-empty string", "model"));
  out.model = std::string(model->get_string());
  if (auto* cluster = obj.if_contains("cluster"); cluster && !cluster->is_null()) {
    if (!cluster->is_string() || cluster->get_string().empty())
      return std::unexpected(invalid("'cluster' must be a cluster id or \"public\"", "cluster"));
    out.cluster = std::string(cluster->get_string());
  }
  out.body = std::move(value);
  return out;
}

namespace {

struct OutputBounds {
  std::int64_t max_tokens = 0;
  std::int64_t choices = 1;
};

std::expected<OutputBounds, ApiError> read_output_bounds(const json::object& obj, std::int64_t max_tokens_cap) {
  OutputBounds out;
  std::optional<std::int64_t> smallest;
  const auto* options = obj.if_contains("options");
  const json::object* ollama = options && options->is_object() ? &options->get_object() : nullptr;
  for (const json::object* where : {&obj, ollama}) {
    if (!where) continue;
    for (std::string_view field : kLengthFields) {
      // 0 reads as "not given", as it always has here (an answer of no tokens).
      auto v = bounded_int(*where, field, 0, max_tokens_cap, "max_tokens_too_large");
      if (!v) return std::unexpected(v.error());
      if (*v && **v > 0) smallest = std::min(smallest.value_or(**v), **v);
    }
  }
  out.max_tokens = smallest.value_or(max_tokens_cap);
  for (std::string_view field : kChoiceFields) {
    auto v = bounded_int(obj, field, 1, kMaxChoices, "too_many_choices");
    if (!v) return std::unexpected(v.error());
    if (*v) out.choices = std::max(out.choices, **v);
  }
  return out;
}

// Every length field present says `max_tokens`, and max_tokens is always there.
void set_output_bounds(json::object& obj, std::int64_t max_tokens) {
  for (std::string_view field : kLengthFields)
    if (auto* v = obj.if_contains(field); v && !v->is_null()) *v = max_tokens;
  obj["max_tokens"] = max_tokens;
  if (auto* options = obj.if_contains("options"); options && options->is_object())
    for (std::string_view field : kLengthFields)
      if (auto* v = options->get_object().if_contains(field); v && !v->is_null()) *v = max_tokens;
}

}  // namespace

std::expected<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                    protocol::JobKind kind,
                                                                    std::int64_t max_tokens_cap) {
  auto routed = parse_routed_fields(body);
  if (!routed) return std::unexpected(routed.error());
  json::value& value = routed->body;
  const auto& obj = value.get_object();

  CompletionRequest out;
  out.kind = kind;
  out.model = std::move(routed->model);
  out.cluster = std::move(routed->cluster);

  if (kind == protocol::JobKind::chat) {
    auto* messages = obj.if_contains("messages");
    if (!messages) return std::unexpected(invalid("'messages' is a required property", "messages"));
    if (!messages->is_array() || messages->get_array().empty())
      return std::unexpected(invalid("'messages' must be a non-empty array", "messages"));
    for (const auto& m : messages->get_array()) {
      if (!m.is_object() || !m.get_object().contains("role"))
        return std::unexpected(invalid("each message must be an object with a 'role'", "messages"));
    }
  } else {
    auto* prompt = obj.if_contains("prompt");
    if (!prompt) return std::unexpected(invalid("'prompt' is a required property", "prompt"));
    if (!prompt->is_string() && !prompt->is_array())
      return std::unexpected(invalid("'prompt' must be a string or an array", "prompt"));
  }

  if (auto* stream = obj.if_contains("stream"); stream && !stream->is_null()) {
    if (!stream->is_bool()) return std::unexpected(invalid("'stream' must be a boolean", "stream"));
    out.stream = stream->get_bool();
  }
  if (auto* options = obj.if_contains("stream_options"); options && !options->is_null()) {
    if (!options->is_object())
      return std::unexpected(invalid("'stream_options' must be an object", "stream_options"));
    if (auto* usage = options->get_object().if_contains("include_usage"); usage && usage->is_bool())
      out.include_usage = usage->get_bool();
  }
  auto bounds = read_output_bounds(obj, max_tokens_cap);
  if (!bounds) return std::unexpected(bounds.error());
  out.max_tokens = bounds->max_tokens;
  out.choices = bounds->choices;
  // Always written anew, even when the body already said the same bound: a
  // key given twice is one key here but may be the other one to an engine.
  set_output_bounds(value.get_object(), out.max_tokens);
  out.bounded_body = json::serialize(value);
  return out;
}

}  // namespace potluck::coordinator::api
