#pragma once
#include "store/audit.h"
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

// Appends one chained row. Call inside the transaction of the operation it
// records, so the operation and its audit row commit together. Returns its seq.
std::int64_t append_audit(Database& db, const AuditEvent& event);

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(Database& db) : db_(db) {}

  Result<void> append(const AuditEvent& event) override;
  Result<std::vector<AuditRecord>> list(const AuditQuery& query) override;
  Result<ChainCheck> verify() override;
  Result<AuditPrune> prune_deleted_clusters(std::int64_t deleted_before_ms) override;

 private:
  Database& db_;
};

}  // namespace potluck::store::sqlite
