#pragma once
// /api/usage: what a user's jobs used, as metadata only.
//   GET /api/usage?from=&to=       JSON summary by day and model; folded
//                                  (older than the retention) days included
//   GET /api/usage.csv?from=&to=   raw events as CSV (the retention's window)
// from/to: a UTC date YYYY-MM-DD (`to` includes that day) or Unix seconds
// (`to` exclusive); default: everything.
// Who: any valid key, on its own user's usage. An admin (role admin and a key
// with the admin scope) may pass ?user=ID for one user or ?all=1 for everyone.
#include "common/query_string.h"
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"
#include "store/usage.h"

#include <optional>

namespace potluck::coordinator::api {

class UsageHandler {
 public:
  UsageHandler(KeyAuthenticator& auth, StoreExecutor& store) : auth_(auth), store_(store) {}

  // GET only (the router checks the method). `path` is /api/usage or /api/usage.csv.
  net::awaitable<std::optional<net::Response>> handle(net::Exchange& exchange, std::string_view path);

 private:
  net::awaitable<net::Response> summary(const store::UsageQuery& query);
  net::awaitable<net::Response> csv(const store::UsageQuery& query);

  KeyAuthenticator& auth_;
  StoreExecutor& store_;
};

// The query a caller's parameters ask for, or why they may not.
std::expected<store::UsageQuery, ApiError> usage_query(const Principal& caller, const QueryParams& params);

}  // namespace potluck::coordinator::api
