#pragma once
// GET /api/overview: the dashboard's first page in one call.
//   {"nodes_online": n,            nodes connected now that the caller may see
//    "models": ["id", ...],        models online now that the caller may use
//    "per_minute": [{"minute", "jobs", "tokens_in", "tokens_out", "errors"}],
//                                  the last 60 minutes, oldest first, every
//                                  minute present (zeros included)
//    "recent_errors": [{"at", "model", "code", "node_id"}]}
//                                  the newest 20 failed jobs of the last 24 h
// Scope: an admin (admin role and key scope) sees everyone's usage, anyone
// else their own. Metadata only, like all usage.
#include "coordinator/auth.h"
#include "coordinator/registry.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class OverviewHandler {
 public:
  OverviewHandler(StoreExecutor& store, Registry& registry) : store_(store), registry_(registry) {}

  net::awaitable<std::optional<net::Response>> handle(const Principal& caller);

 private:
  StoreExecutor& store_;
  Registry& registry_;
};

}  // namespace potluck::coordinator::api
