#include "coordinator/usage_recorder.h"

#include "common/log.h"

#include <algorithm>
#include <vector>

namespace potluck::coordinator {

void UsageRecorder::record(store::UsageEvent event) {
  if (pending_.size() >= max_pending_) {
    pending_.pop_front();
    ++metrics_.usage_events_spilled;
    ++spilled_while_failing_;
  }
  pending_.push_back(std::move(event));
}

net::awaitable<void> UsageRecorder::flush() {
  if (pending_.empty() || flushing_) co_return;
  flushing_ = true;
  std::vector<store::UsageEvent> batch(std::make_move_iterator(pending_.begin()),
                                       std::make_move_iterator(pending_.end()));
  pending_.clear();
  auto insert = [&batch](store::Store& s) { return s.insert_usage(batch); };
  auto result = co_await store_.call(insert);
  if (result) {
    note_success(batch.size());
  } else {
    note_failure(batch.size(), result.error().message);
    // Back in front of what ended meanwhile, within the bound: the oldest go.
    const std::size_t room = max_pending_ > pending_.size() ? max_pending_ - pending_.size() : 0;
    const std::size_t dropped = batch.size() > room ? batch.size() - room : 0;
    metrics_.usage_events_spilled += static_cast<std::int64_t>(dropped);
    spilled_while_failing_ += static_cast<std::int64_t>(dropped);
    pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(dropped)),
                    std::make_move_iterator(batch.end()));
  }
  flushing_ = false;
}

void UsageRecorder::note_failure(std::size_t batch, const std::string& reason) {
  if (failing_) return;
  failing_ = true;
  spilled_while_failing_ = 0;
  spdlog::error("usage: writing {} events failed, keeping them (up to {}) and retrying: {}", batch, max_pending_,
                reason);
}

void UsageRecorder::note_success(std::size_t batch) {
  if (!failing_) return;
  failing_ = false;
  spdlog::warn("usage: writing works again; {} events written, {} dropped while it failed (oldest first)", batch,
               spilled_while_failing_);
}

void record_job_end(Metrics& metrics, UsageRecorder& usage, store::UsageEvent event, std::uint64_t chunks) {
  metrics.job_ended(event.status);
  if (event.status != store::UsageStatus::ok)
    spdlog::info("job {} on node {} ended {} ({}) after {} chunks", event.job_id, event.node_id,
                 to_string(event.status), to_string(event.error_code), chunks);
  usage.record(std::move(event));
}

}  // namespace potluck::coordinator
