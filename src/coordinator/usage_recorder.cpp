#include "coordinator/usage_recorder.h"

#include <spdlog/spdlog.h>

namespace potluck::coordinator {

net::awaitable<void> UsageRecorder::flush() {
  if (pending_.empty() || flushing_) co_return;
  flushing_ = true;
  auto batch = std::move(pending_);
  pending_.clear();
  auto insert = [&batch](store::Store& s) { return s.insert_usage(batch); };
  auto result = co_await store_.call(insert);
  if (!result) {
    spdlog::error("writing {} usage events failed, will retry: {}", batch.size(),
                  result.error().message);
    pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
  }
  flushing_ = false;
}

void record_job_end(Metrics& metrics, UsageRecorder& usage, store::UsageEvent event, std::uint64_t chunks) {
  metrics.job_ended(event.status);
  if (event.status != store::UsageStatus::ok)
    spdlog::info("job {} on node {} ended {} ({}) after {} chunks", event.job_id, event.node_id,
                 to_string(event.status), to_string(event.error_code), chunks);
  usage.record(std::move(event));
}

}  // namespace potluck::coordinator
