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
  explicit UsageHandler(StoreExecutor& store) : store_(store) {}

  enum class Format { json, csv };  // /api/usage, /api/usage.csv
  net::awaitable<std::optional<net::Response>> report(net::Exchange& exchange, const Principal& caller,
                                                      Format format);

 private:
  net::awaitable<net::Response> summary(const store::UsageQuery& query);
  // Node ids as the caller is shown them (node_id_shown), with the node's name.
  net::awaitable<net::Response> csv(const Principal& caller, const store::UsageQuery& query);

  StoreExecutor& store_;
};

// The query a caller's parameters ask for, or why they may not.
std::expected<store::UsageQuery, ApiError> usage_query(const Principal& caller, const QueryParams& params);

}  // namespace potluck::coordinator::api
