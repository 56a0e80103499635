#include "coordinator/api/payments_json.h"

#include "common/credits.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

json::value time_or_null(std::int64_t unix_s) { return unix_s > 0 ? json::value(unix_s) : json::value(); }

}  // namespace

json::object topup_json(const store::Topup& t) {
  return {{"id", t.id},
          {"state", store::to_string(t.state)},
          {"sats", t.sats},
          {"amount", format_credits(t.amount)},
          {"amount_micro", t.amount},
          {"invoice", t.invoice},
          {"payment_hash", t.payment_hash},
          {"created_at", t.created_at},
          {"expires_at", t.expires_at},
          {"settled_at", time_or_null(t.settled_at)}};
}

json::object payout_json(const store::Payout& p) {
  return {{"id", p.id},
          {"state", store::to_string(p.state)},
          {"sats", p.sats},
          {"amount", format_credits(p.amount)},
          {"amount_micro", p.amount},
          {"payment_hash", p.payment_hash},
          {"fee_sat", p.fee_sat},
          {"created_at", p.created_at},
          {"finished_at", time_or_null(p.finished_at)},
          {"failure", p.failure.empty() ? json::value() : json::value(p.failure)}};
}

json::object payment_settings_json(const PaymentSettings& s) {
  if (s.rail == PaymentRailKind::none) return {{"rail", "none"}};
  return {{"rail", "lnd"},
          {"network", payments::to_string(s.network)},
          {"credits_per_sat", format_credits(s.micro_per_sat)},
          {"min_payout", format_credits(s.min_payout)},
          {"max_payout_per_day", format_credits(s.max_payout_per_day)},
          {"max_topup", format_credits(s.max_topup)}};
}

}  // namespace potluck::coordinator::api
