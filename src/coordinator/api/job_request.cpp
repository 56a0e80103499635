#include "coordinator/api/job_request.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

ApiError invalid(std::string message, std::string_view param) {
  return ApiError::bad_request(std::move(message), "invalid_" + std::string(param));
}

// A top-level string field: absent (empty), or a non-empty string.
std::expected<std::string, ApiError> optional_name(const json::object& obj, std::string_view field) {
  const auto* v = obj.if_contains(field);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string() || v->get_string().empty())
    return std::unexpected(invalid("'" + std::string(field) + "' must be a non-empty string", field));
  return std::string(v->get_string());
}

std::expected<protocol::JobKind, ApiError> kind_of(const json::object& obj) {
  auto name = optional_name(obj, "kind");
  if (!name) return std::unexpected(name.error());
  if (name->empty()) return protocol::JobKind::chat;
  // A responses job is how a /v1/responses request reaches a node; jobs are
  // submitted in the kinds below.
  if (auto kind = protocol::job_kind_from(*name); kind && *kind != protocol::JobKind::responses) return *kind;
  return std::unexpected(invalid("'kind' must be \"chat\", \"completion\", \"embedding\" or \"exec\"", "kind"));
}

std::expected<Priority, ApiError> priority_of(const json::object& obj) {
  auto name = optional_name(obj, "priority");
  if (!name) return std::unexpected(name.error());
  if (name->empty() || *name == "normal") return Priority::normal;
  if (*name == "fast") return Priority::fast;
  return std::unexpected(invalid("'priority' must be \"normal\" or \"fast\"", "priority"));
}

std::expected<bool, ApiError> keep_result_of(const json::object& obj) {
  const auto* v = obj.if_contains("keep_result");
  if (!v || v->is_null()) return false;
  if (!v->is_bool()) return std::unexpected(invalid("'keep_result' must be true or false", "keep_result"));
  return v->get_bool();
}

// The top-level model or tier, written into the payload as its model. Exec
// jobs name their language in the payload and take neither.
std::expected<void, ApiError> set_target(const json::object& obj, protocol::JobKind kind, json::object& payload) {
  auto model = optional_name(obj, "model");
  if (!model) return std::unexpected(model.error());
  auto tier = optional_name(obj, "tier");
  if (!tier) return std::unexpected(tier.error());
  if (kind == protocol::JobKind::exec && (!model->empty() || !tier->empty()))
    return std::unexpected(invalid("exec jobs take no 'model' or 'tier': the payload names the language", "model"));
  if (!model->empty() && !tier->empty()) return std::unexpected(invalid("give 'model' or 'tier', not both", "model"));
  if (!model->empty()) payload["model"] = *model;
  if (!tier->empty()) payload["model"] = "tier:" + *tier;
  return {};
}

}  // namespace

std::expected<JobRequest, ApiError> parse_job_request(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return std::unexpected(invalid("request body is not valid JSON (" + ec.message() + ")", "request"));
  if (!value.is_object()) return std::unexpected(invalid("request body must be a JSON object", "request"));
  const auto& obj = value.get_object();

  JobRequest out;
  auto kind = kind_of(obj);
  if (!kind) return std::unexpected(kind.error());
  out.kind = *kind;
  auto priority = priority_of(obj);
  if (!priority) return std::unexpected(priority.error());
  out.priority = *priority;
  auto keep = keep_result_of(obj);
  if (!keep) return std::unexpected(keep.error());
  out.keep_result = *keep;

  const auto* payload_value = obj.if_contains("payload");
  if (!payload_value || !payload_value->is_object())
    return std::unexpected(invalid("'payload' must be an object: the body of the synchronous endpoint", "payload"));
  json::object payload = payload_value->get_object();
  if (auto target = set_target(obj, out.kind, payload); !target) return std::unexpected(target.error());
  // An answer kept for later is never streamed. Embeddings have no stream
  // field (an engine may refuse one it does not know).
  if (out.kind != protocol::JobKind::embedding) {
    payload["stream"] = false;
    payload.erase("stream_options");
  }
  out.payload = json::serialize(payload);
  return out;
}

}  // namespace potluck::coordinator::api
