#pragma once
// Counters for GET /metrics (Prometheus text format). Single-threaded: all
// updates happen on the network thread.
#include <cstdint>
#include <map>
#include <string>

namespace potluck::coordinator {

struct Metrics {
  std::int64_t jobs_in_flight = 0;
  std::map<std::string, std::int64_t> jobs_by_status;  // ok, error, cancelled, timeout
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t chunks_relayed = 0;
  std::int64_t retries = 0;
  std::int64_t node_connects = 0;

  // Gauges that live elsewhere are passed in when rendering.
  std::string render(std::size_t open_connections, std::size_t nodes_online) const;
};

}  // namespace potluck::coordinator
