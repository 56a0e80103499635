#include "coordinator/api/overview_handler.h"

#include "common/clock.h"
#include "coordinator/api/access.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/models_handler.h"

#include <set>
#include "store/usage.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

constexpr std::int64_t kMinutes = 60;
constexpr std::int64_t kErrorWindowMs = 24 * 3600 * 1000;
constexpr int kRecentErrors = 20;

struct OverviewUsage {
  std::vector<store::UsageMinute> minutes;
  std::vector<store::UsageFailure> failures;
};

// Every one of the last 60 minutes (the current one last), zeros where no job ran.
json::array minutes_json(const std::vector<store::UsageMinute>& minutes, std::int64_t first_minute_s) {
  json::array out;
  auto next = minutes.begin();
  for (std::int64_t i = 0; i < kMinutes; ++i) {
    const std::int64_t minute_s = first_minute_s + i * 60;
    store::UsageMinute m{minute_s};
    if (next != minutes.end() && next->minute_s == minute_s) m = *next++;
    out.push_back(json::object{{"minute", minute_s},
                               {"jobs", m.jobs},
                               {"tokens_in", m.prompt_tokens},
                               {"tokens_out", m.completion_tokens},
                               {"errors", m.errors}});
  }
  return out;
}

json::array failures_json(const Principal& caller, const std::vector<store::UsageFailure>& failures) {
  json::array out;
  for (const auto& f : failures)
    out.push_back(json::object{{"at", f.ts_ms / 1000},
                               {"model", f.model},
                               {"code", to_string(f.error_code)},
                               {"node_id", node_id_shown(caller, f.node_id, f.node_owner_id)},
                               {"node_name", f.node_name}});
  return out;
}

}  // namespace

net::awaitable<std::optional<net::Response>> OverviewHandler::handle(const Principal& caller) {
  const std::string user_id = caller.is_admin() ? std::string() : caller.user_id;
  const std::int64_t now_ms = unix_now_ms();
  const std::int64_t first_minute_s = now_ms / 60'000 * 60 - (kMinutes - 1) * 60;
  const store::UsageQuery minutes_query{user_id, first_minute_s * 1000, now_ms + 1};
  const store::UsageQuery failures_query{user_id, now_ms - kErrorWindowMs, now_ms + 1};
  auto read = [&minutes_query, &failures_query](store::Store& s) -> store::Result<OverviewUsage> {
    auto minutes = s.usage().per_minute(minutes_query);
    if (!minutes) return std::unexpected(minutes.error());
    auto failures = s.usage().failures(failures_query, kRecentErrors);
    if (!failures) return std::unexpected(failures.error());
    return OverviewUsage{std::move(*minutes), std::move(*failures)};
  };
  auto usage = co_await store_.call(read);
  if (!usage) co_return store_error_response(usage.error(), "usage");

  const auto nodes = registry_.all();
  const auto online = std::count_if(nodes.begin(), nodes.end(), [&caller = caller](const auto& link) {
    return may_see_node(caller, link->owner_id(), link->cluster_id());
  });
  json::array models;
  std::set<std::string> ids;  // a model served in several placements is named once
  for (const auto& model : visible_models(registry_, caller))
    if (ids.insert(model.id).second) models.push_back(json::string(model.id));
  co_return json_response(http::status::ok, json::object{{"nodes_online", online},
                                                         {"models", std::move(models)},
                                                         {"per_minute", minutes_json(usage->minutes, first_minute_s)},
                                                         {"recent_errors", failures_json(caller, usage->failures)}});
}

}  // namespace potluck::coordinator::api
