#pragma once
// The credits ledger: double entry in integer micro-credits. Every transfer is
// a set of rows that sum to zero. A balance is, by definition, the sum of an
// account's rows; it is also kept on the account and updated in the same
// transaction as each transfer (as double-entry engines such as TigerBeetle
// do), so reading it costs one row however long the history. check() proves
// the two agree. Accounts are named:
//   user:<user id>     a consumer's or provider's wallet
//   escrow:<job id>    credits held for one job until it settles
//   platform           the platform's fees
//   grants             where granted credits come from (its balance is minus
//                      everything ever granted)
#include "store/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace potluck::store {

std::string user_account(std::string_view user_id);
std::string escrow_account(std::string_view job_id);
inline constexpr std::string_view kPlatformAccount = "platform";
inline constexpr std::string_view kGrantsAccount = "grants";

struct LedgerEntry {
  std::int64_t id = 0;
  std::string transfer_id;
  std::int64_t ts_ms = 0;
  std::string account;
  std::int64_t amount = 0;  // micro-credits, signed
  std::string kind;         // grant | hold | charge | payout | fee | release
  std::string job_id;
  std::string memo;
};

// How a finished job's hold is settled; written with its usage event, in one
// transaction. cost <= held; provider + fee == cost; the rest goes back.
struct Settlement {
  std::string payer;     // account the hold came from
  std::int64_t held = 0;
  std::int64_t cost = 0;
  std::string provider;  // account paid for the work (empty: no payout)
  std::int64_t fee = 0;  // part of cost that goes to the platform
};

// An account whose kept balance is not the sum of its rows.
struct BalanceDrift {
  std::string account;
  std::int64_t kept = 0;
  std::int64_t summed = 0;
};

// The result of comparing every kept balance with the sum of its rows.
struct LedgerCheck {
  static constexpr std::size_t kMaxListedDrifts = 100;
  std::int64_t rows = 0;
  std::int64_t accounts = 0;           // accounts whose rows do not sum to zero
  std::int64_t total = 0;              // sum of every row: zero unless broken
  std::int64_t drift_count = 0;        // all of them
  std::vector<BalanceDrift> drifts;    // the first kMaxListedDrifts
  bool balanced() const { return total == 0 && drift_count == 0; }
};

// One line for a log or a terminal ("ledger balanced: N rows, ...").
std::string summary(const LedgerCheck& check);
// "user:usr_x: kept 100, rows sum to 90".
std::string describe(const BalanceDrift& drift);

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  // grants -> user:<id>; audited as credits.granted. Returns the transfer id.
  virtual Result<std::string> grant(const std::string& actor_id, const std::string& user_id,
                                    std::int64_t amount) = 0;
  // Moves `amount` from `payer` to the job's escrow if the payer's balance
  // covers it (insufficient otherwise), atomically.
  virtual Result<void> hold(const std::string& payer, const std::string& job_id,
                            std::int64_t amount) = 0;
  virtual Result<std::int64_t> balance(const std::string& account) = 0;
  // Newest first; before_id 0 = from the newest.
  virtual Result<std::vector<LedgerEntry>> history(const std::string& account, std::int64_t before_id,
                                                   int limit) = 0;
  // The sum of every row: zero unless the ledger is broken.
  virtual Result<std::int64_t> total() = 0;
  // Every kept balance against the sum of its account's rows (a full scan:
  // for `potluck admin ledger check` and the coordinator's periodic check,
  // never on a request's path).
  virtual Result<LedgerCheck> check() = 0;
  // Settles a job's hold on its own (a job that ended without a usage event,
  // e.g. refused for capacity after its hold was taken).
  virtual Result<void> settle(const std::string& job_id, const Settlement& settlement) = 0;
  // Start-up recovery: escrows left open by a crash go back to their payer.
  virtual Result<int> release_open_holds() = 0;
};

}  // namespace potluck::store
