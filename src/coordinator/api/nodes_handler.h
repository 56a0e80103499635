#pragma once
// GET /api/nodes: the nodes the caller may see, online ones with their live
// state (online, parked, probing, draining), load and health, and the others
// from their last record (offline, last seen). Who may call: any key; an
// admin sees every node, others their own nodes and their clusters' nodes.
#include "coordinator/auth.h"
#include "coordinator/registry.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

namespace potluck::coordinator::api {

class NodesHandler {
 public:
  NodesHandler(StoreExecutor& store, Registry& registry) : store_(store), registry_(registry) {}

  net::awaitable<std::optional<net::Response>> list(const Principal& caller);
  // An admin clears the node's count of inflated usage reports, which lifts
  // its suspension from the public pool (--max-usage-mismatches).
  net::awaitable<std::optional<net::Response>> clear_mismatches(const Principal& caller, const std::string& node_id);

 private:
  StoreExecutor& store_;
  Registry& registry_;
};

}  // namespace potluck::coordinator::api
