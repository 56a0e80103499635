#include "store/ledger.h"

namespace potluck::store {

std::string user_account(std::string_view user_id) { return "user:" + std::string(user_id); }
std::string escrow_account(std::string_view job_id) { return "escrow:" + std::string(job_id); }

}  // namespace potluck::store
