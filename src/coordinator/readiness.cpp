#include "coordinator/readiness.h"

#include <boost/json.hpp>

namespace potluck::coordinator {

net::Response readiness_response(const StorageHealth& storage, std::size_t connected_nodes) {
  // The store's own words (paths, SQLite's message) stay in the log: anyone
  // may ask this endpoint.
  boost::json::array reasons;
  if (!storage.writable())
    reasons.emplace_back("storage writes fail (disk full, read-only or I/O error: see the coordinator's log)");
  if (connected_nodes == 0) reasons.emplace_back("no node is connected");
  const bool ready = reasons.empty();
  boost::json::object body;
  body["status"] = ready ? "ready" : "not_ready";
  body["storage"] = storage.writable() ? "writable" : "failing";
  body["nodes"] = connected_nodes;
  if (!ready) body["reasons"] = std::move(reasons);
  return net::make_response(ready ? net::http::status::ok : net::http::status::service_unavailable,
                            boost::json::serialize(body));
}

}  // namespace potluck::coordinator
