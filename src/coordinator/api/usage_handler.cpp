#include "coordinator/api/usage_handler.h"

#include "common/utc_time.h"
#include "coordinator/api/access.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/csv.h"
#include "coordinator/api/request_params.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

// Whose usage: the caller's own, one named user's, or (empty) everyone's.
std::expected<std::string, ApiError> usage_owner(const Principal& caller, const QueryParams& params) {
  auto all = flag_param(params, "all");
  if (!all) return std::unexpected(all.error());
  auto user = params.find("user");
  bool other_user = user != params.end() && user->second != caller.user_id;
  if ((*all || other_user) && !caller.is_admin())
    return std::unexpected(ApiError::forbidden("only an admin may read other users' usage"));
  if (*all && user != params.end())
    return std::unexpected(ApiError::bad_request("pass either 'user' or 'all', not both", "invalid_parameter"));
  if (*all) return std::string();
  return other_user ? user->second : caller.user_id;
}

json::object day_json(const store::UsageDaySummary& d) {
  return {{"day", d.day},
          {"model", d.model},
          {"jobs", d.jobs},
          {"ok_jobs", d.ok_jobs},
          {"prompt_tokens", d.prompt_tokens},
          {"completion_tokens", d.completion_tokens},
          {"latency_ms_total", d.latency_ms_total},
          {"cost", d.cost}};
}

void add_to(store::UsageDaySummary& total, const store::UsageDaySummary& d) {
  total.jobs += d.jobs;
  total.ok_jobs += d.ok_jobs;
  total.prompt_tokens += d.prompt_tokens;
  total.completion_tokens += d.completion_tokens;
  total.latency_ms_total += d.latency_ms_total;
  total.cost += d.cost;
}

// Every column kept about a job (the export's usage_events, in CSV); the
// columns added later go last so that existing readers keep their positions.
constexpr std::string_view kCsvHeader =
    "ts,job_id,user_id,model,kind,tier,cluster_id,node_id,prompt_tokens,completion_tokens,ttft_ms,"
    "latency_ms,status,error_code,cost,key_id,language,cpu_ms,exit_code,node_name\r\n";

// -1 stands for "not applicable" (no token arrived; not an exec job).
void number_or_empty(CsvWriter& out, std::int64_t value) {
  if (value < 0) out.empty(); else out.number(value);
}

void write_event(CsvWriter& out, const Principal& caller, const store::UsageEvent& e) {
  out.text(utc_timestamp(e.ts_ms)).text(e.job_id).text(e.user_id).text(e.model).text(e.kind).text(e.tier)
      .text(e.cluster_id).text(node_id_shown(caller, e.node_id, e.node_owner_id))
      .number(e.prompt_tokens).number(e.completion_tokens);
  number_or_empty(out, e.ttft_ms);
  out.number(e.latency_ms).text(to_string(e.status)).text(to_string(e.error_code)).number(e.cost).text(e.key_id)
      .text(e.language);
  number_or_empty(out, e.cpu_ms);
  number_or_empty(out, e.exit_code);
  out.text(e.node_name);
  out.end_row();
}

}  // namespace

std::expected<store::UsageQuery, ApiError> usage_query(const Principal& caller, const QueryParams& params) {
  auto owner = usage_owner(caller, params);
  if (!owner) return std::unexpected(owner.error());
  auto from = time_param(params, "from", 0, false);
  if (!from) return std::unexpected(from.error());
  auto to = time_param(params, "to", kLatestUnixMs + 1, true);
  if (!to) return std::unexpected(to.error());
  if (*from >= *to)
    return std::unexpected(ApiError::bad_request("'from' must be before 'to'", "invalid_parameter"));
  return store::UsageQuery{*owner, *from, *to};
}

net::awaitable<std::optional<net::Response>> UsageHandler::report(net::Exchange& exchange, const Principal& caller,
                                                                  Format format) {
  auto params = query_params(exchange.request);
  if (!params) co_return net::make_error_response(params.error());
  auto query = usage_query(caller, *params);
  if (!query) co_return net::make_error_response(query.error());
  if (format == Format::csv) co_return co_await csv(caller, *query);
  co_return co_await summary(*query);
}

net::awaitable<net::Response> UsageHandler::summary(const store::UsageQuery& query) {
  auto read = [&query](store::Store& s) { return s.usage().summary(query); };
  auto days = co_await store_.call(read);
  if (!days) co_return store_error_response(days.error(), "usage");
  json::array data;
  store::UsageDaySummary total;
  for (const auto& d : *days) {
    data.push_back(day_json(d));
    add_to(total, d);
  }
  json::object totals = day_json(total);
  totals.erase("day");
  totals.erase("model");
  json::object out{{"object", "usage.summary"},
                   {"user_id", query.user_id.empty() ? json::value(nullptr) : json::value(query.user_id)},
                   {"from", utc_timestamp(query.from_ms)},
                   {"to", utc_timestamp(query.to_ms)},
                   {"data", std::move(data)},
                   {"totals", std::move(totals)}};
  co_return net::make_response(http::status::ok, json::serialize(out));
}

net::awaitable<net::Response> UsageHandler::csv(const Principal& caller, const store::UsageQuery& query) {
  auto read = [&query](store::Store& s) { return s.usage().events(query); };
  auto events = co_await store_.call(read);
  if (!events) co_return store_error_response(events.error(), "usage");
  CsvWriter out;
  for (const auto& e : *events) write_event(out, caller, e);
  auto response = net::make_response(http::status::ok, std::string(kCsvHeader) + out.take(),
                                     "text/csv; charset=utf-8");
  response.set(http::field::content_disposition, "attachment; filename=\"potluck-usage.csv\"");
  co_return response;
}

}  // namespace potluck::coordinator::api
