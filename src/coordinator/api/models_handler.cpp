#include "coordinator/api/models_handler.h"

#include <boost/json.hpp>

#include <chrono>

namespace potluck::coordinator::api {

std::vector<Registry::ModelEntry> visible_models(const Registry& registry, const Principal& caller) {
  const auto visible = [&caller](std::string_view cluster_id) { return caller.member_of(cluster_id); };
  return registry.models(visible);
}

net::Response list_models(const Principal& caller, const Registry& registry) {
  auto created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  boost::json::array data;
  for (const auto& model : visible_models(registry, caller))
    data.push_back(boost::json::object{
        {"id", model.id}, {"object", "model"}, {"created", created}, {"owned_by", model.owned_by}});
  boost::json::object body{{"object", "list"}, {"data", std::move(data)}};
  return net::make_response(boost::beast::http::status::ok, boost::json::serialize(body));
}

}  // namespace potluck::coordinator::api
