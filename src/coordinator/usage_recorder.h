#pragma once
// Collects one usage event per job and writes them to the store in batches
// (one transaction each), off the network thread. Metadata only.
#include "coordinator/metrics.h"
#include "coordinator/store_executor.h"
#include "net/asio_fwd.h"

#include <vector>

namespace potluck::coordinator {

class UsageRecorder {
 public:
  explicit UsageRecorder(StoreExecutor& store) : store_(store) {}

  void record(store::UsageEvent event) { pending_.push_back(std::move(event)); }
  std::size_t pending() const { return pending_.size(); }
  // The events not written yet, oldest first.
  const std::vector<store::UsageEvent>& pending_events() const { return pending_; }

  // Writes what is pending; on failure the events are kept for the next try.
  net::awaitable<void> flush();

 private:
  StoreExecutor& store_;
  std::vector<store::UsageEvent> pending_;
  bool flushing_ = false;
};

// The end of a job: counted in the metrics by status, logged unless ok
// (ids and counts only), and queued for the store.
void record_job_end(Metrics& metrics, UsageRecorder& usage, store::UsageEvent event, std::uint64_t chunks);

}  // namespace potluck::coordinator
