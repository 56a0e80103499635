#include "coordinator/api/nodes_handler.h"

#include "common/clock.h"
#include "common/credits.h"
#include "coordinator/api/access.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_body.h"

#include <boost/json.hpp>

#include <unordered_map>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

std::string_view state_of(const NodeLink& link, std::chrono::steady_clock::time_point now) {
  if (link.draining()) return "draining";
  if (link.suspended()) return "suspended";
  switch (link.health().state(now)) {
    case NodeHealth::State::parked: return "parked";
    case NodeHealth::State::probing: return "probing";
    case NodeHealth::State::healthy: break;
  }
  return "online";
}

json::array models_json(const std::vector<protocol::ModelOffer>& offers) {
  json::array models;
  for (const auto& m : offers)
    models.push_back(json::object{{"id", m.id},
                                  {"price_in", format_credits(m.price.input)},
                                  {"price_out", format_credits(m.price.output)}});
  return models;
}

// What the node offers for code execution (as announced; routing clamps the
// price into the admin's bounds), null when it runs no code.
json::value exec_json(const protocol::Hello& h) {
  if (h.exec_languages.empty()) return nullptr;
  json::array languages;
  for (const auto& l : h.exec_languages) languages.emplace_back(l);
  return json::object{{"languages", std::move(languages)}, {"price", format_credits(h.exec_price)}};
}

json::object live_json(const NodeLink& link, std::chrono::steady_clock::time_point now) {
  const auto& h = link.hello();
  const auto& health = link.health();
  const auto seen_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - link.last_seen()).count();
  return {{"id", link.id()},
          {"name", h.name},
          {"os", h.os},
          {"arch", h.arch},
          {"version", h.agent_version},
          {"owner_id", link.owner_id()},
          {"cluster_id", link.cluster_id().empty() ? json::value() : json::value(link.cluster_id())},
          {"trust", to_string(link.trust())},
          {"state", state_of(link, now)},
          {"in_flight", link.in_flight()},
          {"max_jobs", h.max_jobs},
          {"models", models_json(link.models())},
          {"exec", exec_json(h)},
          {"health", json::object{{"ttft_ms", health.ttft_ms()},
                                  {"latency_ms", health.latency_ms()},
                                  {"error_rate", health.error_rate(now)}}},
          {"last_seen", (unix_now_ms() - seen_ms) / 1000}};
}

json::object recorded_json(const store::NodeRecord& r) {
  boost::system::error_code ec;
  json::value models = json::parse(r.models, ec);
  return {{"id", r.id},
          {"name", r.name},
          {"os", r.os},
          {"arch", r.arch},
          {"version", r.version},
          {"owner_id", r.owner_id},
          {"cluster_id", r.cluster_id.empty() ? json::value() : json::value(r.cluster_id)},
          {"trust", to_string(r.trust)},
          {"state", "offline"},
          {"in_flight", 0},
          {"models", ec ? json::value(json::array{}) : models},
          {"last_seen", r.seen_at / 1000}};
}

}  // namespace

net::awaitable<std::optional<net::Response>> NodesHandler::list(const Principal& caller) {
  const auto visible = [&caller](const std::string& owner, const std::string& cluster) {
    return may_see_node(caller, owner, cluster);
  };
  auto read = [](store::Store& s) { return s.list_nodes(); };
  auto records = co_await store_.call(read);
  if (!records) co_return store_error_response(records.error(), "nodes", 400);

  std::unordered_map<std::string_view, std::int64_t> mismatches;
  for (const auto& r : *records) mismatches.emplace(r.id, r.usage_mismatches);
  const auto now = std::chrono::steady_clock::now();
  json::array data;
  for (const auto& link : registry_.all()) {
    if (!visible(link->owner_id(), link->cluster_id())) continue;
    auto entry = live_json(*link, now);
    if (auto it = mismatches.find(link->id()); it != mismatches.end()) entry["usage_mismatches"] = it->second;
    data.push_back(std::move(entry));
  }
  for (const auto& r : *records) {
    if (registry_.find(r.id) || !visible(r.owner_id, r.cluster_id)) continue;
    auto entry = recorded_json(r);
    entry["usage_mismatches"] = r.usage_mismatches;
    data.push_back(std::move(entry));
  }
  co_return json_response(http::status::ok, json::object{{"object", "list"}, {"data", std::move(data)}});
}

net::awaitable<std::optional<net::Response>> NodesHandler::clear_mismatches(const Principal& caller,
                                                                           const std::string& node_id) {
  const std::string actor = caller.user_id;
  auto clear = [&actor, &node_id](store::Store& s) { return s.clear_node_mismatches(actor, node_id); };
  auto cleared = co_await store_.call(clear);
  if (!cleared) co_return store_error_response(cleared.error(), "node", 400);
  if (auto* link = registry_.find(node_id)) link->clear_usage_mismatches();
  co_return json_response(http::status::ok,
                          json::object{{"node_id", node_id}, {"cleared", *cleared}, {"usage_mismatches", 0}});
}

}  // namespace potluck::coordinator::api
