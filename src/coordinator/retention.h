#pragma once
// Retention, run at start and then every interval: raw usage events older
// than the usage retention are folded into daily aggregates (usage_daily) and
// deleted; daily aggregates older than the aggregate retention are deleted;
// node records not seen for the node-record retention are deleted (nodes
// connected now are kept); the audit rows of clusters deleted longer ago than
// the audit retention are pruned under a checkpoint. Time comes from an injectable Clock so tests can
// move it.
#include "common/clock.h"
#include "coordinator/store_executor.h"
#include "net/asio_fwd.h"
#include "store/usage.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace potluck::coordinator {

struct RetentionPolicy {
  std::chrono::days usage{90};         // raw usage events, then folded by day
  std::chrono::days aggregates{730};   // usage_daily rows
  std::chrono::days node_records{180};  // nodes not seen for this long
  std::chrono::days audit_after_delete{90};  // a deleted cluster's audit rows, after the deletion
};

// What one run removed.
struct RetentionRun {
  store::UsageFold fold;
  std::int64_t daily_rows_deleted = 0;
  std::int64_t node_records_deleted = 0;
  store::AuditPrune audit;
};

// The ids of the nodes connected now (read on the coordinator's thread).
using ConnectedNodes = std::function<std::vector<std::string>()>;

class UsageRetention {
 public:
  UsageRetention(const Clock& clock, RetentionPolicy policy) : clock_(clock), policy_(policy) {}

  // Events before this instant (Unix ms) are folded.
  std::int64_t cutoff_ms() const { return before(policy_.usage); }

  // One run, on the store's thread; `connected` are node ids whose records stay.
  store::Result<RetentionRun> run(store::Store& store, const std::vector<std::string>& connected = {}) const;

  // Runs now and then every `interval` until `stopping` is set.
  net::awaitable<void> run_every(StoreExecutor& store, std::chrono::seconds interval, const bool& stopping,
                                 ConnectedNodes connected) const;

 private:
  std::int64_t before(std::chrono::days age) const;

  const Clock& clock_;
  RetentionPolicy policy_;
};

}  // namespace potluck::coordinator
