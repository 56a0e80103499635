#pragma once
#include "store/sqlite/database.h"
#include "store/usage.h"

namespace potluck::store::sqlite {

class SqliteUsageStore final : public UsageStore {
 public:
  explicit SqliteUsageStore(Database& db) : db_(db) {}

  Result<std::vector<UsageEvent>> events(const UsageQuery& query) override;
  Result<std::vector<UsageDaySummary>> summary(const UsageQuery& query) override;
  Result<std::vector<UsageMinute>> per_minute(const UsageQuery& query) override;
  Result<std::vector<UsageFailure>> failures(const UsageQuery& query, int limit) override;
  Result<UsageFold> fold_before(std::int64_t cutoff_ms) override;
  Result<std::int64_t> drop_daily_before(std::int64_t cutoff_ms) override;

 private:
  Database& db_;
};

}  // namespace potluck::store::sqlite
