#include "coordinator/api/openai_request.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

ApiError invalid(std::string message, std::string param) {
  ApiError e = ApiError::bad_request(std::move(message), "invalid_request");
  e.code = param.empty() ? "invalid_request" : "invalid_" + param;
  return e;
}

}  // namespace

std::expected<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                    protocol::JobKind kind) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec)
    return std::unexpected(invalid("request body is not valid JSON (" + ec.message() + ")", ""));
  if (!value.is_object()) return std::unexpected(invalid("request body must be a JSON object", ""));
  const auto& obj = value.get_object();

  CompletionRequest out;
  out.kind = kind;
  auto* model = obj.if_contains("model");
  if (!model) return std::unexpected(invalid("you must provide a model parameter", "model"));
  if (!model->is_string() || model->get_string().empty())
    return std::unexpected(invalid("'model' must be a non-empty string", "model"));
  out.model = std::string(model->get_string());

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
  if (auto* cluster = obj.if_contains("cluster"); cluster && !cluster->is_null()) {
    if (!cluster->is_string() || cluster->get_string().empty())
      return std::unexpected(invalid("'cluster' must be a cluster id or \"public\"", "cluster"));
    out.cluster = std::string(cluster->get_string());
  }
  for (std::string_view field : {"max_tokens", "max_completion_tokens"}) {
    auto* v = obj.if_contains(field);
    if (!v || v->is_null()) continue;
    // Boost.JSON keeps integers above INT64_MAX as uint64: casting one would
    // give a negative budget (found by fuzz/openai_request_fuzzer), so those
    // are out of range like negative ones.
    if (!v->is_int64() || v->get_int64() < 0)
      return std::unexpected(invalid("'" + std::string(field) + "' must be a non-negative integer",
                                     std::string(field)));
    out.max_tokens = v->get_int64();
  }
  return out;
}

}  // namespace potluck::coordinator::api
