#include "coordinator/retention.h"

#include "common/log.h"
#include "coordinator/periodic.h"
#include "store/usage.h"

#include <algorithm>

namespace potluck::coordinator {

std::int64_t UsageRetention::before(std::chrono::days age) const {
  return clock_.unix_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(age).count();
}

store::Result<RetentionRun> UsageRetention::run(store::Store& store,
                                                const std::vector<std::string>& connected) const {
  RetentionRun done;
  auto folded = store.usage().fold_before(cutoff_ms());
  if (!folded) return std::unexpected(folded.error());
  done.fold = *folded;
  auto dropped = store.usage().drop_daily_before(before(policy_.aggregates));
  if (!dropped) return std::unexpected(dropped.error());
  done.daily_rows_deleted = *dropped;
  auto forgotten = store.delete_nodes_unseen_since(before(policy_.node_records), connected);
  if (!forgotten) return std::unexpected(forgotten.error());
  done.node_records_deleted = *forgotten;
  auto pruned = store.audit().prune_deleted_clusters(before(policy_.audit_after_delete));
  if (!pruned) return std::unexpected(pruned.error());
  done.audit = *pruned;
  return done;
}

net::awaitable<void> UsageRetention::run_every(StoreExecutor& store, std::chrono::seconds interval,
                                               const bool& stopping, ConnectedNodes connected) const {
  const PeriodicTask once = [this, &store, &connected]() -> net::awaitable<void> {
    auto online = connected();
    auto expire = [this, &online](store::Store& s) { return run(s, online); };
    auto done = co_await store.call(expire);
    if (!done)
      spdlog::warn("retention failed (will retry): {}", done.error().message);
    else if (done->fold.events > 0 || done->daily_rows_deleted > 0 || done->node_records_deleted > 0 ||
             done->audit.rows > 0)
      spdlog::info("retention: folded {} usage events into {} daily rows, deleted {} daily rows and {} node "
                   "records, pruned {} audit rows of {} deleted clusters",
                   done->fold.events, done->fold.daily_rows, done->daily_rows_deleted,
                   done->node_records_deleted, done->audit.rows, done->audit.clusters);
  };
  // A fold every few milliseconds would be work for nothing: one a second at most.
  co_await repeat_every(std::max(interval, std::chrono::seconds(1)), stopping, once);
}

}  // namespace potluck::coordinator
