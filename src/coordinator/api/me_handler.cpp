#include "coordinator/api/me_handler.h"

#include "common/clock.h"
#include "common/log.h"
#include "coordinator/api/api_responses.h"
#include "store/personal_data.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace http = boost::beast::http;

net::awaitable<net::Response> MeHandler::export_data(const Principal& caller) {
  auto gather = [&caller](store::Store& s) { return s.personal_data().export_user(caller.user_id); };
  auto document = co_await store_.call(gather);
  if (!document) co_return store_error_response(document.error(), "user");
  spdlog::info("user {} exported their data ({} bytes)", caller.user_id, document->size());
  auto response = net::make_response(http::status::ok, std::move(*document));
  response.set(http::field::content_disposition,
               "attachment; filename=\"potluck-export-" + caller.user_id + ".json\"");
  co_return response;
}

net::awaitable<net::Response> MeHandler::delete_account(const Principal& caller) {
  const std::int64_t now = unix_now_ms();
  auto erase = [&caller, now](store::Store& s) { return s.personal_data().erase_user(caller.user_id, now); };
  auto erased = co_await store_.call(erase);
  if (!erased) co_return store_error_response(erased.error(), "user");
  // Cached keys would otherwise keep working until their cache entry expires.
  for (const auto& key_id : erased->key_ids) auth_.invalidate(key_id);
  // Revoked tokens refuse the next connect; the ones connected now go at once.
  std::size_t disconnected = 0;
  for (const auto& token_id : erased->node_token_ids) disconnected += hub_.disconnect_token(token_id);
  spdlog::info("user {} deleted their account: {} keys revoked, {} nodes disconnected, {} usage events anonymised",
               caller.user_id, erased->key_ids.size(), disconnected, erased->usage_events_anonymised);
  json::object out{{"deleted", true},
                   {"user_id", caller.user_id},
                   {"keys_revoked", erased->key_ids.size()},
                   {"node_tokens_revoked", erased->node_tokens_revoked},
                   {"nodes_disconnected", disconnected},
                   {"node_records_deleted", erased->node_records_deleted},
                   {"clusters_deleted", erased->clusters_deleted},
                   {"usage_events_anonymised", erased->usage_events_anonymised},
                   {"memberships_removed", erased->memberships_removed}};
  co_return net::make_response(http::status::ok, json::serialize(out));
}

}  // namespace potluck::coordinator::api
