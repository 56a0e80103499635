#pragma once
// GET /readyz: whether this coordinator can serve jobs now, for a load
// balancer or an orchestrator to route by. Ready (200) while its database can
// be written and at least one node is connected; otherwise 503 with each
// reason. /healthz only says the process is alive (for a restart policy):
// a coordinator on a full disk is alive but not ready, and restarting it
// would not help.
//   200 {"status":"ready","storage":"writable","nodes":N}
//   503 {"status":"not_ready","storage":"failing","nodes":0,
//        "reasons":["storage writes fail (...)","no node is connected"]}
#include "coordinator/storage_health.h"
#include "net/http_server.h"

#include <cstddef>

namespace potluck::coordinator {

net::Response readiness_response(const StorageHealth& storage, std::size_t connected_nodes);

}  // namespace potluck::coordinator
