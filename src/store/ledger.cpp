#include "store/ledger.h"

namespace potluck::store {

std::string user_account(std::string_view user_id) { return "user:" + std::string(user_id); }
std::string escrow_account(std::string_view job_id) { return "escrow:" + std::string(job_id); }

std::string summary(const LedgerCheck& check) {
  std::string out = check.balanced() ? "ledger balanced: " : "ledger NOT balanced: ";
  out += std::to_string(check.rows) + " rows, " + std::to_string(check.accounts) + " open accounts, sum of all rows " +
         std::to_string(check.total);
  if (check.drift_count > 0)
    out += ", " + std::to_string(check.drift_count) + " accounts whose kept balance is not the sum of their rows";
  return out;
}

std::string describe(const BalanceDrift& drift) {
  return drift.account + ": kept " + std::to_string(drift.kept) + ", rows sum to " + std::to_string(drift.summed);
}

}  // namespace potluck::store
