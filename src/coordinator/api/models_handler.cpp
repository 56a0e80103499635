#include "coordinator/api/models_handler.h"

#include "common/query_string.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::coordinator::api {
namespace {

constexpr std::string_view kPublicOwner = "potluck";

std::string owner_of(const Principal& caller, const std::string& cluster_id) {
  if (cluster_id.empty()) return std::string(kPublicOwner);
  for (const auto& membership : caller.clusters)
    if (membership.cluster_id == cluster_id) return membership.cluster_name;
  return cluster_id;  // visible_models shows members only: not reached
}

boost::json::object model_json(const Principal& caller, const Registry::ModelEntry& model) {
  const bool in_cluster = !model.cluster_id.empty();
  boost::json::object entry{
      {"id", model.id},
      {"object", "model"},
      {"created", model.first_seen_ms / 1000},
      {"owned_by", owner_of(caller, model.cluster_id)},
      {"nodes_online", model.nodes_online},
      {"price", boost::json::object{{"input", in_cluster ? 0 : model.price.input},
                                    {"output", in_cluster ? 0 : model.price.output}}},
  };
  if (model.context > 0) entry["context_length"] = model.context;
  return entry;
}

}  // namespace

std::vector<Registry::ModelEntry> visible_models(const Registry& registry, const Principal& caller) {
  const auto visible = [&caller](std::string_view cluster_id) { return caller.member_of(cluster_id); };
  return registry.models(visible);
}

net::Response list_models(const Principal& caller, const Registry& registry) {
  boost::json::array data;
  for (const auto& model : visible_models(registry, caller)) data.push_back(model_json(caller, model));
  boost::json::object body{{"object", "list"}, {"data", std::move(data)}};
  return net::make_response(boost::beast::http::status::ok, boost::json::serialize(body));
}

net::Response retrieve_model(const Principal& caller, const Registry& registry, std::string_view encoded_id) {
  const auto id = percent_decode_path(encoded_id);
  if (!id) return net::make_error_response(ApiError::bad_request("malformed percent-escape in the model id"));
  const auto models = visible_models(registry, caller);
  const auto named = [&](const Registry::ModelEntry& m) { return m.id == *id; };
  auto found = std::find_if(models.begin(), models.end(), [&](const Registry::ModelEntry& m) {
    return named(m) && m.cluster_id == caller.key_cluster;
  });
  if (found == models.end()) found = std::find_if(models.begin(), models.end(), named);
  if (found == models.end())
    return net::make_error_response(ApiError::not_found(
        "The model '" + id->substr(0, 200) + "' does not exist or no node you may use serves it", "model_not_found"));
  return net::make_response(boost::beast::http::status::ok, boost::json::serialize(model_json(caller, *found)));
}

}  // namespace potluck::coordinator::api
