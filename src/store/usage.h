#pragma once
// Reading usage back (per user or for everyone) and folding raw events older
// than the retention into daily aggregates. Metadata only.
#include "store/store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace potluck::store {

// Times are Unix milliseconds, the range is [from_ms, to_ms).
struct UsageQuery {
  std::string user_id;  // empty: every user (and anonymised usage)
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
};

// One day's usage of one model; folded days and raw events added together.
struct UsageDaySummary {
  std::string day;  // YYYY-MM-DD, UTC
  std::string model;
  std::int64_t jobs = 0;
  std::int64_t ok_jobs = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t latency_ms_total = 0;
  std::int64_t cost = 0;

  bool operator==(const UsageDaySummary&) const = default;
};

// One minute's usage (the Overview page's charts).
struct UsageMinute {
  std::int64_t minute_s = 0;  // start of the minute, Unix seconds
  std::int64_t jobs = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t errors = 0;  // jobs that failed or timed out (not cancelled ones)

  bool operator==(const UsageMinute&) const = default;
};

// A failed job, metadata only.
struct UsageFailure {
  std::int64_t ts_ms = 0;
  std::string model;
  std::optional<FailureCode> error_code;
  std::string node_id;
  std::string node_owner_id;  // empty once the node's record is gone
  std::string node_name;
};

struct UsageFold {
  std::int64_t events = 0;      // raw events folded and deleted
  std::int64_t daily_rows = 0;  // aggregate rows created or added to
};

class UsageStore {
 public:
  virtual ~UsageStore() = default;
  // Raw events in the range, oldest first.
  virtual Result<std::vector<UsageEvent>> events(const UsageQuery& query) = 0;
  // By day, then model. Folded days count when the day lies in the range.
  virtual Result<std::vector<UsageDaySummary>> summary(const UsageQuery& query) = 0;
  // Raw events in the range by minute, oldest first; minutes without jobs are left out.
  virtual Result<std::vector<UsageMinute>> per_minute(const UsageQuery& query) = 0;
  // The newest failed jobs in the range, newest first, at most `limit`.
  virtual Result<std::vector<UsageFailure>> failures(const UsageQuery& query, int limit) = 0;
  // Adds every event older than `cutoff_ms` to its day's aggregate row and
  // deletes it, in one transaction: running it again changes nothing.
  virtual Result<UsageFold> fold_before(std::int64_t cutoff_ms) = 0;
  // Deletes the daily aggregates of the days that ended before `cutoff_ms`;
  // returns how many rows went.
  virtual Result<std::int64_t> drop_daily_before(std::int64_t cutoff_ms) = 0;
};

}  // namespace potluck::store
