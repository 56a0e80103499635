#include "coordinator/api/audit_handler.h"

#include "coordinator/api/api_responses.h"
#include "coordinator/api/request_params.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;

json::object row_json(const store::AuditRecord& row) {
  boost::system::error_code ec;
  json::value detail = json::parse(row.event.detail, ec);
  if (ec) detail = json::string(row.event.detail);
  return {{"seq", row.seq},
          {"ts", row.ts_ms},
          {"actor_id", row.event.actor_id},
          {"action", row.event.action},
          {"subject_id", row.event.subject_id},
          {"cluster_id", row.event.cluster_id},
          {"detail", std::move(detail)},
          {"prev_sha256", row.prev_sha256},
          {"sha256", row.sha256}};
}

// The chain's verdict, with the first broken row when there is one.
struct Verdict {
  store::ChainCheck check;
  std::optional<store::AuditRecord> broken_row;
};

store::Result<Verdict> check_chain(store::Store& s) {
  auto check = s.audit().verify();
  if (!check) return std::unexpected(check.error());
  Verdict verdict{*check, std::nullopt};
  if (check->first_broken_seq == 0) return verdict;
  auto rows = s.audit().list({"", check->first_broken_seq - 1, 1});
  if (!rows) return std::unexpected(rows.error());
  if (!rows->empty()) verdict.broken_row = rows->front();
  return verdict;
}

}  // namespace

net::awaitable<net::Response> AuditHandler::list(net::Exchange& exchange, const Principal& caller) {
  auto parsed = query_params(exchange.request);
  if (!parsed) co_return net::make_error_response(parsed.error());
  const QueryParams& params = *parsed;
  auto after = integer_param(params, "after", 0, 0, std::numeric_limits<std::int64_t>::max());
  if (!after) co_return net::make_error_response(after.error());
  auto limit = integer_param(params, "limit", kDefaultLimit, 1, kMaxLimit);
  if (!limit) co_return net::make_error_response(limit.error());
  auto cluster = params.find("cluster");
  std::string cluster_id = cluster == params.end() ? std::string() : cluster->second;
  if (!caller.is_admin()) {
    if (cluster_id.empty())
      co_return net::make_error_response(ApiError::forbidden(
          "only an admin may read the whole audit log; a cluster's owner passes ?cluster=ID"));
    auto refusal = co_await refuse_cluster(caller, cluster_id);
    if (refusal) co_return std::move(*refusal);
  }
  // One row more than asked tells whether there is a next page.
  store::AuditQuery query{cluster_id, *after, static_cast<int>(*limit) + 1};
  auto read = [&query](store::Store& s) { return s.audit().list(query); };
  auto rows = co_await store_.call(read);
  if (!rows) co_return store_error_response(rows.error(), "audit row");
  bool has_more = rows->size() > static_cast<std::size_t>(*limit);
  if (has_more) rows->pop_back();
  json::array data;
  for (const auto& row : *rows) data.push_back(row_json(row));
  json::object out{{"object", "list"}, {"data", std::move(data)}, {"has_more", has_more}};
  if (has_more) out["next_after"] = rows->back().seq;
  co_return net::make_response(http::status::ok, json::serialize(out));
}

net::awaitable<std::optional<net::Response>> AuditHandler::refuse_cluster(const Principal& caller,
                                                                    const std::string& cluster_id) {
  auto lookup = [&caller, &cluster_id](store::Store& s) -> store::Result<bool> {
    auto cluster = s.clusters().find_cluster(cluster_id);
    if (!cluster) return std::unexpected(cluster.error());
    auto memberships = s.clusters().memberships(caller.user_id);
    if (!memberships) return std::unexpected(memberships.error());
    if (cluster->owner_id == caller.user_id) return true;
    for (const auto& m : *memberships)
      if (m.cluster_id == cluster_id && m.role == store::ClusterRole::owner) return true;
    return false;
  };
  auto owner = co_await store_.call(lookup);
  if (!owner) co_return store_error_response(owner.error(), "cluster");
  if (!*owner)
    co_return net::make_error_response(
        ApiError::forbidden("only the cluster's owner or an admin may read its audit log"));
  co_return std::nullopt;
}

net::awaitable<net::Response> AuditHandler::verify(const Principal& caller) {
  if (!caller.is_admin())
    co_return net::make_error_response(ApiError::forbidden("only an admin may verify the audit log"));
  auto check = [](store::Store& s) { return check_chain(s); };
  auto verdict = co_await store_.call(check);
  if (!verdict) co_return store_error_response(verdict.error(), "audit row");
  const auto& c = verdict->check;
  json::object out{{"ok", c.first_broken_seq == 0},
                   {"rows", c.rows},
                   {"pruned_rows", c.pruned_rows},
                   {"checkpoints", c.checkpoints}};
  out["first_broken_seq"] = c.first_broken_seq == 0 ? json::value(nullptr) : json::value(c.first_broken_seq);
  out["reason"] = c.first_broken_seq == 0 ? json::value(nullptr) : json::value(c.reason);
  out["row"] = verdict->broken_row ? json::value(row_json(*verdict->broken_row)) : json::value(nullptr);
  co_return net::make_response(http::status::ok, json::serialize(out));
}

}  // namespace potluck::coordinator::api
