#pragma once
// Collects one usage event per job and writes them to the store in batches
// (one transaction each), off the network thread. Metadata only.
//
// While the store cannot write (disk full, read-only), events wait here and
// every flush tries again; they are written, in order, once it can. The wait
// is bounded: past `max_pending` events the oldest is dropped and counted
// (potluck_usage_events_spilled_total, and the recovery's log line). A
// dropped event's hold, if it had one, is released at the next start. The
// writer logs once when writing starts failing and once when it recovers,
// not at every try.
#include "coordinator/metrics.h"
#include "coordinator/store_executor.h"
#include "net/asio_fwd.h"

#include <algorithm>
#include <cstddef>
#include <deque>

namespace potluck::coordinator {

class UsageRecorder {
 public:
  static constexpr std::size_t kDefaultMaxPending = 100'000;

  UsageRecorder(StoreExecutor& store, Metrics& metrics, std::size_t max_pending = kDefaultMaxPending)
      : store_(store), metrics_(metrics), max_pending_(std::max<std::size_t>(1, max_pending)) {}

  void record(store::UsageEvent event);
  std::size_t pending() const { return pending_.size(); }
  // The events not written yet, oldest first.
  const std::deque<store::UsageEvent>& pending_events() const { return pending_; }

  // Writes what is pending; on failure the events are kept for the next try.
  net::awaitable<void> flush();

 private:
  void note_failure(std::size_t batch, const std::string& reason);
  void note_success(std::size_t batch);

  StoreExecutor& store_;
  Metrics& metrics_;
  std::size_t max_pending_;
  std::deque<store::UsageEvent> pending_;
  bool flushing_ = false;
  bool failing_ = false;                  // the last write failed
  std::int64_t spilled_while_failing_ = 0;  // for the recovery's log line
};

// The end of a job: counted in the metrics by status, logged unless ok
// (ids and counts only), and queued for the store.
void record_job_end(Metrics& metrics, UsageRecorder& usage, store::UsageEvent event, std::uint64_t chunks);

}  // namespace potluck::coordinator
