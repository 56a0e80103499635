#pragma once
#include "store/payments.h"
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

class SqlitePaymentStore final : public PaymentStore {
 public:
  explicit SqlitePaymentStore(Database& db) : db_(db) {}

  Result<void> create_topup(const Topup& topup) override;
  Result<bool> settle_topup(const std::string& payment_hash, std::int64_t paid_sats, std::int64_t now) override;
  Result<std::int64_t> expire_topups(std::int64_t now) override;
  Result<std::vector<Topup>> unsettled_topups(std::int64_t since, int limit) override;
  Result<std::int64_t> open_topup_count(const std::string& user_id) override;

  Result<void> request_payout(const Payout& payout, const PayoutLimits& limits) override;
  Result<bool> finish_payout(const std::string& payment_hash, PayoutState state, std::int64_t fee_sat,
                             const std::string& failure, std::int64_t now) override;
  Result<std::vector<Payout>> in_flight_payouts() override;

  Result<std::vector<Topup>> list_topups(const std::string& user_id, int limit) override;
  Result<std::vector<Payout>> list_payouts(const std::string& user_id, int limit) override;
  Result<Topup> find_topup(const std::string& user_id, const std::string& id) override;
  Result<Payout> find_payout(const std::string& user_id, const std::string& id) override;

 private:
  Database& db_;
};

}  // namespace potluck::store::sqlite
