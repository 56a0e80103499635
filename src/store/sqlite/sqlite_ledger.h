#pragma once
#include "store/ledger.h"
#include "store/sqlite/database.h"

#include <vector>

namespace potluck::store::sqlite {

struct Posting {
  std::string account;
  std::int64_t amount = 0;
  std::string kind;
};

// Writes one transfer (rows summing to zero; anything else is a bug and
// throws). Call inside a transaction.
std::string post_transfer(Database& db, const std::vector<Posting>& postings, std::string_view job_id,
                          std::string_view memo);

// Settles a job's hold: the payer is charged `cost` (the rest is released),
// the provider paid cost - fee, the platform the fee. Call inside a
// transaction.
void post_settlement(Database& db, std::string_view job_id, const Settlement& settlement);

// The account's kept balance (one row read).
std::int64_t balance_of(Database& db, std::string_view account);

class SqliteLedgerStore final : public LedgerStore {
 public:
  explicit SqliteLedgerStore(Database& db) : db_(db) {}

  Result<std::string> grant(const std::string& actor_id, const std::string& user_id,
                            std::int64_t amount) override;
  Result<void> hold(const std::string& payer, const std::string& job_id, std::int64_t amount) override;
  Result<std::int64_t> balance(const std::string& account) override;
  Result<std::vector<LedgerEntry>> history(const std::string& account, std::int64_t before_id,
                                           int limit) override;
  Result<std::int64_t> total() override;
  Result<LedgerCheck> check() override;
  Result<void> settle(const std::string& job_id, const Settlement& settlement) override;
  Result<int> release_open_holds() override;

 private:
  Database& db_;
};

}  // namespace potluck::store::sqlite
