#pragma once
// Counters for GET /metrics (Prometheus text format). Single-threaded: all
// updates happen on the network thread.
#include "store/usage_outcome.h"

#include <array>
#include <cstdint>
#include <string>

namespace potluck::coordinator {

struct Metrics {
  std::int64_t jobs_in_flight = 0;
  std::array<std::int64_t, 4> jobs_by_status{};  // indexed by store::UsageStatus
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t chunks_relayed = 0;
  std::int64_t retries = 0;
  std::int64_t node_connects = 0;
  std::int64_t node_record_writes = 0;  // upserts of a node's record (hello, model-list changes)
  std::int64_t usage_events_spilled = 0;  // dropped from a full usage queue while storage failed
  std::int64_t ledger_checks = 0;            // runs of the ledger check
  std::int64_t ledger_drifted_accounts = 0;  // accounts whose kept balance is not their rows' sum
  std::int64_t ledger_row_sum = 0;           // sum of every ledger row: zero unless broken

  void job_ended(store::UsageStatus status) { ++jobs_by_status[static_cast<std::size_t>(status)]; }

  // Gauges that live elsewhere are passed in when rendering.
  std::string render(std::size_t open_connections, std::size_t nodes_online) const;
};

}  // namespace potluck::coordinator
