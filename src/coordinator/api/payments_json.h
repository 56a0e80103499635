#pragma once
// Top-ups, payouts and the payment settings as the API shows them
// (docs/payments.md): amounts as credits text and micro-credits, times in
// unix seconds, null for what has not happened yet.
#include "coordinator/config.h"
#include "store/payments.h"

#include <boost/json/object.hpp>

namespace potluck::coordinator::api {

boost::json::object topup_json(const store::Topup& topup);
boost::json::object payout_json(const store::Payout& payout);
// {"rail":"none"} or the rail, network, rate and payout limits.
boost::json::object payment_settings_json(const PaymentSettings& settings);

}  // namespace potluck::coordinator::api
