#include "coordinator/api/models_handler.h"

#include <boost/json.hpp>

#include <chrono>

namespace potluck::coordinator::api {

net::awaitable<std::optional<net::Response>> list_models(net::Exchange& exchange,
                                                         KeyAuthenticator& auth, Registry& registry) {
  auto principal = co_await auth.authenticate(exchange.request);
  if (!principal) co_return net::make_error_response(principal.error());
  auto created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  // Public models, and those of the caller's own clusters: never another's.
  const auto visible = [&caller = *principal](std::string_view cluster_id) { return caller.member_of(cluster_id); };
  boost::json::array data;
  for (const auto& model : registry.models(visible))
    data.push_back(boost::json::object{
        {"id", model.id}, {"object", "model"}, {"created", created}, {"owned_by", model.owned_by}});
  boost::json::object body{{"object", "list"}, {"data", std::move(data)}};
  co_return net::make_response(boost::beast::http::status::ok, boost::json::serialize(body));
}

}  // namespace potluck::coordinator::api
